/** Takes shop orders into the stations' inbox streams, quarantining payloads it refuses. */
import { Effect } from "effect"
import { sameDeliveryAddress } from "../../../core/address/sameDeliveryAddress.ts"
import { oneLine } from "../../../core/bounds/oneLine.ts"
import { uuid7 } from "../../../core/events/Uuid7.ts"
import type { Order } from "../../../core/orders/Order.ts"
import type { Sql, StoreError } from "../../../core/store/Sql.ts"
import type { ConnectorSettings } from "./ConnectorSettings.ts"
import { type MappedOrder, mapShopOrder } from "./mapShopOrder.ts"
import { type Routing, routeOrder } from "./RoutingRules.ts"
import { enqueueShopMessage, ShopStream, shopInboxTopic } from "./ShopMessages.ts"
import type { ShopOrderDraft } from "./ShopOrderDraft.ts"

export type IngestOutcome =
  | "upserted"
  | "cancelled"
  | "address-corrected"
  | "unchanged"
  | "stale"
  | "awaiting-payment"
  | "quarantined"

interface ShopOrderRow {
  readonly order_id: string
  readonly site_id: string
  readonly state: string
  readonly version: number
  readonly shop_updated_ms: number
  readonly mapped: string
}

/**
 * How the hub has a draft: `read` from the shop just now (by id, or by the catch-up), so it is the shop's state at
 * that moment; `carried` in a webhook's body, which may be the earlier of two changes made in one second.
 */
export type DraftSource = "read" | "carried"

/** What a quarantine row keeps of a payload: 4 KB of it, and the SHA-256 of the whole (computed by the caller). */
export interface QuarantinePayload {
  readonly text: string
  readonly sha256: string
}

/**
 * The customer corrected the address on the hub's page, and the shop may still have the old one (its address push
 * waits in the queue, or the shop refused it): a later change of the order at the shop must not send the old address back to the stations.
 * Nor is the shop's echo of the pushed address a change: both are compared as places, in whatever form the shop
 * writes them (`sameDeliveryAddress`), and the stations keep the customer's form. A new address the shop sets is the
 * shop's and wins.
 */
const keepCustomerCorrection = (sql: Sql["Service"], mapped: MappedOrder) =>
  Effect.map(
    sql.query<{ ship_to: string; previous_ship_to: string | null }>(
      "SELECT ship_to, previous_ship_to FROM hub_address_corrections WHERE order_id = ? ORDER BY hold_round DESC",
      [mapped.order.orderId]
    ),
    (rows): MappedOrder => {
      const correction = rows[0]
      if (correction === undefined || correction.previous_ship_to === null) return mapped
      const previous = JSON.parse(correction.previous_ship_to) as Order["shipTo"]
      const corrected = JSON.parse(correction.ship_to) as Order["shipTo"]
      const shipTo = mapped.order.shipTo
      if (!sameDeliveryAddress(previous, shipTo) && !sameDeliveryAddress(corrected, shipTo)) return mapped
      return { ...mapped, order: { ...mapped.order, shipTo: corrected } }
    }
  )

const sameExceptAddress = (a: Omit<Order, "version">, b: Omit<Order, "version">) =>
  JSON.stringify({ ...a, shipTo: null }) === JSON.stringify({ ...b, shipTo: null })

/**
 * Quarantines what a connector could not take (a refused mapping, a webhook that did not verify), with the
 * reason, at most 4 KB of the payload and the SHA-256 of all of it; the same payload refused again is not stored twice.
 */
export const quarantineShopPayload = (
  sql: Sql["Service"],
  entry: { connectorId: string; shopOrderId: string; reason: string; payload: QuarantinePayload },
  nowMs: number
) =>
  Effect.gen(function* () {
    // The same refused state seen again (its webhook and the catch-up poll, a retried webhook) is kept once.
    const known = yield* sql.query(
      "SELECT 1 FROM shop_quarantine WHERE connector_id = ? AND shop_order_id = ? AND payload_sha256 = ?",
      [entry.connectorId, entry.shopOrderId.slice(0, 200), entry.payload.sha256]
    )
    if (known.length > 0) return
    yield* sql.execute(
      `INSERT INTO shop_quarantine (quarantine_id, connector_id, shop_order_id, reason, payload, payload_sha256,
         received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        yield* uuid7(nowMs),
        entry.connectorId,
        entry.shopOrderId.slice(0, 200),
        entry.reason.slice(0, 1000),
        entry.payload.text.slice(0, 4096),
        entry.payload.sha256,
        nowMs
      ]
    )
    yield* Effect.logWarning(
      `shop ${entry.connectorId}: quarantined order ${oneLine(entry.shopOrderId.slice(0, 200))}: ${oneLine(entry.reason.slice(0, 1000))}`
    )
  })

/**
 * Takes one shop order (from a webhook or a poll) into the hub, in the caller's transaction. A state the shop
 * changed earlier than the one already taken is stale and changes nothing, so webhooks out of order and polls
 * that overlap them are harmless. Shops stamp changes in whole seconds (WooCommerce, Shopify), so two changes in one
 * second carry the same time: a draft read from the shop is taken then when it differs (it is the shop's state now),
 * a carried one is not (it cannot say it is the later one), and the next read of the order settles it. Otherwise the order is checked and mapped (a refusal is quarantined with its
 * reason), routed to the site that ships it, and the stations of that site get what changed, with the next
 * version: the whole order (`order.upsert`), the cancellation (`order.cancel`) or only the new address
 * (`order.address-corrected`). An order that is not paid yet is kept back until it is; a change the stations do not
 * see (a note, the shop's own fulfillment state) bumps nothing. An order stays with the site it was first sent to.
 */
export const ingestShopOrder = (
  sql: Sql["Service"],
  settings: ConnectorSettings,
  routing: Routing,
  draft: ShopOrderDraft,
  payload: QuarantinePayload,
  nowMs: number,
  source: DraftSource
): Effect.Effect<IngestOutcome, StoreError> =>
  Effect.gen(function* () {
    const rows = yield* sql.query<ShopOrderRow>(
      `SELECT order_id, site_id, state, version, shop_updated_ms, mapped FROM shop_orders
       WHERE connector_id = ? AND shop_order_id = ?`,
      [settings.id, draft.shopOrderId]
    )
    const stored = rows[0]
    const storedMs = stored === undefined ? undefined : Number(stored.shop_updated_ms)
    if (
      storedMs !== undefined &&
      (draft.updatedAtMs < storedMs || (draft.updatedAtMs === storedMs && source === "carried"))
    )
      return "stale" as const
    const quarantine = (reason: string) =>
      Effect.as(
        quarantineShopPayload(
          sql,
          { connectorId: settings.id, shopOrderId: draft.shopOrderId, reason, payload },
          nowMs
        ),
        "quarantined" as const
      )
    const outcome = mapShopOrder(draft, settings, nowMs)
    if (!outcome.ok) return yield* quarantine(outcome.reason)
    const mapped = yield* keepCustomerCorrection(sql, outcome.mapped)
    // Read again within the same second and nothing changed (a poll overlapping the webhook's read): nothing to do.
    if (draft.updatedAtMs === storedMs && stored?.state === draft.state && stored.mapped === JSON.stringify(mapped))
      return "stale" as const
    let siteId = stored?.site_id
    if (siteId === undefined) {
      const route = routeOrder(routing, {
        connectorId: settings.id,
        locationId: draft.locationId,
        country: mapped.order.shipTo.country
      })
      if (route.siteId === undefined) return yield* quarantine(route.reason)
      siteId = route.siteId
    }
    const owner = yield* sql.query<{ connector_id: string; shop_order_id: string }>(
      "SELECT connector_id, shop_order_id FROM shop_orders WHERE order_id = ?",
      [mapped.order.orderId]
    )
    const other = owner[0]
    if (other !== undefined && (other.connector_id !== settings.id || other.shop_order_id !== draft.shopOrderId)) {
      return yield* quarantine(
        `order id ${mapped.order.orderId} already belongs to ${other.connector_id} order ${other.shop_order_id}`
      )
    }
    const previous = stored === undefined ? undefined : (JSON.parse(stored.mapped) as MappedOrder)
    const sentVersion = Number(stored?.version ?? 0)
    const wasSent = sentVersion > 0 && stored?.state !== "awaiting-payment"
    let message: { type: string; payload: unknown; result: IngestOutcome } | undefined
    if (draft.state === "awaiting-payment") {
      message = undefined
    } else if (draft.state === "cancelled") {
      message =
        wasSent && stored?.state !== "cancelled"
          ? {
              type: "order.cancel",
              payload: { orderId: mapped.order.orderId, version: sentVersion + 1 },
              result: "cancelled"
            }
          : undefined
    } else if (!wasSent || previous === undefined || stored?.state === "cancelled") {
      message = {
        type: "order.upsert",
        payload: { ...mapped.order, version: sentVersion + 1 },
        result: "upserted"
      }
    } else if (JSON.stringify(previous.order) === JSON.stringify(mapped.order)) {
      message = undefined
    } else if (sameExceptAddress(previous.order, mapped.order)) {
      message = {
        type: "order.address-corrected",
        payload: { orderId: mapped.order.orderId, version: sentVersion + 1, shipTo: mapped.order.shipTo },
        result: "address-corrected"
      }
    } else {
      message = { type: "order.upsert", payload: { ...mapped.order, version: sentVersion + 1 }, result: "upserted" }
    }
    const version = message === undefined ? sentVersion : sentVersion + 1
    yield* sql.execute(
      `INSERT INTO shop_orders (connector_id, shop_order_id, order_id, site_id, state, version, shop_updated_ms, mapped,
         received_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connector_id, shop_order_id) DO UPDATE SET state = excluded.state, version = excluded.version,
         shop_updated_ms = excluded.shop_updated_ms, mapped = excluded.mapped, updated_at_ms = excluded.updated_at_ms`,
      [
        settings.id,
        draft.shopOrderId,
        mapped.order.orderId,
        siteId,
        draft.state,
        version,
        draft.updatedAtMs,
        JSON.stringify(mapped),
        nowMs,
        nowMs
      ]
    )
    yield* sql.execute(
      `INSERT INTO shop_connectors (connector_id, last_order_ms) VALUES (?, ?)
       ON CONFLICT (connector_id) DO UPDATE SET last_order_ms = excluded.last_order_ms`,
      [settings.id, nowMs]
    )
    if (message === undefined) return draft.state === "awaiting-payment" ? "awaiting-payment" : "unchanged"
    yield* enqueueShopMessage(
      sql,
      {
        stream: ShopStream.site(siteId),
        topic: shopInboxTopic.site(siteId, message.type),
        type: message.type,
        version,
        payload: message.payload
      },
      nowMs
    )
    return message.result
  })
