/** Inbox handling of RMAs and refund confirmations for the returns desk. */
import { Effect } from "effect"
import { Bounds, clockProblem } from "../bounds/Bounds.ts"
import type { LocalizedText } from "../catalog/CatalogItem.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { hubStreamOnly } from "../sync/hubStreamOnly.ts"
import type { Inbox } from "../sync/Inbox.ts"
import { StationClock } from "../time/Clock.ts"
import { ReturnRefundFailed, ReturnRefundIssued, ReturnRefundRejected } from "./ReturnsEvents.ts"
import {
  RefundConfirmed,
  RefundFailed,
  RefundIssued,
  RefundRejected,
  type RefundRejectionReason,
  ReturnRegistered
} from "./ReturnsMessages.ts"
import type { RefundRejectionView, RefundStatus } from "./ReturnsView.ts"

/** The status a refund the hub rejected takes: a unit another return holds, under either numbering, or over paid. */
const rejectedStatus = (reason: RefundRejectionReason): RefundStatus => {
  switch (reason) {
    case "duplicate-unit":
    case "duplicate-unit-renumbered":
      return "rejected-duplicate"
    case "paid-amount-exceeded":
      return "rejected-over-paid"
  }
}

/**
 * A `duplicate-unit` the hub could not tell apart from one across a renumbering (the holding claim was made before the
 * hub kept its station's line, hub migration 70, or the hub is older than `linesKnown`): true whichever it was. Station
 * migration 0106 words the rejections stored before it so; its test holds the two to the same words.
 */
export const duplicateUnitLinesUnknown = (otherReturnId: string, otherStationId: string): LocalizedText => {
  const where = `${otherReturnId} (${otherStationId})`
  return {
    de: `Keine Erstattung: Retoure ${where} hält diese Einheit schon – auf dieser Position oder, falls der Shop die Positionen des Auftrags neu nummeriert hat, unter der anderen Nummerierung; welches, konnte der Hub nicht erkennen`,
    en: `No refund: return ${where} already holds this unit – on this line or, if the shop numbered the order's lines anew, under the other numbering; the hub could not tell which`
  }
}

/** Why the hub rejected the refund, in words, with the return (and its station) that holds the unit or the money. */
const rejectionWords = (rejected: RefundRejected): LocalizedText => {
  const where = `${rejected.otherReturnId} (${rejected.otherStationId})`
  const issued = rejected.otherStatus === "issued"
  switch (rejected.reason) {
    case "duplicate-unit":
      if (rejected.linesKnown !== true)
        return duplicateUnitLinesUnknown(rejected.otherReturnId, rejected.otherStationId)
      return {
        de: `Keine Erstattung: Diese Einheit ist schon in Retoure ${where} ${issued ? "erstattet" : "zur Erstattung angefordert"}`,
        en: `No refund: this unit was already ${issued ? "refunded" : "requested for refund"} in return ${where}`
      }
    case "duplicate-unit-renumbered":
      return {
        de: `Keine Erstattung: Der Shop hat die Positionen des Auftrags neu nummeriert, und diese Einheit ist unter der anderen Nummerierung schon in Retoure ${where} ${issued ? "erstattet" : "zur Erstattung angefordert"}`,
        en: `No refund: the shop numbered the order's lines anew, and this unit was already ${issued ? "refunded" : "requested for refund"} under the other numbering in return ${where}`
      }
    case "paid-amount-exceeded":
      return {
        de: `Keine Erstattung: Mit Retoure ${where} wäre mehr erstattet als bezahlt`,
        en: `No refund: together with return ${where} it would refund more than was paid`
      }
  }
}

/**
 * Inbound handlers for the returns desk, applied in the inbox's transaction. A repeated `return.registered`
 * replaces the RMA (the shop's latest word); a repeated `refund.confirmed` is a no-op, so a replayed confirmation
 * never records a second payout, and a confirmation for a refund still held for review is refused (quarantined).
 * `refund.issued` is the hub's shop connector's confirmation (by item, with the amount the shop paid), and
 * `refund.failed` marks a refund the shop refused to pay; a later `refund.issued` (a manager had it retried) pays it.
 * A `refund.rejected` from the hub marks the unit's refund rejected with the hub's reason and the other return; one
 * with a reason this release does not know does not decode and is quarantined (the Manager screen's quarantine panel
 * names it), leaving the refund as it was rather than showing it under a reason it is not, and so is one on another
 * stream than the hub's, which is no hub's word.
 */
export const registerReturnsInbound = (
  inbox: Inbox["Service"],
  /** Tells the clerk at once (the station pushes an alert); the rejection is recorded either way. */
  onRefundRejected: (rejected: RefundRejected) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock

    yield* inbox.register("return.registered", ReturnRegistered, (rma) =>
      Effect.gen(function* () {
        const now = yield* clock.now
        const { rmaId, orderId, ...data } = rma
        // The return window counts from the delivery: a date in the future would keep it open, one that is no date
        // would leave the desk counting from the handover without a word.
        if (rma.deliveredAt !== undefined) {
          const deliveredMs = Date.parse(rma.deliveredAt)
          if (!Number.isFinite(deliveredMs)) {
            return yield* Effect.fail(
              `RMA ${rmaId}: deliveredAt ${JSON.stringify(rma.deliveredAt.slice(0, 64))} is not a date (ISO 8601, such as 2026-03-07T10:00:00Z)`
            )
          }
          if (deliveredMs > now.wallMs + Bounds.clockSkewMs) {
            return yield* Effect.fail(
              `RMA ${rmaId}: deliveredAt ${rma.deliveredAt} ${clockProblem(deliveredMs, now.wallMs)}: a parcel is not delivered in the future`
            )
          }
        }
        yield* sql.execute(
          `INSERT INTO rma (rma_id, order_id, data, registered_at_ms) VALUES (?, ?, ?, ?)
           ON CONFLICT (rma_id) DO UPDATE SET order_id = excluded.order_id, data = excluded.data`,
          [rmaId.toUpperCase(), orderId, JSON.stringify(data), now.wallMs]
        )
      })
    )

    type RefundRow = {
      item_ref: string
      order_id: string
      line_id: string
      unit: number
      status: string
      amount_cents: number
      currency: string
    }
    const refundColumns = "item_ref, order_id, line_id, unit, status, amount_cents, currency"

    /** Records the payout once; a replay (already issued) changes nothing, a refund never decided to pay is refused. */
    const issue = (refund: RefundRow, shopRefundId: string, amountCents: number) =>
      Effect.gen(function* () {
        if (refund.status === "issued") return
        if (refund.status === "held" || refund.status.startsWith("rejected-")) {
          return yield* Effect.fail(`the refund for ${refund.item_ref} is ${refund.status}: it cannot have been paid`)
        }
        const now = yield* clock.now
        const changed = yield* sql.execute(
          "UPDATE refunds SET status = 'issued', issued_at_ms = ? WHERE item_ref = ? AND status <> 'issued'",
          [now.wallMs, refund.item_ref]
        )
        if (changed.changes === 0) return
        yield* log.append(ReturnRefundIssued, {
          orderId: refund.order_id,
          lineId: refund.line_id,
          unit: Number(refund.unit),
          itemRef: refund.item_ref,
          amountCents,
          currency: refund.currency,
          shopRefundId
        })
      })

    const refundOf = (itemRef: string, orderId: string, lineId: string) =>
      Effect.gen(function* () {
        const rows = yield* sql.query<RefundRow>(`SELECT ${refundColumns} FROM refunds WHERE item_ref = ?`, [itemRef])
        const refund = rows[0]
        if (refund === undefined) return yield* Effect.fail(`no refund decided for ${itemRef}`)
        if (refund.order_id !== orderId || refund.line_id !== lineId) {
          return yield* Effect.fail(
            `${itemRef} is a refund for ${refund.order_id} line ${refund.line_id}, not ${orderId} line ${lineId}`
          )
        }
        return refund
      })

    yield* inbox.register("refund.confirmed", RefundConfirmed, (confirmation) =>
      Effect.gen(function* () {
        const rows = yield* sql.query<RefundRow>(
          `SELECT ${refundColumns} FROM refunds WHERE order_id = ? AND line_id = ? AND unit = ?`,
          [confirmation.orderId, confirmation.lineId, confirmation.unit]
        )
        const refund = rows[0]
        if (refund === undefined) {
          return yield* Effect.fail(
            `no refund decided for ${confirmation.orderId} line ${confirmation.lineId} unit ${confirmation.unit}`
          )
        }
        yield* issue(refund, confirmation.shopRefundId, Number(refund.amount_cents))
      })
    )

    // The shop connector's answer: the amount is what the shop paid for the unit (never more than decided).
    yield* inbox.register("refund.issued", RefundIssued, (issued) =>
      Effect.gen(function* () {
        const refund = yield* refundOf(issued.itemRef, issued.orderId, issued.lineId)
        yield* issue(refund, issued.shopRefundId, Math.min(issued.amountCents, Number(refund.amount_cents)))
      })
    )

    yield* inbox.register("refund.failed", RefundFailed, (failed) =>
      Effect.gen(function* () {
        const refund = yield* refundOf(failed.itemRef, failed.orderId, failed.lineId)
        // A payout is final: a late failure report for a paid unit, or a repeated one, changes nothing.
        if (refund.status === "issued" || refund.status === "failed") return
        yield* sql.execute("UPDATE refunds SET status = 'failed' WHERE item_ref = ?", [failed.itemRef])
        yield* log.append(ReturnRefundFailed, {
          orderId: failed.orderId,
          lineId: failed.lineId,
          unit: Number(refund.unit),
          itemRef: failed.itemRef,
          reason: failed.reason
        })
      })
    )

    yield* inbox.register("refund.rejected", RefundRejected, (rejected, context) =>
      Effect.gen(function* () {
        // From the shop's streams it would take a refund the hub never refused from the customer.
        yield* hubStreamOnly(context)
        const rows = yield* sql.query<{ status: string; order_id: string; line_id: string; unit: number }>(
          "SELECT status, order_id, line_id, unit FROM refunds WHERE item_ref = ?",
          [rejected.itemRef]
        )
        const refund = rows[0]
        if (refund === undefined) return yield* Effect.fail(`no refund decided for ${rejected.itemRef}`)
        if (refund.order_id !== rejected.orderId || refund.line_id !== rejected.lineId) {
          return yield* Effect.fail(
            `${rejected.itemRef} is a refund for ${refund.order_id} line ${refund.line_id}, not ${rejected.orderId} line ${rejected.lineId}`
          )
        }
        const status = rejectedStatus(rejected.reason)
        if (refund.status === status) return
        if (refund.status === "issued") {
          return yield* Effect.fail(`the refund for ${rejected.itemRef} was already paid out: the hub cannot reject it`)
        }
        const rejection: RefundRejectionView = {
          reason: rejectionWords(rejected),
          otherReturnId: rejected.otherReturnId,
          otherStationId: rejected.otherStationId
        }
        yield* sql.execute("UPDATE refunds SET status = ? WHERE item_ref = ?", [status, rejected.itemRef])
        const items = yield* sql.query<{ decision: string | null }>(
          "SELECT decision FROM return_items WHERE item_ref = ?",
          [rejected.itemRef]
        )
        const decision = items[0]?.decision
        if (decision !== null && decision !== undefined) {
          yield* sql.execute("UPDATE return_items SET decision = ? WHERE item_ref = ?", [
            JSON.stringify({ ...JSON.parse(decision), rejection }),
            rejected.itemRef
          ])
        }
        yield* log.append(ReturnRefundRejected, {
          orderId: rejected.orderId,
          lineId: rejected.lineId,
          unit: rejected.unit,
          itemRef: rejected.itemRef,
          returnId: rejected.returnId,
          reason: rejected.reason,
          otherReturnId: rejected.otherReturnId,
          otherStationId: rejected.otherStationId
        })
        yield* onRefundRejected(rejected)
      })
    )
  })
