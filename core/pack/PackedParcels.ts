/** Reprinting and voiding a parcel that was packed and is still at the bench. */
import { Effect, Ref } from "effect"
import { Carriers } from "../carrier/Carriers.ts"
import { EventLog } from "../events/EventLog.ts"
import { encodeZpl } from "../label/encodeZpl.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { actorOf } from "../session/Operator.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import type { PackBenchState } from "./PackBenchState.ts"
import type { PackConfig } from "./PackConfig.ts"
import { PackError, storeFailure } from "./PackError.ts"
import { ParcelVoided } from "./PackEvents.ts"
import { makeRefusal } from "./PackRefusal.ts"
import { idleSession } from "./PackSession.ts"
import type { PrintJobRef } from "./PackView.ts"
import { type ParcelData, type ParcelRow, parcelViewOf } from "./ParcelRow.ts"
import { PARCEL_HOLD_COLUMNS, type ParcelHoldRow, parcelHold } from "./parcelHold.ts"

const jobRef = (job: PrintJobRef): PrintJobRef => ({ id: job.id, printer: job.printer, purpose: job.purpose })

/**
 * What happens to a parcel after it was packed, while it is still at the bench: its label printed again (not when
 * its order changed since: see `parcelHold`), or the parcel voided by a manager (the carrier's label cancelled, the
 * order open again to be packed anew unless the shop cancelled it, `parcel.voided` recorded).
 */
export const makePackedParcels = (config: PackConfig, bench: PackBenchState) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock
    const session = yield* Session
    const printQueue = yield* PrintQueue
    const carriers = yield* Carriers
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

    const voidParcel = Effect.fn("PackService.voidParcel")(function* (input: {
      readonly parcelId: string
      readonly reason: string
      readonly at?: Timestamp
    }) {
      const operator = yield* session.require(["manager"])
      const at = input.at ?? (yield* clock.now)
      const row = yield* findParcel(input.parcelId)
      if (row === undefined || row.status !== "packed" || row.tracking_number === null) {
        return yield* new PackError({
          reason: row === undefined ? "parcel-unknown" : "parcel-not-voidable",
          message:
            row === undefined
              ? `No parcel ${input.parcelId}`
              : `Parcel ${input.parcelId} is ${row.status}: only a packed parcel still at the bench can be voided`
        })
      }
      if (input.reason.trim() === "") {
        return yield* new PackError({ reason: "reason-required", message: "Say why the parcel is voided" })
      }
      const trackingNumber = row.tracking_number
      const adapter = carriers.adapter(row.carrier)
      if (adapter !== undefined) {
        yield* adapter
          .voidLabel(trackingNumber)
          .pipe(Effect.mapError((error) => new PackError({ reason: "carrier-refused", message: error.message })))
      }
      const data = JSON.parse(row.data) as ParcelData
      const now = yield* clock.now
      yield* sql
        .transaction(
          Effect.gen(function* () {
            yield* sql.execute("UPDATE parcels SET status = 'voided' WHERE parcel_id = ?", [row.parcel_id])
            // The order opens to be packed again only while it is packed: one the shop cancelled after packing stays
            // cancelled, and its items go back to stock.
            yield* sql.execute(
              "UPDATE orders SET status = 'open', data = json_set(data, '$.status', 'open'), updated_at_ms = ? WHERE order_id = ? AND status = 'packed'",
              [now.wallMs, row.order_id]
            )
            yield* log.append(
              ParcelVoided,
              {
                orderId: row.order_id,
                parcelId: row.parcel_id,
                carrier: row.carrier,
                trackingNumber,
                ...(data.ssccUrn === undefined ? {} : { ssccUrn: data.ssccUrn }),
                reason: input.reason.trim()
              },
              { eventTime: at, actor: actorOf(operator) }
            )
          })
        )
        .pipe(Effect.mapError(storeFailure))
      const packed = yield* Ref.get(bench.lastParcel)
      if (packed?.parcel.parcelId === row.parcel_id) {
        yield* Ref.set(bench.lastParcel, null)
        yield* Ref.set(bench.current, idleSession)
      }
      return parcelViewOf({ ...row, status: "voided" })
    })

    const parcel = (parcelId: string) =>
      Effect.map(findParcel(parcelId), (row) => (row === undefined ? undefined : parcelViewOf(row)))

    /** What holds a packed parcel at the station now (`parcelHold`); the store's own error, for the order inbox. */
    const hold = (parcelId: string) =>
      Effect.map(parcelRow(parcelId), (row) => (row === undefined ? undefined : parcelHold(row)))

    return { reprint, voidParcel, parcel, hold }
  })
