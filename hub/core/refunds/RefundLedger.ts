/** The hub's ledger of refunds decided at stations, so no returned unit is paid twice. */
import { Effect, Schema } from "effect"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { Order } from "../../../core/orders/Order.ts"
import { paidPerUnit } from "../../../core/returns/paidPerUnit.ts"
import type { ReturnCancelled, ReturnRefundDecided, ReturnRefundIssued } from "../../../core/returns/ReturnsEvents.ts"
import type { RefundRejected } from "../../../core/returns/ReturnsMessages.ts"
import type { Sql, SqlValue } from "../../../core/store/Sql.ts"
import type { InboundVersion } from "../../../core/sync/InboundVersion.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import { enqueueHubMessage, HubStream } from "../notify/HubMessages.ts"

/** What the hub passes on to the shop: pay (or, with amount 0, do not pay) this unit; `requestId` is the item. */
export const RefundRequested = Schema.Struct({
  requestId: Schema.String,
  siteId: Schema.String,
  stationId: Schema.String,
  returnId: Schema.String,
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  serial: Schema.NullOr(Schema.String),
  outcome: Schema.String,
  amountCents: Schema.Int,
  currency: Schema.String
})
export type RefundRequested = typeof RefundRequested.Type

/** Outcomes that pay money out; exchanges and holds claim no unit. */
const paying = new Set(["refund-full", "refund-partial", "store-credit"])

interface ClaimRow {
  readonly order_id: string
  readonly line_id: string
  readonly unit_key: string
  readonly item_ref: string
  readonly return_id: string
  readonly station_id: string
  readonly amount_cents: number
  readonly status: "requested" | "issued"
}

interface OrderRow {
  readonly paid_cents: number
  readonly lines: string
}

type LedgerLine = { readonly lineId: string; readonly quantity: number; readonly paidUnitCents: number }

/** The ledger's row of an order (`hub_refund_orders`' columns, in order): what was paid, per line and unit. */
export const orderRow = (order: Order, source: "shop" | "station"): Array<SqlValue> => [
  order.orderId,
  order.version,
  order.payment.currency,
  Math.max(0, Math.round(order.payment.total * 100)),
  JSON.stringify(
    order.lines.map(
      (line): LedgerLine => ({
        lineId: line.lineId,
        quantity: line.quantity,
        paidUnitCents: paidPerUnit(order).get(line.lineId) ?? 0
      })
    )
  ),
  source
]

/** A station's order into the ledger (first sight wins; the shop's own stream is what updates it). */
export const STATION_ORDER_INSERT = {
  head: "INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source) VALUES",
  columns: 6,
  tail: "ON CONFLICT (order_id) DO NOTHING"
} as const

/**
 * The hub's refund ledger: where every station's refund decisions meet. Each station keeps its own refunds
 * unique per (order, line, unit), but two stations grading the same parcel each number the unit locally; only
 * the hub sees both. It grants one claim per unit — keyed by serial when the unit has one, otherwise by a unit
 * slot of the line, at most the line's quantity — and never lets the order's refunds exceed what was paid. The
 * first decision to arrive wins; a later one for a claimed unit is not passed on to the shop, and its station is
 * told why and which return holds the unit. Runs inside the consumer's transaction: each event applies once, and
 * a rejection is recorded per deciding event, so a replay never sends a second request or a second rejection.
 */
export const makeRefundLedger = (sql: Sql["Service"]) => {
  const claimsOf = (orderId: string) =>
    sql.query<ClaimRow>(
      `SELECT order_id, line_id, unit_key, item_ref, return_id, station_id, amount_cents, status
       FROM hub_refund_claims WHERE order_id = ? ORDER BY created_at_ms, item_ref`,
      [orderId]
    )

  const orderOf = (orderId: string) =>
    Effect.map(
      sql.query<OrderRow>("SELECT paid_cents, lines FROM hub_refund_orders WHERE order_id = ?", [orderId]),
      (rows) =>
        rows[0] === undefined
          ? undefined
          : { paidCents: Number(rows[0].paid_cents), lines: JSON.parse(rows[0].lines) as ReadonlyArray<LedgerLine> }
    )

  /**
   * Keeps what each order paid per line, as a station's order.received tells it: it only tells the hub of an order it
   * has not heard of, and never changes one it has, so no station event can raise what a refund may reach.
   */
  const recordOrder = (order: Order) =>
    sql.write(
      `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id) DO NOTHING`,
      orderRow(order, "station")
    )

  /**
   * Keeps what each order paid per line, as the shop's own stream tells it, which is the word on it: it replaces a
   * station's row, and a shop's row by a newer version, or by any over a version stored before versions were
   * checked that no sender can have given (`received.supersedes`, in the statement).
   */
  const recordShopOrder = (order: Order, received: InboundVersion) =>
    sql.write(
      `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id) DO UPDATE SET order_version = excluded.order_version, currency = excluded.currency,
         paid_cents = excluded.paid_cents, lines = excluded.lines, source = excluded.source
       WHERE hub_refund_orders.source = 'station' OR excluded.order_version > hub_refund_orders.order_version
         OR hub_refund_orders.order_version > ?`,
      [...orderRow(order, "shop"), received.newestPlausible]
    )

  /** A decision for an order (or a line) the hub does not know: kept, not passed on, until the order is known. */
  const park = (
    event: EventEnvelope,
    decided: typeof ReturnRefundDecided.payload.Type,
    orderId: string,
    nowMs: number
  ) =>
    Effect.gen(function* () {
      const parked = yield* sql.execute(
        `INSERT INTO hub_refund_parked (decided_event_id, order_id, event, parked_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (decided_event_id) DO NOTHING`,
        [
          event.id,
          orderId,
          JSON.stringify({ id: event.id, siteId: event.siteId, stationId: event.stationId, decided }),
          nowMs
        ]
      )
      if (parked.changes > 0) {
        yield* Effect.logWarning(
          `refund ledger: ${decided.itemRef} of ${event.siteId}/${event.stationId} is for ${orderId} line ${decided.lineId}, which the hub does not know: not passed on to the shop until it does`
        )
      }
    })

  const request = (event: EventEnvelope, claim: RefundRequested, nowMs: number) =>
    enqueueHubMessage(
      sql,
      {
        stream: HubStream.shop(event.siteId),
        topic: Topics.refundRequests(event.siteId),
        type: "refund.requested",
        version: 1,
        payload: RefundRequested.make(claim)
      },
      nowMs
    )

  const reject = (
    event: EventEnvelope,
    decided: typeof ReturnRefundDecided.payload.Type & { orderId: string; lineId: string; unit: number },
    reason: RefundRejected["reason"],
    holder: ClaimRow,
    nowMs: number
  ) =>
    Effect.gen(function* () {
      const recorded = yield* sql.execute(
        `INSERT INTO hub_refund_rejections (decided_event_id, item_ref, order_id, line_id, return_id, site_id,
           station_id, reason, other_return_id, other_station_id, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decided_event_id) DO NOTHING`,
        [
          event.id,
          decided.itemRef,
          decided.orderId,
          decided.lineId,
          decided.returnId,
          event.siteId,
          event.stationId,
          reason,
          holder.return_id,
          holder.station_id,
          nowMs
        ]
      )
      if (recorded.changes === 0) return
      const rejected: RefundRejected = {
        orderId: decided.orderId,
        lineId: decided.lineId,
        unit: decided.unit,
        itemRef: decided.itemRef,
        returnId: decided.returnId,
        reason,
        otherReturnId: holder.return_id,
        otherStationId: holder.station_id,
        otherStatus: holder.status
      }
      yield* enqueueHubMessage(
        sql,
        {
          stream: HubStream.station(event.siteId, event.stationId),
          topic: Topics.hubInbox(event.siteId, event.stationId, "refund.rejected"),
          type: "refund.rejected",
          version: 1,
          payload: rejected
        },
        nowMs
      )
    })

  /** The claim slot for a new unit, or the claim that already holds it. */
  const slotFor = (
    claims: ReadonlyArray<ClaimRow>,
    lineId: string,
    line: LedgerLine | undefined,
    unit: number,
    serial: string | null
  ): { readonly key: string } | { readonly holder: ClaimRow } => {
    const ofLine = claims.filter((claim) => claim.line_id === lineId)
    const wanted = serial === null ? `unit:${unit}` : `serial:${serial}`
    const holder = ofLine.find((claim) => claim.unit_key === wanted)
    if (serial !== null && holder !== undefined) return { holder }
    if (line === undefined) return holder === undefined ? { key: wanted } : { holder }
    // Units without a serial are alike: another station's "unit 1" may be a different unit of the same line, so a
    // claim takes any free slot, and only a line whose every unit is claimed refuses.
    if (ofLine.length >= line.quantity) return { holder: holder ?? (ofLine[ofLine.length - 1] as ClaimRow) }
    if (serial !== null || holder === undefined) return { key: wanted }
    const taken = new Set(ofLine.map((claim) => claim.unit_key))
    const free = Array.from({ length: line.quantity }, (_, index) => `unit:${index + 1}`).find((key) => !taken.has(key))
    return { key: free ?? wanted }
  }

  const isVoided = (siteId: string, returnId: string) =>
    Effect.map(
      sql.query("SELECT 1 AS found FROM hub_voided_returns WHERE site_id = ? AND return_id = ?", [siteId, returnId]),
      (rows) => rows.length > 0
    )

  const applyDecided = (event: EventEnvelope, decided: typeof ReturnRefundDecided.payload.Type, nowMs: number) =>
    Effect.gen(function* () {
      const { orderId, lineId, unit } = decided
      if (orderId === null || lineId === null || unit === null) return
      // A decision for a return the clerk voided claims nothing: the parcel was no return.
      if (yield* isVoided(event.siteId, decided.returnId)) return
      const located = { ...decided, orderId, lineId, unit }
      const pays = paying.has(decided.outcome) && decided.amountCents > 0
      const claims = yield* claimsOf(orderId)
      const order = yield* orderOf(orderId)
      const own = claims.find((claim) => claim.item_ref === decided.itemRef)
      if (own?.status === "issued") return
      if (own === undefined && !pays) return
      const line = order?.lines.find((candidate) => candidate.lineId === lineId)
      // Only for orders the hub knows, and only within what was paid: whatever a station's event says.
      if (order === undefined || line === undefined) return yield* park(event, decided, orderId, nowMs)
      const slot = own === undefined ? slotFor(claims, lineId, line, unit, decided.serial) : { key: own.unit_key }
      if ("holder" in slot) return yield* reject(event, located, "duplicate-unit", slot.holder, nowMs)
      const others = claims.filter((claim) => claim.item_ref !== decided.itemRef)
      const othersCents = others.reduce((sum, claim) => sum + Number(claim.amount_cents), 0)
      let amountCents = pays ? decided.amountCents : 0
      if (amountCents > line.paidUnitCents) {
        yield* Effect.logWarning(
          `refund ledger: ${decided.itemRef} asks ${amountCents} for a unit of ${orderId} line ${lineId} paid ${line.paidUnitCents}: the shop is asked for ${line.paidUnitCents}`
        )
        amountCents = line.paidUnitCents
      }
      if (pays && othersCents + amountCents > order.paidCents) {
        const holder = others[others.length - 1]
        if (holder !== undefined) return yield* reject(event, located, "paid-amount-exceeded", holder, nowMs)
        amountCents = Math.max(0, order.paidCents - othersCents)
      }
      if (own === undefined) {
        yield* sql.execute(
          `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id, serial,
             outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?) ON CONFLICT DO NOTHING`,
          [
            orderId,
            lineId,
            slot.key,
            decided.itemRef,
            decided.returnId,
            event.siteId,
            event.stationId,
            decided.serial,
            decided.outcome,
            amountCents,
            decided.currency,
            event.id,
            nowMs
          ]
        )
      } else {
        // The same item decided again (a manager's override or approval): the shop gets the revised request.
        yield* sql.execute(
          "UPDATE hub_refund_claims SET outcome = ?, amount_cents = ?, decided_event_id = ? WHERE item_ref = ?",
          [decided.outcome, amountCents, event.id, decided.itemRef]
        )
      }
      yield* request(
        event,
        {
          requestId: decided.itemRef,
          siteId: event.siteId,
          stationId: event.stationId,
          returnId: decided.returnId,
          orderId,
          lineId,
          unit,
          serial: decided.serial,
          outcome: decided.outcome,
          amountCents,
          currency: decided.currency
        },
        nowMs
      )
    })

  /** Decisions parked for `orderId`, taken up now that the order is known (each again by the rules above). */
  const releaseParked = (orderId: string, nowMs: number) =>
    Effect.gen(function* () {
      const rows = yield* sql.query<{ decided_event_id: string; event: string }>(
        "SELECT decided_event_id, event FROM hub_refund_parked WHERE order_id = ? ORDER BY parked_at_ms, decided_event_id",
        [orderId]
      )
      for (const row of rows) {
        yield* sql.execute("DELETE FROM hub_refund_parked WHERE decided_event_id = ?", [row.decided_event_id])
        const parked = JSON.parse(row.event) as {
          readonly id: string
          readonly siteId: string
          readonly stationId: string
          readonly decided: typeof ReturnRefundDecided.payload.Type
        }
        yield* applyDecided(
          { id: parked.id, siteId: parked.siteId, stationId: parked.stationId } as EventEnvelope,
          parked.decided,
          nowMs
        )
      }
      return rows.length
    })

  /** The shop paid: the claim is final, and no later decision for the unit can reach the shop. */
  const applyIssued = (issued: typeof ReturnRefundIssued.payload.Type, nowMs: number) =>
    sql.execute("UPDATE hub_refund_claims SET status = 'issued', issued_at_ms = ? WHERE item_ref = ?", [
      nowMs,
      issued.itemRef
    ])

  /**
   * A return the clerk voided (`return.cancelled`) no longer counts: it is recorded as voided, and a claim it still
   * holds without payment is given up, so the unit is free for the real return, and the shop is told not to pay it
   * (a request of amount 0). A unit the shop already paid stays claimed: money out is undone by a manager, not here.
   */
  const applyReturnCancelled = (event: EventEnvelope, cancelled: typeof ReturnCancelled.payload.Type, nowMs: number) =>
    Effect.gen(function* () {
      const recorded = yield* sql.execute(
        `INSERT INTO hub_voided_returns (site_id, return_id, station_id, order_id, corrects, reason, voided_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, return_id) DO NOTHING`,
        [
          event.siteId,
          cancelled.returnId,
          event.stationId,
          cancelled.orderId,
          cancelled.corrects,
          cancelled.reason.slice(0, 1000),
          event.eventTime.wallMs
        ]
      )
      if (recorded.changes === 0) return
      const claims = yield* sql.query<ClaimRow & { readonly serial: string | null; readonly currency: string }>(
        `SELECT order_id, line_id, unit_key, item_ref, return_id, station_id, amount_cents, status, serial, currency
         FROM hub_refund_claims WHERE site_id = ? AND return_id = ? ORDER BY item_ref`,
        [event.siteId, cancelled.returnId]
      )
      for (const claim of claims) {
        if (claim.status === "issued") {
          yield* Effect.logWarning(
            `hub refunds: return ${cancelled.returnId} was voided after the shop paid ${claim.item_ref}: a manager must settle it`
          )
          continue
        }
        yield* sql.execute("DELETE FROM hub_refund_claims WHERE item_ref = ?", [claim.item_ref])
        const unit = Number(claim.unit_key.startsWith("unit:") ? claim.unit_key.slice(5) : 1)
        yield* request(
          event,
          {
            requestId: claim.item_ref,
            siteId: event.siteId,
            stationId: claim.station_id,
            returnId: claim.return_id,
            orderId: claim.order_id,
            lineId: claim.line_id,
            unit: Number.isInteger(unit) ? unit : 1,
            serial: claim.serial,
            outcome: "return-voided",
            amountCents: 0,
            currency: claim.currency
          },
          nowMs
        )
      }
    })

  return { recordOrder, recordShopOrder, applyDecided, applyIssued, applyReturnCancelled, releaseParked }
}
