/** Turns station events into pushes to the shop: fulfillments for packed parcels and refunds. */
import { Effect } from "effect"
import { oneLine } from "../../../core/bounds/oneLine.ts"
import { defaultCarrierProfiles } from "../../../core/carrier/CarrierProfile.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { decodePayload } from "../../../core/events/EventDefinition.ts"
import { ParcelHandedToCarrier, ParcelLinesRenumbered, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import {
  ReturnCancelled,
  ReturnRefundDecided,
  ReturnRefundDecisionCorrected
} from "../../../core/returns/ReturnsEvents.ts"
import type { Sql, StoreError } from "../../../core/store/Sql.ts"
import { refundPushLeft, whatTheShopDid } from "../refunds/RefundLedger.ts"
import { carrierTrackingUrl } from "../tracking/carrierTrackingUrl.ts"
import type { ConnectorSettings } from "./ConnectorSettings.ts"
import type { MappedOrder } from "./mapShopOrder.ts"
import { enqueuePush, type PushQueueSettings } from "./PushQueue.ts"
import type { RefundUnit } from "./RefundUnit.ts"
import type { FulfillmentPush, PushLine } from "./ShopConnector.ts"

/**
 * A return's refund pushes not discarded, paid (`done`) ones too, by the group key its units were queued under
 * (`<orderId>/<siteId>/<returnId>`): hub migration 90's index of the refund pushes by key serves it.
 */
export const RETURN_REFUND_PUSHES =
  "SELECT subject, payload FROM shop_pushes WHERE group_key = ? AND kind = 'refund' AND status <> 'discarded'"

interface ShopOrderRef {
  readonly connector_id: string
  readonly shop_order_id: string
  readonly mapped: string
}

interface ParcelItem {
  readonly lineId: string
  readonly quantity: number
}

const shopOrderOf = (sql: Sql["Service"], orderId: string) =>
  Effect.map(
    sql.query<ShopOrderRef>("SELECT connector_id, shop_order_id, mapped FROM shop_orders WHERE order_id = ?", [
      orderId
    ]),
    (rows) => rows[0]
  )

/**
 * What the shops hear of the stations' events, applied in the hub consumer's transaction right after the hub's own
 * projection (so "event applied" and "push queued" commit together, and a replayed event queues nothing twice):
 * - `parcel.packed` of a shop order records what the parcel holds; with `fulfillOn: "packed"` it also queues the
 *   fulfillment;
 * - `parcel.lines-renumbered` (the shop numbered the order's lines anew over the same items) makes what the parcel
 *   holds count on the new lines, the ones the shop's order has now and its fulfillment must name;
 * - `parcel.handed-to-carrier` queues the parcel's fulfillment (carrier, tracking number and URL, its units; the
 *   units left out by a short ship stay open at the shop, so the fulfillment is partial);
 * - `return.refund-decided` whose unit the refund ledger granted queues that unit's refund on the line the ledger
 *   granted it on (which the station's answer still names by the station's line), grouped by return; a later decision
 *   for the same unit (or a station's correction of its decision, `return.refund-decision-corrected`) replaces a
 *   refund still waiting, and is refused once the shop paid; one with no refund (`no-refund`, whose claim the ledger
 *   released) withdraws it;
 * - `return.cancelled` (the clerk voided the return) withdraws its refunds still waiting for the shop, as a no-refund
 *   of each unit does; a refund the shop paid (whether or not its station said so yet), is paying right now, or may
 *   have paid, is left as it is and logged for a manager.
 * Orders the connectors did not bring (fixtures, the simulated shop) are none of the shops' business.
 */
export const makeShopOutbound = (
  sql: Sql["Service"],
  connectors: ReadonlyMap<string, ConnectorSettings>,
  queue: PushQueueSettings
) => {
  const queueFulfillment = (
    event: EventEnvelope,
    shop: ShopOrderRef,
    settings: ConnectorSettings,
    parcel: { parcelId: string; orderId: string; carrier: string; trackingNumber: string },
    items: ReadonlyArray<ParcelItem>,
    nowMs: number
  ) =>
    Effect.gen(function* () {
      const earlier = yield* sql.query<{ push_id: string }>(
        "SELECT push_id FROM shop_pushes WHERE kind = 'fulfillment' AND subject = ?",
        [parcel.parcelId]
      )
      if (earlier.length > 0) return
      const mapped = JSON.parse(shop.mapped) as MappedOrder
      const lines: Array<PushLine> = items
        .filter((item) => item.quantity > 0 && mapped.shopLines[item.lineId] !== undefined)
        .map((item) => ({
          lineId: item.lineId,
          shopLineId: mapped.shopLines[item.lineId] as string,
          quantity: item.quantity
        }))
      // Units fulfilled by this and every earlier parcel of the order: the order is complete when none are left.
      const parcels = yield* sql.query<{ items: string }>("SELECT items FROM shop_parcels WHERE order_id = ?", [
        parcel.orderId
      ])
      const shipped = new Map<string, number>()
      for (const row of parcels) {
        for (const item of JSON.parse(row.items) as ReadonlyArray<ParcelItem>) {
          shipped.set(item.lineId, (shipped.get(item.lineId) ?? 0) + item.quantity)
        }
      }
      const completesOrder = mapped.order.lines.every((line) => (shipped.get(line.lineId) ?? 0) >= line.quantity)
      const push: Omit<FulfillmentPush, "idempotencyKey"> = {
        orderId: parcel.orderId,
        shopOrderId: shop.shop_order_id,
        parcelId: parcel.parcelId,
        carrier: parcel.carrier,
        carrierName: defaultCarrierProfiles.find((profile) => profile.id === parcel.carrier)?.name ?? parcel.carrier,
        trackingNumber: parcel.trackingNumber,
        trackingUrl: carrierTrackingUrl(parcel.carrier, parcel.trackingNumber),
        lines,
        completesOrder
      }
      yield* enqueuePush(
        sql,
        {
          connectorId: settings.id,
          kind: "fulfillment",
          idempotencyKey: `packbench-${event.id}`,
          subject: parcel.parcelId,
          orderId: parcel.orderId,
          groupKey: parcel.parcelId,
          payload: push,
          dueMs: nowMs
        },
        nowMs
      )
    })

  const parcelItems = (parcelId: string) =>
    Effect.map(
      sql.query<{ items: string }>("SELECT items FROM shop_parcels WHERE parcel_id = ?", [parcelId]),
      (rows) => (rows[0] === undefined ? undefined : (JSON.parse(rows[0].items) as ReadonlyArray<ParcelItem>))
    )

  /**
   * Withdraws the refund of `itemRef` still waiting for the shop (queued, or failed for a manager), saying why. A unit
   * the shop already paid, or is being paid right now, never changes: then nothing is withdrawn, and the status of its
   * push that stopped it (`done` or `sending`, or `unread` for an answer the hub could not read) is returned.
   */
  const withdrawWaiting = (itemRef: string, because: string, nowMs: number) =>
    Effect.gen(function* () {
      // Sent, and the shop's answer could not be read (`unread`): it may have paid. It stays on the manager's list.
      const left = yield* refundPushLeft(sql, itemRef)
      if (left !== undefined) return left.status
      yield* sql.execute(
        `UPDATE shop_pushes SET status = 'discarded', last_error = ?, updated_at_ms = ?
         WHERE kind = 'refund' AND subject = ? AND status <> 'discarded'`,
        [because, nowMs, itemRef]
      )
      return undefined
    })

  const applyStationEvent = (event: EventEnvelope, nowMs: number): Effect.Effect<void, StoreError | string> =>
    Effect.gen(function* () {
      switch (event.type) {
        case ParcelPacked.type: {
          const packed = yield* decodePayload(ParcelPacked, event.payload)
          const shop = yield* shopOrderOf(sql, packed.orderId)
          const settings = shop === undefined ? undefined : connectors.get(shop.connector_id)
          if (shop === undefined || settings === undefined) return
          const items: ReadonlyArray<ParcelItem> = packed.items.map((item) => ({
            lineId: item.lineId,
            quantity: item.quantity
          }))
          yield* sql.execute(
            `INSERT INTO shop_parcels (parcel_id, order_id, items, carrier, tracking_number, recorded_at_ms)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (parcel_id) DO NOTHING`,
            [packed.parcelId, packed.orderId, JSON.stringify(items), packed.carrier, packed.trackingNumber, nowMs]
          )
          if (settings.fulfillOn === "packed") yield* queueFulfillment(event, shop, settings, packed, items, nowMs)
          return
        }
        case ParcelLinesRenumbered.type: {
          const renumbered = yield* decodePayload(ParcelLinesRenumbered, event.payload)
          const shop = yield* shopOrderOf(sql, renumbered.orderId)
          if (shop === undefined || !connectors.has(shop.connector_id)) return
          const items: ReadonlyArray<ParcelItem> = renumbered.items.map((item) => ({
            lineId: item.lineId,
            quantity: item.quantity
          }))
          const updated = yield* sql.execute("UPDATE shop_parcels SET items = ? WHERE parcel_id = ?", [
            JSON.stringify(items),
            renumbered.parcelId
          ])
          if (updated.changes === 0) {
            return yield* Effect.logWarning(
              `shop ${shop.connector_id}: parcel ${renumbered.parcelId} of ${renumbered.orderId} counts on the order's new lines, but the hub never saw it packed: its fulfillment will name the lines it was packed on`
            )
          }
          return
        }
        case ParcelHandedToCarrier.type: {
          const handed = yield* decodePayload(ParcelHandedToCarrier, event.payload)
          const shop = yield* shopOrderOf(sql, handed.orderId)
          const settings = shop === undefined ? undefined : connectors.get(shop.connector_id)
          if (shop === undefined || settings === undefined || settings.fulfillOn !== "handed-to-carrier") return
          const items = yield* parcelItems(handed.parcelId)
          if (items === undefined) {
            return yield* Effect.logWarning(
              `shop ${settings.id}: parcel ${handed.parcelId} of ${handed.orderId} was handed over, but the hub never saw it packed: no fulfillment`
            )
          }
          return yield* queueFulfillment(event, shop, settings, handed, items, nowMs)
        }
        case ReturnRefundDecided.type:
        case ReturnRefundDecisionCorrected.type: {
          // A station's correction of a decision is the decision it states, as the ledger applied it.
          const decided =
            event.type === ReturnRefundDecided.type
              ? yield* decodePayload(ReturnRefundDecided, event.payload)
              : yield* decodePayload(ReturnRefundDecisionCorrected, event.payload)
          if (decided.orderId === null || decided.lineId === null || decided.unit === null) return
          const shop = yield* shopOrderOf(sql, decided.orderId)
          const settings = shop === undefined ? undefined : connectors.get(shop.connector_id)
          if (shop === undefined || settings === undefined) return
          // The ledger decided in this transaction: a claim carrying this event's id is what the shop may pay. A unit
          // decided with no refund keeps none (the ledger released it): a refund still waiting for it is withdrawn.
          const claims = yield* sql.query<{
            line_id: string
            amount_cents: number
            currency: string
            site_id: string
            station_id: string
          }>(
            "SELECT line_id, amount_cents, currency, site_id, station_id FROM hub_refund_claims WHERE item_ref = ? AND decided_event_id = ?",
            [decided.itemRef, event.id]
          )
          const claim = claims[0]
          if (claim === undefined && decided.outcome !== "no-refund") return
          const left = yield* withdrawWaiting(decided.itemRef, `replaced by the decision of event ${event.id}`, nowMs)
          if (left !== undefined) {
            return yield* Effect.logWarning(
              `shop refunds: the decision of event ${oneLine(event.id)} for ${oneLine(decided.itemRef)} is not sent: the shop ${whatTheShopDid(left, "the earlier one")}: a manager must settle it`
            )
          }
          if (claim === undefined) return
          const amountCents = Number(claim.amount_cents)
          if (amountCents <= 0) return
          const mapped = JSON.parse(shop.mapped) as MappedOrder
          // The line the ledger granted the unit on: the station's own, or, where the shop numbered the order's lines
          // anew since the station's refund was decided, the item's line the order has now. The ledger may know the
          // order by an older version than the shop's own: then the line the station names may be the shop's.
          const refundLineId = [claim.line_id, decided.lineId].find(
            (lineId) => mapped.shopLines[lineId] !== undefined && mapped.paidUnitCents[lineId] !== undefined
          )
          if (refundLineId === undefined) {
            return yield* Effect.logWarning(
              `shop ${settings.id}: refund for ${decided.orderId} line ${decided.lineId} (granted on line ${claim.line_id}): the shop order has no such line`
            )
          }
          const shopLineId = mapped.shopLines[refundLineId] as string
          const paidUnit = mapped.paidUnitCents[refundLineId] as number
          const unit: RefundUnit = {
            itemRef: decided.itemRef,
            orderId: decided.orderId,
            shopOrderId: shop.shop_order_id,
            lineId: decided.lineId,
            ...(refundLineId === decided.lineId ? {} : { refundLineId }),
            shopLineId,
            ...(decided.sku === null ? {} : { sku: decided.sku }),
            unit: decided.unit,
            // Never above what the shop says this unit was paid, whatever a station decided.
            amountCents: Math.min(amountCents, paidUnit),
            currency: claim.currency,
            returnId: decided.returnId,
            siteId: claim.site_id,
            stationId: claim.station_id
          }
          yield* enqueuePush(
            sql,
            {
              connectorId: settings.id,
              kind: "refund",
              idempotencyKey: `packbench-${event.id}`,
              subject: decided.itemRef,
              orderId: decided.orderId,
              groupKey: `${decided.orderId}/${claim.site_id}/${decided.returnId}`,
              payload: unit,
              dueMs: nowMs + queue.refundSettleMs
            },
            nowMs
          )
          return
        }
        case ReturnCancelled.type: {
          const cancelled = yield* decodePayload(ReturnCancelled, event.payload)
          // A station's decisions name their return's order: a return of no order queued no refund.
          if (cancelled.orderId === null) return
          // The return's refunds, whichever connector queued them, are under its group key (with its station's site,
          // as the decided case keys them), found by migration 90's index. The key is matched whole: the order's
          // other returns share its start. Each unit's refund waiting for the shop is withdrawn; one the shop paid
          // (whether or not its station said so yet), is paying, or may have paid is left to a manager.
          const pushes = yield* sql.query<{ subject: string; payload: string }>(RETURN_REFUND_PUSHES, [
            `${cancelled.orderId}/${event.siteId}/${cancelled.returnId}`
          ])
          const items = new Set<string>()
          for (const push of pushes) {
            // The key's parts may hold a '/' of their own: the unit's own word on its return decides.
            const unit = JSON.parse(push.payload) as RefundUnit
            if (unit.siteId === event.siteId && unit.returnId === cancelled.returnId) items.add(push.subject)
          }
          for (const itemRef of [...items].sort()) {
            const left = yield* withdrawWaiting(itemRef, `the return was voided (event ${event.id})`, nowMs)
            if (left === undefined) continue
            yield* Effect.logWarning(
              `shop refunds: return ${oneLine(cancelled.returnId)} of ${oneLine(event.siteId)} was voided while the shop ${whatTheShopDid(left, oneLine(itemRef))}: a manager must settle it`
            )
          }
          return
        }
        default:
          return
      }
    })

  return { applyStationEvent }
}
