/** Parcels packed while their carrier's label service was out of reach, and the worker that gets their labels. */
import { Context, Effect, Layer } from "effect"
import type { CarrierAdapter, CarrierLabel, LabelRequest } from "../carrier/CarrierAdapter.ts"
import {
  type AttemptOutcome,
  defaultRetryPolicy,
  makeCarrierRequestWorker,
  type RetryPolicy
} from "../carrier/CarrierRequestWorker.ts"
import { apiCarrierOf, Carriers } from "../carrier/Carriers.ts"
import { quotedRefusal } from "../carrier/carrierRefusal.ts"
import type { Actor } from "../events/Event.ts"
import type { EventDefinition } from "../events/EventDefinition.ts"
import { EventLog } from "../events/EventLog.ts"
import { encodeZpl, type LabelDpi } from "../label/encodeZpl.ts"
import type { ShippingLabel } from "../label/ShippingLabel.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { makeDoorbell } from "../sync/Doorbell.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { PackException, ParcelLabelPending, ParcelPacked } from "./PackEvents.ts"
import { makeRefusal, type Refusal } from "./PackRefusal.ts"
import { PARCEL_HOLD_COLUMNS, type ParcelHold, type ParcelHoldRow, parcelHold } from "./parcelHold.ts"

type PayloadOf<D> = D extends EventDefinition<string, infer P> ? P : never

/** Everything `parcel.packed` says about a parcel except the number only the carrier can give. */
export type PackedWithoutLabel = Omit<PayloadOf<typeof ParcelPacked>, "trackingNumber">

/** The label as the bench knows it before the carrier answered: addresses, ids and weight. */
export type LabelDraft = Omit<ShippingLabel, "carrier" | "trackingNumber" | "routingCode" | "leitcode" | "identcode">

export const labelFrom = (draft: LabelDraft, label: CarrierLabel): ShippingLabel => ({
  ...draft,
  carrier: { name: label.carrierName, service: label.serviceName },
  trackingNumber: label.trackingNumber,
  routingCode: label.routingCode,
  ...(label.leitcode === undefined ? {} : { leitcode: label.leitcode }),
  ...(label.identcode === undefined ? {} : { identcode: label.identcode })
})

/** The shipment a carrier made for a parcel whose label, as it answered it, the station cannot print. */
export interface UnprintableShipment {
  /** The shipment's number: voiding the parcel cancels it at the carrier. */
  readonly trackingNumber: string
  /** Why the label cannot be printed (the field the encoder refused, in English). */
  readonly problem: string
}

/** What a pending row keeps so the label, its print job and `parcel.packed` can be made later without the session. */
interface PendingRecord {
  readonly draft: LabelDraft
  readonly packed: PackedWithoutLabel
  readonly eventTime: Timestamp
  readonly actor: Actor
  /** The carrier made a shipment, but its label cannot be printed: the row is `refused` with why. */
  readonly unprintable?: UnprintableShipment
}

interface PendingRow {
  readonly parcel_id: string
  readonly carrier: string
  readonly request: string
  readonly packed: string
  readonly attempts: number
  readonly next_attempt_at_ms: number
  readonly last_error: string
  readonly created_at_ms: number
  readonly may_have_reached_carrier: number
  readonly withheld: ParcelHold | null
  /**
   * Why the label is not asked for again: the carrier's words when it refused it (no shipment made:
   * `may_have_reached_carrier` 0), or, with `may_have_reached_carrier` 1, why the label the carrier made, and so the
   * shipment, cannot be printed (`PendingRecord.unprintable`).
   */
  readonly refused: string | null
}

/** A pending row's columns that tell why its label will not come, if it will not. */
export type LabelOutcomeColumns = Pick<
  PendingRow,
  "parcel_id" | "carrier" | "packed" | "may_have_reached_carrier" | "refused"
>

/** Whether the row's label is one the carrier made but the station cannot print (see `PendingRow.refused`). */
export const isUnprintable = (row: Pick<LabelOutcomeColumns, "refused" | "may_have_reached_carrier">): boolean =>
  row.refused !== null && Number(row.may_have_reached_carrier) === 1

/** The shipment the carrier made for the row's parcel, when its label cannot be printed. */
export const unprintableShipmentOf = (row: LabelOutcomeColumns): UnprintableShipment | undefined =>
  isUnprintable(row) ? (JSON.parse(row.packed) as PendingRecord).unprintable : undefined

/**
 * Why a parcel's label will not come, as the packer is told: the carrier refused it (it made no shipment), or made
 * one whose label cannot be printed. Undefined while the label is asked for (or withheld: see `parcelHold`).
 */
export const labelRefusalOf = (row: LabelOutcomeColumns): Refusal | undefined => {
  if (row.refused === null) return undefined
  const record = JSON.parse(row.packed) as PendingRecord
  return isUnprintable(row)
    ? makeRefusal("label-unprintable", "pending", {
        carrier: row.carrier,
        // Written together (`unprintable` below): a row without it is a broken database, and still said as best it can.
        trackingNumber: record.unprintable?.trackingNumber ?? "?",
        parcelId: row.parcel_id,
        orderId: record.packed.orderId,
        message: record.unprintable?.problem ?? row.refused
      })
    : makeRefusal("label-refused", "pending", {
        carrier: row.carrier,
        parcelId: row.parcel_id,
        orderId: record.packed.orderId,
        message: quotedRefusal(row.refused)
      })
}

export interface PendingLabel {
  readonly parcelId: string
  readonly orderId: string
  readonly carrier: string
  readonly attempts: number
  readonly lastError: string
  readonly nextAttemptAtMs: number
  readonly since: number
  /** Whether a request for the label may have reached the carrier, so that a shipment may exist there. */
  readonly mayHaveReachedCarrier: boolean
  /** Why the label is not asked for: the order changed after packing and no request for it reached the carrier. */
  readonly withheld?: ParcelHold
  /** The carrier's words when it refused the label: it made no shipment for it, and it is not asked for again. */
  readonly refused?: string
  /**
   * Why the label the carrier made cannot be printed: it made a shipment (`mayHaveReachedCarrier`), the label is not
   * asked for again (the carrier would answer with the same one), and voiding the parcel cancels the shipment.
   */
  readonly unprintable?: string
}

/**
 * Records, inside the caller's transaction (the one that commits the parcel), that the parcel waits for its label:
 * the durable row the retry worker works from and the `parcel.label-pending` event. Due at once: the worker's next
 * pass asks the carrier again. `mayHaveReachedCarrier`: whether the request made at packing may have arrived.
 */
export const pendingLabelRecorder = Effect.gen(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  const clock = yield* StationClock
  return Effect.fn("PendingLabels.record")(function* (input: {
    readonly request: LabelRequest
    readonly draft: LabelDraft
    readonly packed: PackedWithoutLabel
    readonly reason: string
    readonly mayHaveReachedCarrier: boolean
    readonly eventTime: Timestamp
    readonly actor: Actor
  }) {
    const now = yield* clock.now
    const record: PendingRecord = {
      draft: input.draft,
      packed: input.packed,
      eventTime: input.eventTime,
      actor: input.actor
    }
    yield* sql.execute(
      `INSERT INTO pending_labels (parcel_id, carrier, request, packed, attempts, next_attempt_at_ms, last_error,
         created_at_ms, may_have_reached_carrier) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      [
        input.request.parcelId,
        input.request.carrier,
        JSON.stringify(input.request),
        JSON.stringify(record),
        now.wallMs,
        input.reason,
        now.wallMs,
        input.mayHaveReachedCarrier ? 1 : 0
      ]
    )
    yield* log.append(
      ParcelLabelPending,
      {
        orderId: input.packed.orderId,
        parcelId: input.packed.parcelId,
        carrier: input.packed.carrier,
        reason: input.reason,
        weightGrams: input.packed.weightGrams,
        boxId: input.packed.boxId,
        packer: input.packed.packer,
        stationId: input.packed.stationId
      },
      { eventTime: input.eventTime, actor: input.actor }
    )
  })
})

const viewOf = (row: PendingRow): PendingLabel => {
  const record = JSON.parse(row.packed) as PendingRecord
  return {
    parcelId: row.parcel_id,
    orderId: record.packed.orderId,
    carrier: row.carrier,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAtMs: Number(row.next_attempt_at_ms),
    since: Number(row.created_at_ms),
    mayHaveReachedCarrier: Number(row.may_have_reached_carrier) === 1,
    ...(row.withheld === null ? {} : { withheld: row.withheld }),
    ...(row.refused === null ? {} : isUnprintable(row) ? { unprintable: row.refused } : { refused: row.refused })
  }
}

/** What the worker does with a due label, decided in the transaction that writes what it decided. */
type Decision =
  | { readonly _tag: "gone" }
  | { readonly _tag: "withheld"; readonly changed: boolean }
  | { readonly _tag: "api-gone" }
  | { readonly _tag: "ask"; readonly reachedBefore: boolean; readonly resumed: boolean }
  | { readonly _tag: "offline"; readonly resumed: boolean }

/**
 * Parcels packed while their carrier's label service was out of reach, and the worker that gets their labels.
 * A parcel its order no longer wants as it is (`parcelHold`: cancelled, other items, another address):
 * - while no request for its label can have reached the carrier, the label is not asked for (a shipment made only to
 *   be voided, and often billed): the row is `withheld`, `pack.exception` says why once, and a manager voids the
 *   parcel (`PackedParcels`). A hold the shop takes back (a cancellation withdrawn, the lines or the address as they
 *   were) lets the label be asked for again at once: the order's message makes the row due in its commit and wakes
 *   the worker (`orderChanged`); the row is also looked at again every longest delay;
 * - once one may have (a timeout after sending, a 5xx), the carrier is asked again under the same idempotency key,
 *   as that is how the station learns whether a shipment exists, so that voiding can cancel it: the label that comes
 *   is recorded but not printed. A manager may void the parcel before it comes (`PackedParcels`): its row goes, and
 *   the shipment's cancellation learns the number under the same key (`CarrierCancellations`).
 * Whether a request may have reached the carrier is written before each request leaves and cleared only when its
 * connection was refused, so a void, or a crash, in between finds that a shipment may exist.
 * A carrier that refuses the label (a 4xx that is its answer to the request: a bad address, a product it does not
 * ship) made no shipment for it, and none under its key: every request for the label is the same request, so an
 * earlier one that may have arrived was refused the same way, or, had it made a shipment, the carrier would answer
 * the repeat with that shipment. The label is not asked for again (asking again gets the same refusal): the row is
 * `refused` with the carrier's words, `pack.exception` `label-refused` says so, the header counts it apart, and a
 * manager voids the parcel as one for which no request reached the carrier (`PackedParcels`).
 * A label the carrier made but the station cannot print (the encoder refuses a field of it: a routing code no printer
 * takes, a name too long) would be answered again as it is, under the same key: it is not asked for again either. The
 * row is `refused` with why and keeps the shipment's number (`PendingRecord.unprintable`; `may_have_reached_carrier`
 * stays 1: the carrier made a shipment), `pack.exception` `label-unprintable` says so, the header counts it apart
 * from the carrier's refusals, and a manager voids the parcel, which cancels the shipment (`CarrierCancellations`).
 * A carrier no longer set up for its web service (the station's configuration changed while the parcel waited) is
 * not asked under the key, and its label does not come from the station's own numbers while a request for it may have
 * reached the carrier: that shipment may exist, billed and never used, and the parcel would leave under another
 * number. The row is held (`last_error` says why, counted apart as `apiGone`, `pack.exception` `label-pending` variant
 * `apiGone` once) and looked at again every longest delay, so the label is asked for under the key once the web
 * service is set up again; or a manager voids the parcel, which records the cancellation of the shipment the request
 * may have made (kept for a person while the web service is not set up: `CarrierCancellations`). A label no request
 * for which can have reached the carrier comes from the carrier as it is set up now, its numbers taken in the
 * transaction that labels the parcel, and the parcel keeps that its label is not the web service's.
 * Exactly once: the label's print job, the parcel's tracking number, `parcel.packed` and the removal of the pending
 * row commit in one transaction, and a row already gone is skipped, so a second pass (or a restart after the carrier
 * answered but before the commit) prints nothing twice. The carrier itself is asked again in that case; the request
 * carries the parcel id, which label services take as the idempotency key, so it answers with the same label.
 */
export class PendingLabels extends Context.Service<
  PendingLabels,
  {
    readonly list: Effect.Effect<ReadonlyArray<PendingLabel>, StoreError>
    /**
     * Parcels waiting for a label the station asks the carrier for, for one it withholds, for one the carrier refused,
     * and for one the carrier made but the station cannot print.
     */
    readonly counts: Effect.Effect<
      {
        readonly asking: number
        readonly withheld: number
        readonly refused: number
        readonly unprintable: number
        /** Held as their carrier is no longer set up for its web service and a request may have reached it. */
        readonly apiGone: number
      },
      StoreError
    >
    /** Asks the carrier for every label due, not withheld and not refused; answers how many parcels got theirs. */
    readonly retryDue: Effect.Effect<number, StoreError>
    /**
     * In the transaction of a shop's message that changed the order: a label withheld for it whose hold is lifted now
     * is due at once, and the worker is woken to ask for it (not left until its next look, up to the longest delay).
     */
    readonly orderChanged: (orderId: string) => Effect.Effect<void, StoreError>
    /**
     * Retries due labels for as long as the scope lives; `onChange` runs after a pass that changed something a person
     * sees (a label in, a label withheld or asked for again).
     */
    readonly work: (onChange: Effect.Effect<void>) => Effect.Effect<never, StoreError>
  }
>()("packbench/core/pack/PendingLabels") {
  static readonly layer = (options: { readonly labelDpi?: LabelDpi; readonly retry?: RetryPolicy }) =>
    Layer.effect(
      PendingLabels,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const clock = yield* StationClock
        const printQueue = yield* PrintQueue
        const carriers = yield* Carriers
        const dpi = options.labelDpi ?? 203
        const isApiCarrier = apiCarrierOf(carriers)
        const policy = options.retry ?? defaultRetryPolicy
        const doorbell = makeDoorbell()
        const worker = yield* makeCarrierRequestWorker<PendingRow>({
          table: "pending_labels",
          key: "parcel_id",
          waiting: "refused IS NULL",
          policy,
          attempt: (row) => attempt(row),
          doorbell
        })

        const list = sql
          .query<PendingRow>("SELECT * FROM pending_labels ORDER BY created_at_ms, parcel_id")
          .pipe(Effect.map((rows) => rows.map(viewOf)))

        // Per carrier, as whether a carrier is set up for its web service is the configuration's, not the database's.
        const counts = sql
          .query<{
            carrier: string
            asking: number | null
            reached: number | null
            withheld: number | null
            refused: number | null
            unprintable: number | null
          }>(
            `SELECT carrier, SUM(refused IS NULL AND withheld IS NULL) AS asking,
               SUM(refused IS NULL AND withheld IS NULL AND may_have_reached_carrier = 1) AS reached,
               SUM(refused IS NULL AND withheld IS NOT NULL) AS withheld,
               SUM(refused IS NOT NULL AND may_have_reached_carrier = 0) AS refused,
               SUM(refused IS NOT NULL AND may_have_reached_carrier = 1) AS unprintable
             FROM pending_labels GROUP BY carrier`
          )
          .pipe(
            Effect.map((rows) => {
              const total = { asking: 0, withheld: 0, refused: 0, unprintable: 0, apiGone: 0 }
              for (const row of rows) {
                const apiGone = isApiCarrier(row.carrier) ? 0 : Number(row.reached ?? 0)
                total.asking += Number(row.asking ?? 0) - apiGone
                total.apiGone += apiGone
                total.withheld += Number(row.withheld ?? 0)
                total.refused += Number(row.refused ?? 0)
                total.unprintable += Number(row.unprintable ?? 0)
              }
              return total
            })
          )

        /** `neverReached`: no request for the label, this one included, can have reached the carrier. */
        const postpone = (row: PendingRow, reason: string, neverReached: boolean) =>
          worker.postpone(row, reason, { may_have_reached_carrier: neverReached ? 0 : 1 })

        /** `online`: the carrier is set up for its web service now, so a request for the label leaves the station. */
        const decide = (row: PendingRow, online: boolean) =>
          sql.transaction(
            Effect.gen(function* () {
              const rows = yield* sql.query<
                ParcelHoldRow & Pick<PendingRow, "may_have_reached_carrier" | "withheld"> & { order_id: string }
              >(
                `SELECT p.order_id, p.data, ${PARCEL_HOLD_COLUMNS}, l.may_have_reached_carrier, l.withheld
                 FROM pending_labels l JOIN parcels p ON p.parcel_id = l.parcel_id
                 LEFT JOIN orders o ON o.order_id = p.order_id WHERE l.parcel_id = ?`,
                [row.parcel_id]
              )
              const current = rows[0]
              if (current === undefined) return { _tag: "gone" } satisfies Decision
              const reached = Number(current.may_have_reached_carrier) === 1
              const hold = parcelHold(current)
              if (hold !== undefined && !reached) {
                const now = yield* clock.now
                yield* sql.execute(
                  "UPDATE pending_labels SET withheld = ?, next_attempt_at_ms = ? WHERE parcel_id = ?",
                  [hold, now.wallMs + policy.maxDelayMs, row.parcel_id]
                )
                if (current.withheld === hold) return { _tag: "withheld", changed: false } satisfies Decision
                const refusal = makeRefusal(hold, "withheld", { orderId: current.order_id, parcelId: row.parcel_id })
                yield* log.append(PackException, {
                  code: refusal.code,
                  reason: refusal.reason,
                  orderId: current.order_id
                })
                return { _tag: "withheld", changed: true } satisfies Decision
              }
              if (reached && !online) return { _tag: "api-gone" } satisfies Decision
              if (!online) {
                if (current.withheld !== null) {
                  yield* sql.execute("UPDATE pending_labels SET withheld = NULL WHERE parcel_id = ?", [row.parcel_id])
                }
                return { _tag: "offline", resumed: current.withheld !== null } satisfies Decision
              }
              if (!reached || current.withheld !== null) {
                yield* sql.execute(
                  "UPDATE pending_labels SET may_have_reached_carrier = 1, withheld = NULL WHERE parcel_id = ?",
                  [row.parcel_id]
                )
              }
              return { _tag: "ask", reachedBefore: reached, resumed: current.withheld !== null } satisfies Decision
            })
          )

        /** `fromApi`: the carrier's web service made the label (and a shipment), so voiding the parcel cancels it. */
        const complete = (
          row: PendingRow,
          record: PendingRecord,
          label: ShippingLabel,
          bytes: Uint8Array,
          fromApi: boolean
        ) =>
          sql.transaction(
            Effect.gen(function* () {
              const still = yield* sql.query<ParcelHoldRow & Pick<PendingRow, "packed">>(
                `SELECT p.data, ${PARCEL_HOLD_COLUMNS}, l.packed FROM pending_labels l
                 JOIN parcels p ON p.parcel_id = l.parcel_id LEFT JOIN orders o ON o.order_id = p.order_id
                 WHERE l.parcel_id = ?`,
                [row.parcel_id]
              )
              if (still[0] === undefined) return false
              // Read again here, not taken from before the carrier was asked: the shop may have numbered the order's
              // lines anew meanwhile, and `renumberParcelLines` moved the parcel's items onto the new lines.
              const { packed } = JSON.parse(still[0].packed) as PendingRecord
              yield* sql.execute("DELETE FROM pending_labels WHERE parcel_id = ?", [row.parcel_id])
              yield* sql.execute(
                `UPDATE parcels SET status = 'packed', tracking_number = ?,
                   data = json_set(data, '$.label', json(?), '$.labelFromCarrierApi', json(?)) WHERE parcel_id = ?`,
                [label.trackingNumber, JSON.stringify(label), fromApi ? "true" : "false", row.parcel_id]
              )
              // The shop cancelled the order or corrected its address while the parcel waited: the label is kept (its
              // tracking number is what voiding cancels with the carrier) but not printed, and the refusal says what
              // to do instead.
              const hold = parcelHold(still[0])
              if (hold !== undefined) {
                const refusal = makeRefusal(hold, "pending", {
                  orderId: packed.orderId,
                  parcelId: row.parcel_id
                })
                yield* log.append(PackException, {
                  code: refusal.code,
                  reason: refusal.reason,
                  orderId: packed.orderId
                })
              } else {
                yield* printQueue.enqueue({ printer: "label", purpose: `label ${row.parcel_id}`, bytes })
              }
              yield* log.append(
                ParcelPacked,
                { ...packed, trackingNumber: label.trackingNumber },
                { eventTime: record.eventTime, actor: record.actor }
              )
              return true
            })
          )

        /**
         * The carrier refused the label, so no shipment exists under its key (see above): not asked for again, and
         * voidable as a parcel no request for which reached the carrier. False: the row went meanwhile (a void).
         */
        const refuse = (row: PendingRow, record: PendingRecord, message: string) =>
          sql.transaction(
            Effect.gen(function* () {
              const updated = yield* sql.execute(
                `UPDATE pending_labels SET attempts = attempts + 1, last_error = ?, refused = ?,
                   may_have_reached_carrier = 0 WHERE parcel_id = ?`,
                [message, message, row.parcel_id]
              )
              if (updated.changes === 0) return false
              const refusal = makeRefusal("label-refused", "pending", {
                carrier: row.carrier,
                parcelId: row.parcel_id,
                orderId: record.packed.orderId,
                message: quotedRefusal(message)
              })
              yield* log.append(PackException, {
                code: refusal.code,
                reason: refusal.reason,
                orderId: record.packed.orderId
              })
              return true
            })
          )

        /**
         * The carrier made a shipment but its label cannot be printed, and asking again under the key answers with the
         * same label: not asked for again, and voidable, which cancels the shipment (see above). False: the row went
         * meanwhile (a void).
         */
        const unprintable = (row: PendingRow, record: PendingRecord, label: ShippingLabel, problem: string) =>
          sql.transaction(
            Effect.gen(function* () {
              const message = `The label of shipment ${label.trackingNumber} cannot be printed: ${problem}`
              const shipment: UnprintableShipment = { trackingNumber: label.trackingNumber, problem }
              const updated = yield* sql.execute(
                `UPDATE pending_labels SET attempts = attempts + 1, last_error = ?, refused = ?,
                   may_have_reached_carrier = 1, packed = json_set(packed, '$.unprintable', json(?)) WHERE parcel_id = ?`,
                [message, message, JSON.stringify(shipment), row.parcel_id]
              )
              if (updated.changes === 0) return false
              const refusal = makeRefusal("label-unprintable", "pending", {
                carrier: row.carrier,
                trackingNumber: label.trackingNumber,
                parcelId: row.parcel_id,
                orderId: record.packed.orderId,
                message: problem
              })
              yield* log.append(PackException, {
                code: refusal.code,
                reason: refusal.reason,
                orderId: record.packed.orderId
              })
              return true
            })
          )

        /**
         * The carrier is no longer set up for its web service and a request for the label may have reached it: held,
         * looked at again at the longest delay; whether that is news (the row is still there, and says it first now).
         */
        const holdForApi = (row: PendingRow, record: PendingRecord) =>
          sql.transaction(
            Effect.gen(function* () {
              const now = yield* clock.now
              const refusal = makeRefusal("label-pending", "apiGone", {
                carrier: row.carrier,
                parcelId: row.parcel_id,
                orderId: record.packed.orderId
              })
              const updated = yield* sql.execute(
                `UPDATE pending_labels SET attempts = attempts + 1, last_error = ?, next_attempt_at_ms = ?
                 WHERE parcel_id = ?`,
                [refusal.reason, now.wallMs + policy.maxDelayMs, row.parcel_id]
              )
              if (updated.changes === 0 || row.last_error === refusal.reason) return false
              yield* log.append(PackException, {
                code: refusal.code,
                reason: refusal.reason,
                orderId: record.packed.orderId
              })
              yield* Effect.logWarning(refusal.reason)
              return true
            })
          )

        /**
         * A label no request for which can have reached the carrier, from the carrier as it is set up now: its number
         * is taken in the transaction that labels the parcel, so a failure (a range used up, a label that cannot be
         * encoded) gives it back, and the row waits with why.
         */
        const labelOffline = (row: PendingRow, record: PendingRecord, adapter: CarrierAdapter) =>
          sql
            .transaction(
              Effect.gen(function* () {
                const outcome = yield* adapter.createLabel(JSON.parse(row.request) as LabelRequest)
                if (outcome.status === "pending") return outcome
                const label = labelFrom(record.draft, outcome)
                const bytes = yield* encodeZpl(label, { dpi })
                return { status: "labelled" as const, labelled: yield* complete(row, record, label, bytes, false) }
              })
            )
            .pipe(
              Effect.catchTags({
                CarrierError: (error) => Effect.succeed({ status: "pending" as const, reason: error.message }),
                LabelContentError: (error) => Effect.succeed({ status: "pending" as const, reason: error.message })
              })
            )

        /** Whether the parcel got its label, and whether anything a person sees changed (withheld, asked again). */
        const attempt = (row: PendingRow): Effect.Effect<AttemptOutcome, StoreError> =>
          Effect.gen(function* () {
            const adapter = carriers.adapter(row.carrier)
            const decision = yield* decide(row, adapter?.online === true)
            if (decision._tag === "gone") return { done: false, changed: false }
            if (decision._tag === "withheld") return { done: false, changed: decision.changed }
            const record = JSON.parse(row.packed) as PendingRecord
            if (decision._tag === "api-gone") return { done: false, changed: yield* holdForApi(row, record) }
            const changed = decision.resumed
            if (adapter === undefined) {
              yield* postpone(row, `This station has no carrier ${row.carrier} set up`, true)
              return { done: false, changed }
            }
            if (decision._tag === "offline") {
              const offline = yield* labelOffline(row, record, adapter)
              if (offline.status === "labelled") {
                return { done: offline.labelled, changed: changed || offline.labelled }
              }
              yield* postpone(row, offline.reason, true)
              return { done: false, changed }
            }
            const neverReached = (thisOne: boolean) => !decision.reachedBefore && !thisOne
            const outcome = yield* Effect.result(adapter.createLabel(JSON.parse(row.request) as LabelRequest))
            if (outcome._tag === "Failure" && outcome.failure.reason === "refused") {
              return { done: false, changed: (yield* refuse(row, record, outcome.failure.message)) || changed }
            }
            if (outcome._tag === "Failure") {
              // The station's own failure to make the request (a carrier set up without its numbers): nothing left it.
              yield* postpone(row, outcome.failure.message, neverReached(false))
              return { done: false, changed }
            }
            if (outcome.success.status === "pending") {
              yield* postpone(row, outcome.success.reason, neverReached(outcome.success.mayHaveReachedCarrier))
              return { done: false, changed }
            }
            const label = labelFrom(record.draft, outcome.success)
            const encoded = yield* Effect.result(encodeZpl(label, { dpi }))
            if (encoded._tag === "Failure") {
              const said = yield* unprintable(row, record, label, encoded.failure.message)
              return { done: false, changed: said || changed }
            }
            const labelled = yield* complete(row, record, label, encoded.success, true)
            return { done: labelled, changed: changed || labelled }
          })

        const retryDue = Effect.map(worker.pass, (outcome) => outcome.done)

        const orderChanged = (orderId: string) =>
          Effect.gen(function* () {
            const withheld = yield* sql.query<ParcelHoldRow & { parcel_id: string }>(
              `SELECT l.parcel_id, p.data, ${PARCEL_HOLD_COLUMNS} FROM pending_labels l
               JOIN parcels p ON p.parcel_id = l.parcel_id LEFT JOIN orders o ON o.order_id = p.order_id
               WHERE p.order_id = ? AND l.withheld IS NOT NULL AND l.refused IS NULL`,
              [orderId]
            )
            const lifted = withheld.filter((row) => parcelHold(row) === undefined)
            if (lifted.length === 0) return
            const now = yield* clock.now
            for (const row of lifted) {
              yield* sql.execute("UPDATE pending_labels SET next_attempt_at_ms = ? WHERE parcel_id = ?", [
                now.wallMs,
                row.parcel_id
              ])
            }
            // Rung inside the transaction: on the station's one SQLite connection the worker's pass waits for the
            // lock until the commit (see `Doorbell`).
            doorbell.ring()
          })

        return PendingLabels.of({ list, counts, retryDue, orderChanged, work: worker.work })
      })
    )
}
