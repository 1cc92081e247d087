/** The shipments a person must cancel in the carrier's portal: listing them, and a manager's word that one is. */
import { Effect, Schema } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import type { ByHandCancellation } from "./ByHandCancellationsApi.ts"
import { ParcelShipmentCancelledByHand } from "./PackEvents.ts"

/** Why a manager's close of a by-hand cancellation was not done. */
export class ByHandCloseError extends Schema.TaggedError<ByHandCloseError>()("ByHandCloseError", {
  reason: Schema.Literals([
    "cancellation-unknown",
    "cancellation-closed",
    "cancellation-not-by-hand",
    "reason-required",
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

/** At most `limit` cancellations to make by hand, oldest first, and whether there are more. */
export const listCancellationsByHand = (limit: number) =>
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
    return { cancellations, more: rows.length > limit }
  })

/**
 * A manager's close of a cancellation the station cannot send: they cancelled the shipment in the carrier's portal.
 * In one commit the row leaves `carrier_cancellations` (the header's by-hand count drops, and the worker never sends
 * it), the append-only `shipments_cancelled_by_hand` keeps who closed it, when and with what reference, and
 * `parcel.shipment-cancelled-by-hand` records it. Only a row the station keeps for a person (`by_hand`): one it sends
 * itself (its carrier's web service is set up again) ends with the carrier's own answer.
 */
export const byHandCloser = Effect.gen(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  const clock = yield* StationClock
  return Effect.fn("ByHandCancellations.close")(function* (input: {
    readonly parcelId: string
    readonly reference: string
    readonly operator: Operator
  }) {
    const reference = input.reference.trim()
    if (reference === "") {
      return yield* new ByHandCloseError({
        reason: "reason-required",
        message:
          "Say how the shipment was cancelled in the carrier's portal (its cancellation number, or what it showed)"
      })
    }
    return yield* sql.transaction(
      Effect.gen(function* () {
        const rows = yield* sql.query<ByHandRow & { readonly by_hand: string | null }>(
          `SELECT parcel_id, order_id, carrier, tracking_number, created_at_ms, reason, by_hand
           FROM carrier_cancellations WHERE parcel_id = ?`,
          [input.parcelId]
        )
        const row = rows[0]
        if (row === undefined) {
          const closed = yield* sql.query<{ closed_at_ms: number; badge_id: string }>(
            "SELECT closed_at_ms, badge_id FROM shipments_cancelled_by_hand WHERE parcel_id = ?",
            [input.parcelId]
          )
          return yield* closed[0] === undefined
            ? new ByHandCloseError({
                reason: "cancellation-unknown",
                message: `No shipment of parcel ${input.parcelId} is waiting to be cancelled`
              })
            : new ByHandCloseError({
                reason: "cancellation-closed",
                message: `The cancellation of parcel ${input.parcelId}'s shipment was closed already (by ${closed[0].badge_id})`
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
        yield* sql.execute(
          `INSERT INTO shipments_cancelled_by_hand (parcel_id, order_id, carrier, tracking_number, reference, badge_id,
             closed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [row.parcel_id, row.order_id, row.carrier, row.tracking_number, reference, input.operator.badgeId, now.wallMs]
        )
        yield* log.append(
          ParcelShipmentCancelledByHand,
          {
            orderId: row.order_id,
            parcelId: row.parcel_id,
            carrier: row.carrier,
            ...(row.tracking_number === null ? {} : { trackingNumber: row.tracking_number }),
            reference,
            reason: row.reason
          },
          { actor: actorOf(input.operator) }
        )
        return { parcelId: row.parcel_id, orderId: row.order_id, closedAtMs: now.wallMs }
      })
    )
  })
})
