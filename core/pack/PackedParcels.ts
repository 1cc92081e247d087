/** Reprinting and voiding a parcel that was packed and is still at the bench. */
import { Effect, Ref } from "effect"
import type { LabelRequest } from "../carrier/CarrierAdapter.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { EventLog } from "../events/EventLog.ts"
import { encodeZpl } from "../label/encodeZpl.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { cancellationRecorder } from "./CarrierCancellations.ts"
import type { PackBenchState } from "./PackBenchState.ts"
import type { PackConfig } from "./PackConfig.ts"
import { PackError, storeFailure } from "./PackError.ts"
import { ParcelVoided, ParcelVoidedBeforeLabel } from "./PackEvents.ts"
import { makeRefusal } from "./PackRefusal.ts"
import { idleSession } from "./PackSession.ts"
import type { PrintJobRef } from "./PackView.ts"
import { type ParcelData, type ParcelRow, parcelViewOf } from "./ParcelRow.ts"
import { unprintableShipmentOf } from "./PendingLabels.ts"
import { PARCEL_HOLD_COLUMNS, type ParcelHoldRow, parcelHold } from "./parcelHold.ts"

const jobRef = (job: PrintJobRef): PrintJobRef => ({ id: job.id, printer: job.printer, purpose: job.purpose })

/**
 * What happens to a parcel after it was packed, while it is still at the bench: its label printed again (not when
 * its order changed since: see `parcelHold`), or the parcel voided by a manager (the order open again to be packed
 * anew unless the shop cancelled it, `parcel.voided` recorded, and the shipment's cancellation at its carrier
 * recorded for `CarrierCancellations` to send). A parcel still waiting for its label is voided too
 * (`parcel.voided-before-label`), its pending request withdrawn in the void's commit, so the label is never asked for
 * again, nor recorded or printed should a request on its way bring it (`PendingLabels`). While no request for the label
 * can have reached the carrier, that is all: no shipment was made. Once one may have, a shipment may exist, which the
 * carrier cancels by its number only: the void records its cancellation under the request's key, and
 * `CarrierCancellations` learns the number by asking again under it (as for a packing left), then cancels it; a label
 * the carrier made that cannot be printed names its shipment's number at once.
 */
export const makePackedParcels = (config: PackConfig, bench: PackBenchState) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock
    const session = yield* Session
    const printQueue = yield* PrintQueue
    const carriers = yield* Carriers
    const recordCancellation = yield* cancellationRecorder
    const dpi = config.labelDpi ?? 203
    const packer = session.require(["packer", "manager"])

    const parcelRow = (parcelId: string) =>
      sql
        .query<ParcelRow & ParcelHoldRow>(
          `SELECT p.*, ${PARCEL_HOLD_COLUMNS} FROM parcels p LEFT JOIN orders o ON o.order_id = p.order_id
           WHERE p.parcel_id = ?`,
          [parcelId]
        )
        .pipe(Effect.map((rows) => rows[0]))
    const findParcel = (parcelId: string) => Effect.mapError(parcelRow(parcelId), storeFailure)

    const reprint = Effect.fn("PackService.reprint")(function* (input: { readonly parcelId: string }) {
      yield* packer
      const row = yield* findParcel(input.parcelId)
      if (row === undefined || row.status === "voided") {
        return yield* new PackError({ reason: "parcel-unknown", message: `No packed parcel ${input.parcelId}` })
      }
      const data = JSON.parse(row.data) as ParcelData
      if (data.label === undefined) {
        return yield* new PackError({
          reason: "label-pending",
          message: `Parcel ${row.parcel_id} has no label yet: it prints by itself when ${row.carrier} answers`
        })
      }
      const hold = parcelHold(row)
      if (hold !== undefined) {
        return yield* new PackError({
          reason: hold,
          message: makeRefusal(hold, "reprint", { orderId: row.order_id, parcelId: row.parcel_id }).reason
        })
      }
      const bytes = yield* encodeZpl(data.label, { dpi }).pipe(
        Effect.mapError((error) => new PackError({ reason: "label-content", message: error.message }))
      )
      const job = yield* printQueue
        .enqueue({ printer: "label", purpose: `label ${row.parcel_id} (reprint)`, bytes })
        .pipe(Effect.mapError(storeFailure))
      return [jobRef(job)]
    })

    /** The order opens to be packed again only while it is packed: one the shop cancelled stays cancelled. */
    const reopenOrder = (orderId: string) =>
      Effect.flatMap(clock.now, (now) =>
        sql.execute(
          "UPDATE orders SET status = 'open', data = json_set(data, '$.status', 'open'), updated_at_ms = ? WHERE order_id = ? AND status = 'packed'",
          [now.wallMs, orderId]
        )
      )

    /** The parcel is off the bench's screen once voided: the packer starts afresh. */
    const leaveBench = (parcelId: string) =>
      Effect.gen(function* () {
        const packed = yield* Ref.get(bench.lastParcel)
        if (packed?.parcel.parcelId === parcelId) {
          yield* Ref.set(bench.lastParcel, null)
          yield* Ref.set(bench.current, idleSession)
        }
      })

    /**
     * Voids a parcel waiting for its label, withdrawing its request in the same commit, so the worker, which marks a
     * request as possibly arrived in a commit of its own before sending it, never sends it, and a label it is asking
     * for now is never recorded, nor printed (its row is gone). When a request may have reached the carrier (the
     * worker's mark), the shipment it may have made is cancelled: its cancellation is recorded in the same commit, by
     * its number when the station has it (a label that cannot be printed), else by the request, under whose key
     * `CarrierCancellations` learns it. `not-pending`: the label came meanwhile (or the parcel is gone).
     */
    const voidBeforeLabel = (row: ParcelRow, reason: string, at: Timestamp, operator: Operator) =>
      sql.transaction(
        Effect.gen(function* () {
          const rows = yield* sql.query<{
            status: string
            request: string | null
            packed: string | null
            refused: string | null
            may_have_reached_carrier: number | null
          }>(
            `SELECT p.status, l.request, l.packed, l.refused, l.may_have_reached_carrier FROM parcels p
             LEFT JOIN pending_labels l ON l.parcel_id = p.parcel_id WHERE p.parcel_id = ?`,
            [row.parcel_id]
          )
          const current = rows[0]
          if (current?.status !== "label-pending") return "not-pending" as const
          const { request, packed, refused, may_have_reached_carrier } = current
          if (request === null || packed === null || may_have_reached_carrier === null) {
            // Both rows are written and removed together (ParcelCompletion, PendingLabels): one without the other is
            // a broken database, not a parcel to void.
            return yield* Effect.die(
              new Error(`Parcel ${row.parcel_id} waits for its label, but no request for the label is pending`)
            )
          }
          const unprintable = unprintableShipmentOf({
            parcel_id: row.parcel_id,
            carrier: row.carrier,
            packed,
            refused,
            may_have_reached_carrier
          })
          const data = JSON.parse(row.data) as ParcelData
          yield* sql.execute("DELETE FROM pending_labels WHERE parcel_id = ?", [row.parcel_id])
          yield* sql.execute("UPDATE parcels SET status = 'voided' WHERE parcel_id = ?", [row.parcel_id])
          yield* reopenOrder(row.order_id)
          yield* log.append(
            ParcelVoidedBeforeLabel,
            {
              orderId: row.order_id,
              parcelId: row.parcel_id,
              carrier: row.carrier,
              ...(data.ssccUrn === undefined ? {} : { ssccUrn: data.ssccUrn }),
              reason
            },
            { eventTime: at, actor: actorOf(operator) }
          )
          if (Number(may_have_reached_carrier) === 1) {
            // A shipment may exist (one whose label cannot be printed does): it stays live there until cancelled.
            const labelRequest = JSON.parse(request) as LabelRequest
            const ids = { parcelId: row.parcel_id, orderId: row.order_id, carrier: row.carrier, reason }
            yield* recordCancellation(
              unprintable === undefined
                ? { ...ids, trackingNumber: null, labelRequest }
                : { ...ids, trackingNumber: unprintable.trackingNumber, labelRequest }
            )
          }
          return "voided" as const
        })
      )

    /**
     * Voids a labelled parcel. A carrier whose web service made the label keeps the shipment live until it cancels it,
     * and may be out of reach now: the cancellation is recorded in the void's commit and `CarrierCancellations` sends
     * it until the carrier answered.
     */
    const voidLabelled = (
      row: ParcelRow & { readonly tracking_number: string },
      reason: string,
      at: Timestamp,
      operator: Operator
    ) => {
      const trackingNumber = row.tracking_number
      const data = JSON.parse(row.data) as ParcelData
      return sql
        .transaction(
          Effect.gen(function* () {
            yield* sql.execute("UPDATE parcels SET status = 'voided' WHERE parcel_id = ?", [row.parcel_id])
            yield* reopenOrder(row.order_id)
            yield* log.append(
              ParcelVoided,
              {
                orderId: row.order_id,
                parcelId: row.parcel_id,
                carrier: row.carrier,
                trackingNumber,
                ...(data.ssccUrn === undefined ? {} : { ssccUrn: data.ssccUrn }),
                reason
              },
              { eventTime: at, actor: actorOf(operator) }
            )
            // The carrier's web service made the label: its shipment is cancelled there, even when the carrier is no
            // longer set up for it (`CarrierCancellations` then asks a person to).
            if (data.labelFromCarrierApi ?? carriers.adapter(row.carrier)?.online === true) {
              yield* recordCancellation({
                parcelId: row.parcel_id,
                orderId: row.order_id,
                carrier: row.carrier,
                trackingNumber,
                reason
              })
            }
          })
        )
        .pipe(Effect.mapError(storeFailure))
    }

    const notVoidable = (parcelId: string, row: ParcelRow | undefined) =>
      new PackError({
        reason: row === undefined ? "parcel-unknown" : "parcel-not-voidable",
        message:
          row === undefined
            ? `No parcel ${parcelId}`
            : `Parcel ${parcelId} is ${row.status}: only a parcel still at the bench (packed, or waiting for its label) can be voided`
      })

    const voidParcel = Effect.fn("PackService.voidParcel")(function* (input: {
      readonly parcelId: string
      readonly reason: string
      readonly at?: Timestamp
    }) {
      const operator = yield* session.require(["manager"])
      const at = input.at ?? (yield* clock.now)
      const reason = input.reason.trim()
      let row = yield* findParcel(input.parcelId)
      if (row === undefined || (row.status !== "packed" && row.status !== "label-pending")) {
        return yield* notVoidable(input.parcelId, row)
      }
      if (reason === "") {
        return yield* new PackError({ reason: "reason-required", message: "Say why the parcel is voided" })
      }
      if (row.status === "label-pending") {
        const outcome = yield* voidBeforeLabel(row, reason, at, operator).pipe(Effect.mapError(storeFailure))
        if (outcome === "voided") {
          yield* leaveBench(row.parcel_id)
          return parcelViewOf({ ...row, status: "voided" })
        }
        // The label came while the manager decided: the parcel is voided as a labelled one.
        row = yield* findParcel(input.parcelId)
      }
      if (row === undefined || row.status !== "packed" || row.tracking_number === null) {
        return yield* notVoidable(input.parcelId, row)
      }
      yield* voidLabelled({ ...row, tracking_number: row.tracking_number }, reason, at, operator)
      yield* leaveBench(row.parcel_id)
      return parcelViewOf({ ...row, status: "voided" })
    })

    const parcel = (parcelId: string) =>
      Effect.map(findParcel(parcelId), (row) => (row === undefined ? undefined : parcelViewOf(row)))

    /** What holds a packed parcel at the station now (`parcelHold`); the store's own error, for the order inbox. */
    const hold = (parcelId: string) =>
      Effect.map(parcelRow(parcelId), (row) => (row === undefined ? undefined : parcelHold(row)))

    return { reprint, voidParcel, parcel, hold }
  })
