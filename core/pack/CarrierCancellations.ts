/** Shipments to cancel at their carrier, kept until it has no live one left, and the worker that cancels them. */
import { Context, Effect, Layer } from "effect"
import type { CarrierAdapter, LabelRequest } from "../carrier/CarrierAdapter.ts"
import {
  type AttemptOutcome,
  defaultRetryPolicy,
  makeCarrierRequestWorker,
  type RetryPolicy
} from "../carrier/CarrierRequestWorker.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { quotedRefusal } from "../carrier/carrierRefusal.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { ABANDONED_RESERVATIONS } from "./LabelReservations.ts"
import { PackException, ParcelShipmentCancelled } from "./PackEvents.ts"
import { makeRefusal } from "./PackRefusal.ts"

interface CancellationRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly carrier: string
  readonly tracking_number: string | null
  readonly reason: string
  readonly attempts: number
  readonly next_attempt_at_ms: number
  readonly last_error: string | null
  readonly refused: string | null
  readonly created_at_ms: number
  readonly label_request: string | null
  readonly by_hand: string | null
}

/** Why a person must cancel the shipment in the carrier's portal, as the station says it (`by_hand`, `pack.exception`). */
export const byHandRefusal = (row: {
  readonly parcel_id: string
  readonly order_id: string
  readonly carrier: string
  readonly tracking_number: string | null
}) => {
  const setup = { carrier: row.carrier, parcelId: row.parcel_id }
  return row.tracking_number === null
    ? makeRefusal("shipment-not-cancelled", "byHandKey", { ...setup, orderId: row.order_id })
    : makeRefusal("shipment-not-cancelled", "byHand", { ...setup, trackingNumber: row.tracking_number })
}
export interface CarrierCancellation {
  readonly parcelId: string
  readonly orderId: string
  readonly carrier: string
  /** Null while the station does not know it: it learns it by asking for the label again under its key. */
  readonly trackingNumber: string | null
  /** Why the shipment is cancelled. */
  readonly reason: string
  readonly attempts: number
  readonly lastError: string | null
  /** The carrier's words when it refused to cancel: the shipment is still live there. */
  readonly refused: string | null
  /**
   * Why the station cannot send the cancellation (the carrier is not set up for its web service here any more): a
   * person cancels the shipment in the carrier's portal.
   */
  readonly byHand: string | null
  readonly nextAttemptAtMs: number
  readonly since: number
}

const viewOf = (row: CancellationRow): CarrierCancellation => ({
  parcelId: row.parcel_id,
  orderId: row.order_id,
  carrier: row.carrier,
  trackingNumber: row.tracking_number,
  reason: row.reason,
  attempts: Number(row.attempts),
  lastError: row.last_error,
  refused: row.refused,
  byHand: row.by_hand,
  nextAttemptAtMs: Number(row.next_attempt_at_ms),
  since: Number(row.created_at_ms)
})

/**
 * Records, inside the caller's transaction (the void's), that the parcel's shipment must be cancelled at its carrier:
 * the durable row the worker works from, due at once. Only for a label a carrier's web service made
 * (`CarrierAdapter.online` when it was made): an offline carrier learns of a number only when it scans the parcel.
 * The shipment is named by its tracking number, or, while the station does not know it, by the label request made
 * under its key (`labelRequest`), under which the worker learns it first; both when the number is known and the
 * request kept.
 */
export const cancellationRecorder = Effect.gen(function* () {
  const sql = yield* Sql
  const clock = yield* StationClock
  return Effect.fn("CarrierCancellations.record")(function* (
    input: {
      readonly parcelId: string
      readonly orderId: string
      readonly carrier: string
      readonly reason: string
    } & (
      | { readonly trackingNumber: string; readonly labelRequest?: LabelRequest }
      | { readonly trackingNumber: null; readonly labelRequest: LabelRequest }
    )
  ) {
    const now = yield* clock.now
    yield* sql.execute(
      `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, label_request, reason,
         next_attempt_at_ms, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        input.parcelId,
        input.orderId,
        input.carrier,
        input.trackingNumber,
        input.labelRequest === undefined ? null : JSON.stringify(input.labelRequest),
        input.reason,
        now.wallMs,
        now.wallMs
      ]
    )
  })
})

/**
 * How many days back the list shows closes (`carrierCancellations.closesShownDays`): a close is reopened when it was
 * entered by mistake, which a manager finds out within weeks; an older one would only crowd the card.
 */
export const DEFAULT_CLOSES_SHOWN_DAYS = 30

/**
 * Shipments to cancel at their carrier, and the worker that cancels them. A voided parcel's shipment stays live at
 * the carrier (billed, its tracking number scannable) until the carrier cancels it, so the void records the
 * cancellation in its own transaction and this worker asks the carrier, with backoff while it is out of reach, until
 * it answers that it cancelled the shipment or has no live one under the number (cancelled before, by a request whose
 * answer was lost, or never made). That answer, the removal of the row and `parcel.shipment-cancelled` commit
 * together, so the carrier's answer is recorded once. A carrier that refuses to cancel (the shipment is on its way)
 * is asked again at the longest delay, as a person may cancel it in the carrier's portal meanwhile; the refusal is
 * counted apart, and `pack.exception` says it once per wording. A cancellation whose carrier is not set up for its web
 * service at the station (any more: the setup changed after the label was made) cannot be sent: it is not dropped but
 * kept for a person (`by_hand`: cancel the shipment in the carrier's portal), counted apart, said once (`pack.exception`
 * and the log), and looked at again at the longest delay, so it is sent once the carrier's web service is set up
 * again.
 * A packing left after its label request may have reached the carrier (`LabelReservations`) is cancelled the same
 * way, its reservation taken over by a row in one commit; as the carrier cancels by tracking number only, the worker
 * first learns the number by asking for the label again under the request's key (the carrier answers with the
 * shipment it made, if it made one; one it had not made is made then, and cancelled). A carrier that refuses that
 * request made no shipment under the key: nothing is left to cancel.
 */
export class CarrierCancellations extends Context.Service<
  CarrierCancellations,
  {
    readonly list: Effect.Effect<ReadonlyArray<CarrierCancellation>, StoreError>
    /**
     * Cancellations the station waits to send or to hear back about, those the carrier refused, and those a person
     * must make in the carrier's portal, as the station cannot.
     */
    readonly counts: Effect.Effect<
      { readonly waiting: number; readonly refused: number; readonly byHand: number },
      StoreError
    >
    /** Asks the carrier for every cancellation that is due; answers how many it confirmed. */
    readonly retryDue: Effect.Effect<number, StoreError>
    /** Cancels due shipments for as long as the scope lives; `onChange` runs after a pass that changed the counts. */
    readonly work: (onChange: Effect.Effect<void>) => Effect.Effect<never, StoreError>
    /** How many days back the manager's list shows closes by hand (`carrierCancellations.closesShownDays`). */
    readonly closesShownDays: number
  }
>()("packbench/core/pack/CarrierCancellations") {
  static readonly layer = (options: { readonly retry?: RetryPolicy; readonly closesShownDays?: number } = {}) =>
    Layer.effect(
      CarrierCancellations,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const clock = yield* StationClock
        const carriers = yield* Carriers
        const policy = options.retry ?? defaultRetryPolicy
        const worker = yield* makeCarrierRequestWorker<CancellationRow>({
          table: "carrier_cancellations",
          key: "parcel_id",
          policy,
          attempt: (row) => attempt(row),
          beforePass: Effect.suspend(() => takeOverAbandoned)
        })

        const list = sql
          .query<CancellationRow>("SELECT * FROM carrier_cancellations ORDER BY created_at_ms, parcel_id")
          .pipe(Effect.map((rows) => rows.map(viewOf)))

        const counts = sql
          .query<{ waiting: number | null; refused: number | null; by_hand: number | null }>(
            `SELECT SUM(refused IS NULL AND by_hand IS NULL) AS waiting, SUM(refused IS NOT NULL) AS refused,
               SUM(by_hand IS NOT NULL) AS by_hand FROM carrier_cancellations`
          )
          .pipe(
            Effect.map((rows) => ({
              waiting: Number(rows[0]?.waiting ?? 0),
              refused: Number(rows[0]?.refused ?? 0),
              byHand: Number(rows[0]?.by_hand ?? 0)
            }))
          )

        /**
         * Reservations whose packing was left become cancellations, in one commit: the shipment the carrier may have
         * made under the id is this worker's to cancel. Whether any did.
         */
        const takeOverAbandoned = Effect.gen(function* () {
          if ((yield* sql.query(ABANDONED_RESERVATIONS)).length === 0) return false
          return yield* sql.transaction(
            Effect.gen(function* () {
              const now = yield* clock.now
              const abandoned = yield* sql.query<{
                parcel_id: string
                order_id: string
                carrier: string
                request: string
              }>(ABANDONED_RESERVATIONS)
              for (const reservation of abandoned) {
                yield* sql.execute(
                  `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, label_request,
                     reason, next_attempt_at_ms, created_at_ms) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)`,
                  [
                    reservation.parcel_id,
                    reservation.order_id,
                    reservation.carrier,
                    reservation.request,
                    `the packing of order ${reservation.order_id} was not completed`,
                    now.wallMs,
                    now.wallMs
                  ]
                )
                yield* sql.execute("DELETE FROM label_reservations WHERE parcel_id = ?", [reservation.parcel_id])
              }
              return abandoned.length > 0
            })
          )
        })

        /** The carrier has no live shipment under the number: the row goes, the event says what the carrier said. */
        const finish = (
          row: CancellationRow,
          trackingNumber: string | undefined,
          answer: "cancelled" | "not-found" | "none-made"
        ) =>
          sql.transaction(
            Effect.gen(function* () {
              const deleted = yield* sql.execute("DELETE FROM carrier_cancellations WHERE parcel_id = ?", [
                row.parcel_id
              ])
              if (deleted.changes === 0) return false
              yield* log.append(ParcelShipmentCancelled, {
                orderId: row.order_id,
                parcelId: row.parcel_id,
                carrier: row.carrier,
                ...(trackingNumber === undefined ? {} : { trackingNumber }),
                answer,
                reason: row.reason
              })
              return true
            })
          )

        /** Whether the refusal is news: the row is still there, and the station has not recorded this wording yet. */
        const refuse = (row: CancellationRow, trackingNumber: string, message: string) =>
          sql.transaction(
            Effect.gen(function* () {
              const now = yield* clock.now
              // Asked again at the longest delay: a shipment cancelled by hand meanwhile ends the row.
              const updated = yield* sql.execute(
                `UPDATE carrier_cancellations SET attempts = attempts + 1, last_error = ?, refused = ?,
                   next_attempt_at_ms = ? WHERE parcel_id = ?`,
                [message, message, now.wallMs + policy.maxDelayMs, row.parcel_id]
              )
              if (updated.changes === 0 || row.refused === message) return false
              const refusal = makeRefusal("shipment-not-cancelled", "refused", {
                carrier: row.carrier,
                trackingNumber,
                parcelId: row.parcel_id,
                message: quotedRefusal(message)
              })
              yield* log.append(PackException, { code: refusal.code, reason: refusal.reason, orderId: row.order_id })
              return true
            })
          )

        /**
         * A failed attempt (the carrier out of reach, or an answer that is not the carrier's: see `CarrierApi`): the
         * row waits, counted among those to send, and is asked again after the delay. Logged when its reason is new for
         * the row, so a cause is said once, not at every try.
         */
        const fail = (row: CancellationRow, reason: string) =>
          Effect.andThen(
            worker.postpone(row, reason),
            row.last_error === reason
              ? Effect.void
              : Effect.logWarning(
                  `The cancellation of ${row.tracking_number === null ? "the shipment" : `shipment ${row.tracking_number}`} (parcel ${row.parcel_id}) at ${row.carrier} did not go through; the station asks again: ${reason}`
                )
          )

        /**
         * The carrier is not set up for its web service at this station (any more), so the station cannot cancel the
         * shipment (an offline carrier's adapter would take the number for one it never made, and answer `gone`): a
         * person must, in the carrier's portal. Kept (`by_hand`, a refusal cleared), looked at again at the longest
         * delay; whether that is news (the row is still there, and says it for the first time).
         */
        const byHand = (row: CancellationRow) =>
          sql.transaction(
            Effect.gen(function* () {
              const now = yield* clock.now
              const refusal = byHandRefusal(row)
              const updated = yield* sql.execute(
                `UPDATE carrier_cancellations SET attempts = attempts + 1, last_error = ?, by_hand = ?, refused = NULL,
                   next_attempt_at_ms = ? WHERE parcel_id = ?`,
                [refusal.reason, refusal.reason, now.wallMs + policy.maxDelayMs, row.parcel_id]
              )
              if (updated.changes === 0 || row.by_hand === refusal.reason) return false
              yield* log.append(PackException, { code: refusal.code, reason: refusal.reason, orderId: row.order_id })
              yield* Effect.logWarning(refusal.reason)
              return true
            })
          )

        const attempt = (row: CancellationRow): Effect.Effect<AttemptOutcome, StoreError> =>
          Effect.gen(function* () {
            const adapter = carriers.adapter(row.carrier)
            if (adapter?.online !== true) return { done: false, changed: yield* byHand(row) }
            if (row.by_hand === null) return yield* send(row, adapter)
            // The carrier's web service is set up again: the station sends it itself, and the header counts it so.
            yield* sql.execute("UPDATE carrier_cancellations SET by_hand = NULL WHERE parcel_id = ?", [row.parcel_id])
            return { ...(yield* send(row, adapter)), changed: true }
          })

        /** One try at sending the cancellation through the carrier's web service. */
        const send = (row: CancellationRow, adapter: CarrierAdapter): Effect.Effect<AttemptOutcome, StoreError> =>
          Effect.gen(function* () {
            let trackingNumber = row.tracking_number
            if (trackingNumber === null) {
              if (row.label_request === null) {
                // Written together (`cancellationRecorder`, `takeOverAbandoned`): neither is a broken database.
                return yield* Effect.die(new Error(`The cancellation of ${row.parcel_id} names no shipment`))
              }
              const learnt = yield* Effect.result(adapter.createLabel(JSON.parse(row.label_request) as LabelRequest))
              if (learnt._tag === "Failure" && learnt.failure.reason === "refused") {
                const finished = yield* finish(row, undefined, "none-made")
                return { done: finished, changed: finished }
              }
              if (learnt._tag === "Failure") {
                yield* fail(row, learnt.failure.message)
                return { done: false, changed: false }
              }
              if (learnt.success.status === "pending") {
                yield* fail(row, learnt.success.reason)
                return { done: false, changed: false }
              }
              trackingNumber = learnt.success.trackingNumber
              yield* sql.execute("UPDATE carrier_cancellations SET tracking_number = ? WHERE parcel_id = ?", [
                trackingNumber,
                row.parcel_id
              ])
            }
            const outcome = yield* Effect.result(adapter.voidLabel(trackingNumber))
            if (outcome._tag === "Failure") {
              return { done: false, changed: yield* refuse(row, trackingNumber, outcome.failure.message) }
            }
            if (outcome.success.status === "pending") {
              yield* fail(row, outcome.success.reason)
              return { done: false, changed: false }
            }
            const finished = yield* finish(
              row,
              trackingNumber,
              outcome.success.status === "cancelled" ? "cancelled" : "not-found"
            )
            return { done: finished, changed: finished }
          })

        const retryDue = Effect.map(worker.pass, (outcome) => outcome.done)

        return CarrierCancellations.of({
          list,
          counts,
          retryDue,
          work: worker.work,
          closesShownDays: options.closesShownDays ?? DEFAULT_CLOSES_SHOWN_DAYS
        })
      })
    )
}
