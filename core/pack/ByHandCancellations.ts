/** The shipments a person must cancel in the carrier's portal: listing them, and a manager's word that one is. */
import { Effect, Schema } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import type { ByHandCancellation, ClosedByHand } from "./ByHandCancellationsApi.ts"
import { byHandRefusal } from "./CarrierCancellations.ts"
import { ParcelShipmentByHandReopened, ParcelShipmentCancelledByHand } from "./PackEvents.ts"

/** Why a manager's close of a by-hand cancellation, or their reopen of a close, was not done. */
export class ByHandCloseError extends Schema.TaggedError<ByHandCloseError>()("ByHandCloseError", {
  reason: Schema.Literals([
    "cancellation-unknown",
    "cancellation-closed",
    "cancellation-not-by-hand",
    "cancellation-not-closed",
    "cancellation-open",
    "cancellation-not-reopenable",
    "reason-required",
    "note-required",
    "close-answer-mismatch",
    "store-refused",
    "store-unavailable"
  ]),
  message: Schema.String
}) {}

interface ByHandRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly carrier: string
  readonly tracking_number: string | null
  readonly created_at_ms: number
  readonly reason: string
}

/** A close as `shipments_cancelled_by_hand` keeps it (station migrations 0104, 0105). */
interface CloseRow {
  readonly parcel_id: string
  readonly close_no: number
  readonly order_id: string
  readonly carrier: string
  readonly tracking_number: string | null
  readonly label_request: string | null
  readonly reason: string
  readonly since_ms: number | null
  readonly portal_answer: "cancelled" | "no-shipment"
  readonly reference: string | null
  readonly note: string | null
  readonly badge_id: string
  readonly closed_at_ms: number
  /** Whether a reopen took this close back. */
  readonly reopened: number
}

/** The closes of one parcel, the latest first, each with whether it was reopened. */
const CLOSES_OF_PARCEL = `SELECT c.*, EXISTS (SELECT 1 FROM shipments_by_hand_reopened r
    WHERE r.parcel_id = c.parcel_id AND r.close_no = c.close_no) AS reopened
  FROM shipments_cancelled_by_hand c WHERE c.parcel_id = ? ORDER BY c.close_no DESC LIMIT 1`

/** How many of the latest closes in force the list shows, for a manager to reopen one entered by mistake. */
export const CLOSED_SHOWN = 10

/**
 * At most `limit` cancellations to make by hand, oldest first, and whether there are more; and the latest closes in
 * force (not reopened) of the last `closesShownDays` days before `nowMs`, newest first, at most `CLOSED_SHOWN`
 * (read by station migration 0107's index on the close time, so the card costs the window, not every close ever made).
 */
export const listCancellationsByHand = (limit: number, closes: { readonly nowMs: number; readonly days: number }) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const rows = yield* sql.query<ByHandRow>(
      `SELECT parcel_id, order_id, carrier, tracking_number, created_at_ms, reason FROM carrier_cancellations
       WHERE by_hand IS NOT NULL ORDER BY created_at_ms, parcel_id LIMIT ?`,
      [limit + 1]
    )
    const cancellations = rows.slice(0, limit).map(
      (row): ByHandCancellation => ({
        parcelId: row.parcel_id,
        orderId: row.order_id,
        carrier: row.carrier,
        trackingNumber: row.tracking_number,
        sinceMs: Number(row.created_at_ms),
        reason: row.reason
      })
    )
    const closedRows = yield* sql.query<CloseRow>(
      `SELECT c.*, 0 AS reopened FROM shipments_cancelled_by_hand c
       WHERE c.closed_at_ms > ? AND NOT EXISTS (SELECT 1 FROM shipments_by_hand_reopened r
         WHERE r.parcel_id = c.parcel_id AND r.close_no = c.close_no)
       ORDER BY c.closed_at_ms DESC, c.parcel_id DESC, c.close_no DESC LIMIT ?`,
      [closes.nowMs - closes.days * 86_400_000, CLOSED_SHOWN]
    )
    const closed = closedRows.map(
      (row): ClosedByHand => ({
        parcelId: row.parcel_id,
        orderId: row.order_id,
        carrier: row.carrier,
        trackingNumber: row.tracking_number,
        closedAtMs: Number(row.closed_at_ms),
        badgeId: row.badge_id,
        portalAnswer: row.portal_answer,
        reference: row.reference,
        note: row.note
      })
    )
    return { cancellations, more: rows.length > limit, closed, closedShownDays: closes.days }
  })

/** What the manager found in the carrier's portal, with what they say of it: a reference, or a note. */
type PortalWord =
  | { readonly portalAnswer: "cancelled"; readonly reference: string }
  | { readonly portalAnswer: "no-shipment"; readonly note: string }

/**
 * The manager's word on the portal, checked: a cancelled shipment takes its reference (the portal's cancellation
 * number, or what it showed) and no note; no shipment found at the carrier takes a note (where and how they looked)
 * and no reference, as there is no cancellation to refer to.
 */
const portalWordOf = (input: {
  readonly portalAnswer?: "cancelled" | "no-shipment"
  readonly reference?: string
  readonly note?: string
}): Effect.Effect<PortalWord, ByHandCloseError> => {
  const answer = input.portalAnswer ?? "cancelled"
  const given = answer === "cancelled" ? input.note : input.reference
  if (given !== undefined) {
    return Effect.fail(
      new ByHandCloseError({
        reason: "close-answer-mismatch",
        message:
          answer === "cancelled"
            ? "A shipment cancelled in the carrier's portal is closed with the portal's reference, not a note"
            : "No shipment found at the carrier is closed with a note, not a reference: there is no cancellation to refer to"
      })
    )
  }
  if (answer === "cancelled") {
    const reference = (input.reference ?? "").trim()
    return reference === ""
      ? Effect.fail(
          new ByHandCloseError({
            reason: "reason-required",
            message:
              "Say how the shipment was cancelled in the carrier's portal (its cancellation number, or what it showed)"
          })
        )
      : Effect.succeed({ portalAnswer: "cancelled", reference })
  }
  const note = (input.note ?? "").trim()
  return note === ""
    ? Effect.fail(
        new ByHandCloseError({
          reason: "note-required",
          message: "Say where and how you looked for the shipment in the carrier's portal, as none was found there"
        })
      )
    : Effect.succeed({ portalAnswer: "no-shipment", note })
}

/**
 * A manager's close of a cancellation the station cannot send: they cancelled the shipment in the carrier's portal
 * (with a reference), or found no shipment there at all (with a note). In one commit the row leaves
 * `carrier_cancellations` (the header's by-hand count drops, and the worker never sends it), the append-only
 * `shipments_cancelled_by_hand` keeps who closed it, when and with what word (and the row as it was, for a reopen:
 * `byHandReopener`), numbered after the parcel's earlier closes, and `parcel.shipment-cancelled-by-hand` records it.
 * Only a row the station keeps for a person (`by_hand`): one it sends itself (its carrier's web service is set up
 * again) ends with the carrier's own answer.
 */
export const byHandCloser = Effect.gen(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  const clock = yield* StationClock
  return Effect.fn("ByHandCancellations.close")(function* (input: {
    readonly parcelId: string
    readonly portalAnswer?: "cancelled" | "no-shipment"
    readonly reference?: string
    readonly note?: string
    readonly operator: Operator
  }) {
    const word = yield* portalWordOf(input)
    const reference = word.portalAnswer === "cancelled" ? word.reference : null
    const note = word.portalAnswer === "no-shipment" ? word.note : null
    return yield* sql.transaction(
      Effect.gen(function* () {
        const rows = yield* sql.query<
          ByHandRow & { readonly by_hand: string | null; readonly label_request: string | null }
        >(
          `SELECT parcel_id, order_id, carrier, tracking_number, created_at_ms, reason, by_hand, label_request
           FROM carrier_cancellations WHERE parcel_id = ?`,
          [input.parcelId]
        )
        const row = rows[0]
        const latest = (yield* sql.query<CloseRow>(CLOSES_OF_PARCEL, [input.parcelId]))[0]
        if (row === undefined) {
          // A close a reopen took back has its row waiting again: without one, the latest close is in force.
          return yield* latest === undefined
            ? new ByHandCloseError({
                reason: "cancellation-unknown",
                message: `No shipment of parcel ${input.parcelId} is waiting to be cancelled`
              })
            : new ByHandCloseError({
                reason: "cancellation-closed",
                message: `The cancellation of parcel ${input.parcelId}'s shipment was closed already (by ${latest.badge_id})`
              })
        }
        if (row.by_hand === null) {
          return yield* new ByHandCloseError({
            reason: "cancellation-not-by-hand",
            message: `The station cancels parcel ${input.parcelId}'s shipment at ${row.carrier} itself: it is not one to close by hand`
          })
        }
        const now = yield* clock.now
        yield* sql.execute("DELETE FROM carrier_cancellations WHERE parcel_id = ?", [row.parcel_id])
        // The row is kept whole with the close, so a reopen puts back what the station needs to send it itself.
        yield* sql.execute(
          `INSERT INTO shipments_cancelled_by_hand (parcel_id, close_no, order_id, carrier, tracking_number,
             label_request, reason, since_ms, portal_answer, reference, note, badge_id, closed_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            row.parcel_id,
            (latest === undefined ? 0 : Number(latest.close_no)) + 1,
            row.order_id,
            row.carrier,
            row.tracking_number,
            row.label_request,
            row.reason,
            Number(row.created_at_ms),
            word.portalAnswer,
            reference,
            note,
            input.operator.badgeId,
            now.wallMs
          ]
        )
        yield* log.append(
          ParcelShipmentCancelledByHand,
          {
            orderId: row.order_id,
            parcelId: row.parcel_id,
            carrier: row.carrier,
            ...(row.tracking_number === null ? {} : { trackingNumber: row.tracking_number }),
            ...word,
            reason: row.reason
          },
          { actor: actorOf(input.operator) }
        )
        return { parcelId: row.parcel_id, orderId: row.order_id, closedAtMs: now.wallMs }
      })
    )
  })
})

/**
 * A manager's reopen of a close entered by mistake (the shipment was not cancelled in the carrier's portal, or
 * another one was): never an edit of the close. In one commit the append-only `shipments_by_hand_reopened` keeps who
 * reopened which close, when and why, the cancellation waits again in `carrier_cancellations` as it was before the
 * close (since when, why, its label request) for a person (`by_hand`, the header counts it), and
 * `parcel.shipment-by-hand-reopened` records it. The worker looks at it at once: it sends the cancellation itself if
 * the carrier's web service is set up again meanwhile. Only the latest close of the parcel, and only while in force.
 */
export const byHandReopener = Effect.gen(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  const clock = yield* StationClock
  return Effect.fn("ByHandCancellations.reopen")(function* (input: {
    readonly parcelId: string
    readonly reason: string
    readonly operator: Operator
  }) {
    const reason = input.reason.trim()
    if (reason === "") {
      return yield* new ByHandCloseError({
        reason: "reason-required",
        message: "Say why the close is taken back (what was wrong with it)"
      })
    }
    return yield* sql.transaction(
      Effect.gen(function* () {
        const close = (yield* sql.query<CloseRow>(CLOSES_OF_PARCEL, [input.parcelId]))[0]
        if (close === undefined) {
          return yield* new ByHandCloseError({
            reason: "cancellation-not-closed",
            message: `No cancellation of parcel ${input.parcelId}'s shipment was closed by hand`
          })
        }
        const waiting = yield* sql.query("SELECT 1 FROM carrier_cancellations WHERE parcel_id = ?", [input.parcelId])
        if (Number(close.reopened) === 1 || waiting.length > 0) {
          return yield* new ByHandCloseError({
            reason: "cancellation-open",
            message: `The cancellation of parcel ${input.parcelId}'s shipment is open already: it waits to be cancelled`
          })
        }
        if (close.tracking_number === null && close.label_request === null) {
          return yield* new ByHandCloseError({
            reason: "cancellation-not-reopenable",
            message: `The close of parcel ${input.parcelId}'s shipment was made before the station kept what it needs to cancel a shipment whose number it never learnt: cancel it in the carrier's portal, looked up by the parcel id, and note it there`
          })
        }
        const now = yield* clock.now
        yield* sql.execute(
          `INSERT INTO shipments_by_hand_reopened (parcel_id, close_no, reason, badge_id, reopened_at_ms)
           VALUES (?, ?, ?, ?, ?)`,
          [close.parcel_id, Number(close.close_no), reason, input.operator.badgeId, now.wallMs]
        )
        yield* sql.execute(
          `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, label_request, reason,
             next_attempt_at_ms, created_at_ms, by_hand) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            close.parcel_id,
            close.order_id,
            close.carrier,
            close.tracking_number,
            close.label_request,
            close.reason,
            now.wallMs,
            close.since_ms === null ? now.wallMs : Number(close.since_ms),
            byHandRefusal(close).reason
          ]
        )
        yield* log.append(
          ParcelShipmentByHandReopened,
          {
            orderId: close.order_id,
            parcelId: close.parcel_id,
            carrier: close.carrier,
            ...(close.tracking_number === null ? {} : { trackingNumber: close.tracking_number }),
            closedAtMs: Number(close.closed_at_ms),
            reason
          },
          { actor: actorOf(input.operator) }
        )
        return { parcelId: close.parcel_id, orderId: close.order_id, reopenedAtMs: now.wallMs }
      })
    )
  })
})
