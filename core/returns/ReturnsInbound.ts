import { Effect, Schema } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import type { Inbox } from "../sync/Inbox.ts"
import { StationClock } from "../time/Clock.ts"
import { ReturnRefundIssued } from "./ReturnsEvents.ts"

/** The shop announced a return: which units the customer sends back and why (the reason as their form gave it). */
export const ReturnRegistered = Schema.Struct({
  rmaId: Schema.String.check(Schema.isMinLength(1)),
  orderId: Schema.String,
  items: Schema.Array(
    Schema.Struct({
      sku: Schema.String,
      quantity: Schema.Int.check(Schema.isGreaterThan(0)),
      reason: Schema.String
    })
  ),
  returnTrackingNumber: Schema.optionalKey(Schema.String),
  /** ISO 8601; when known, the return window counts from here instead of from the carrier handover. */
  deliveredAt: Schema.optionalKey(Schema.String)
})
export type ReturnRegistered = typeof ReturnRegistered.Type

/** The shop paid a decided refund out. */
export const RefundConfirmed = Schema.Struct({
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  shopRefundId: Schema.String
})

/**
 * Inbound handlers for the returns desk, applied in the inbox's transaction. A repeated `return.registered`
 * replaces the RMA (the shop's latest word); a repeated `refund.confirmed` is a no-op, so a replayed confirmation
 * never records a second payout, and a confirmation for a refund still held for review is refused (quarantined).
 */
export const registerReturnsInbound = (inbox: Inbox["Service"]) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock

    yield* inbox.register("return.registered", ReturnRegistered, (rma) =>
      Effect.gen(function* () {
        const now = yield* clock.now
        const { rmaId, orderId, ...data } = rma
        yield* sql.execute(
          `INSERT INTO rma (rma_id, order_id, data, registered_at_ms) VALUES (?, ?, ?, ?)
           ON CONFLICT (rma_id) DO UPDATE SET order_id = excluded.order_id, data = excluded.data`,
          [rmaId.toUpperCase(), orderId, JSON.stringify(data), now.wallMs]
        )
      })
    )

    yield* inbox.register("refund.confirmed", RefundConfirmed, (confirmation) =>
      Effect.gen(function* () {
        const rows = yield* sql.query<{ item_ref: string; status: string; amount_cents: number; currency: string }>(
          "SELECT item_ref, status, amount_cents, currency FROM refunds WHERE order_id = ? AND line_id = ? AND unit = ?",
          [confirmation.orderId, confirmation.lineId, confirmation.unit]
        )
        const refund = rows[0]
        if (refund === undefined) {
          return yield* Effect.fail(
            `no refund decided for ${confirmation.orderId} line ${confirmation.lineId} unit ${confirmation.unit}`
          )
        }
        if (refund.status === "issued") return
        if (refund.status === "held") {
          return yield* Effect.fail(`the refund for ${refund.item_ref} is held for review: it cannot have been paid`)
        }
        const now = yield* clock.now
        const changed = yield* sql.execute(
          "UPDATE refunds SET status = 'issued', issued_at_ms = ? WHERE item_ref = ? AND status <> 'issued'",
          [now.wallMs, refund.item_ref]
        )
        if (changed.changes === 0) return
        yield* log.append(ReturnRefundIssued, {
          orderId: confirmation.orderId,
          lineId: confirmation.lineId,
          unit: confirmation.unit,
          itemRef: refund.item_ref,
          amountCents: Number(refund.amount_cents),
          currency: refund.currency,
          shopRefundId: confirmation.shopRefundId
        })
      })
    )
  })
