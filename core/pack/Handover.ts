/** Handing parcels to a carrier's driver: batches, parcel scans and the manifest. */
import { Context, Effect, Layer, Ref } from "effect"
import { capRawScan } from "../bounds/Bounds.ts"
import { apiCarrierOf, Carriers } from "../carrier/Carriers.ts"
import { EventLog } from "../events/EventLog.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { identifyScan } from "../scan/identify.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Session } from "../session/Session.ts"
import type { SessionError } from "../session/SessionError.ts"
import { nextCounter } from "../station/Counters.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { StationSettings } from "../station/StationSettings.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { DEFAULT_SITE_TIME_ZONE, formatSiteTime } from "../time/SiteTime.ts"
import { encodeManifestZpl } from "./encodeManifestZpl.ts"
import { HandoverError, handoverStoreFailure } from "./HandoverError.ts"
import type { HandoverView } from "./HandoverView.ts"
import { PackException, ParcelHandedToCarrier } from "./PackEvents.ts"
import { makeRefusal, type Refusal } from "./PackRefusal.ts"
import { isUnprintable } from "./PendingLabels.ts"
import { PARCEL_HOLD_COLUMNS, type ParcelHoldRow, parcelHold } from "./parcelHold.ts"

interface ScanRow extends ParcelHoldRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly tracking_number: string
  readonly scanned_wall_ms: number
  readonly scanned_mono_ns: string
  readonly ntp_offset_ms: number | null
}

interface BatchRow {
  readonly batch_id: string
  readonly carrier: string
  readonly opened_at_ms: number
}

const storeFailure = handoverStoreFailure

/**
 * Handing parcels to a carrier's driver: open a batch for the carrier, scan each parcel into it (every scan is
 * stored at once with its time), close it. Closing prints the manifest and records one `parcel.handed-to-carrier`
 * per parcel, stamped with the time that parcel was scanned, in the same transaction as the status changes.
 */
export class Handover extends Context.Service<
  Handover,
  {
    readonly state: Effect.Effect<HandoverView, HandoverError | SessionError>
    readonly open: (input: { readonly carrier: string }) => Effect.Effect<HandoverView, HandoverError | SessionError>
    /** How handover reads a scan: a parcel code, or a tracking number before anything else it could be. */
    readonly identify: (raw: string) => ScanResult
    /** Applies a scan; one a caller already identified with `identify` (a device scan) is not identified again. */
    readonly scan: (input: {
      readonly raw: string
      readonly at?: Timestamp
      readonly identified?: ScanResult
    }) => Effect.Effect<HandoverView, HandoverError | SessionError>
    readonly close: (input: { readonly at?: Timestamp }) => Effect.Effect<HandoverView, HandoverError | SessionError>
  }
>()("packbench/core/pack/Handover") {
  /** `timeZone`: the site's, in which the manifest prints when the batch was closed. */
  static readonly layer = (options: { readonly timeZone: string } = { timeZone: DEFAULT_SITE_TIME_ZONE }) =>
    Layer.effect(
      Handover,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const clock = yield* StationClock
        const session = yield* Session
        const printQueue = yield* PrintQueue
        const identity = yield* StationIdentity
        const settings = yield* StationSettings
        const carriers = yield* Carriers
        const lastManifest = yield* Ref.make<HandoverView["manifest"]>(null)
        const operatorOf = session.require(["packer", "manager"])

        const openBatch = sql
          .query<BatchRow>("SELECT * FROM handover_batches WHERE status = 'open' ORDER BY opened_at_ms DESC LIMIT 1")
          .pipe(Effect.map((rows) => rows[0]))

        const scansOf = (batchId: string) =>
          sql.query<ScanRow>(
            `SELECT s.parcel_id, p.order_id, p.tracking_number, s.scanned_wall_ms, s.scanned_mono_ns, s.ntp_offset_ms, p.data,
             ${PARCEL_HOLD_COLUMNS}
           FROM handover_scans s JOIN parcels p ON p.parcel_id = s.parcel_id LEFT JOIN orders o ON o.order_id = p.order_id
           WHERE s.batch_id = ? ORDER BY s.rowid`,
            [batchId]
          )

        const view = (refusal: Refusal | null) =>
          Effect.gen(function* () {
            const batch = yield* openBatch
            const scans = batch === undefined ? [] : yield* scansOf(batch.batch_id)
            return {
              batch:
                batch === undefined
                  ? null
                  : {
                      batchId: batch.batch_id,
                      carrier: batch.carrier,
                      openedAtMs: Number(batch.opened_at_ms),
                      parcels: scans.map((scan) => ({
                        parcelId: scan.parcel_id,
                        orderId: scan.order_id,
                        trackingNumber: scan.tracking_number,
                        scannedAtMs: Number(scan.scanned_wall_ms)
                      }))
                    },
              manifest: yield* Ref.get(lastManifest),
              refusal
            } satisfies HandoverView
          }).pipe(Effect.mapError(storeFailure))

        /** `raw`: the scan refused; `orderId`: the order the refused parcel belongs to, where it is one of ours. */
        const recordRefusal = (
          refusal: Refusal,
          operator: Operator,
          at: Timestamp,
          facts: { readonly raw?: string | undefined; readonly orderId?: string | undefined }
        ) =>
          log.append(
            PackException,
            {
              code: refusal.code,
              reason: refusal.reason,
              ...(facts.raw === undefined ? {} : capRawScan(facts.raw)),
              ...(facts.orderId === undefined ? {} : { orderId: facts.orderId })
            },
            { eventTime: at, actor: actorOf(operator) }
          )

        const refuse = (refusal: Refusal, operator: Operator, at: Timestamp, raw?: string, orderId?: string) =>
          Effect.andThen(
            recordRefusal(refusal, operator, at, { raw, orderId }).pipe(Effect.mapError(storeFailure)),
            view(refusal)
          )

        const open = Effect.fn("Handover.open")(function* (input: { readonly carrier: string }) {
          const operator = yield* operatorOf
          const now = yield* clock.now
          const existing = yield* openBatch.pipe(Effect.mapError(storeFailure))
          if (existing !== undefined) {
            return yield* refuse(
              makeRefusal("batch-open", "reason", { batchId: existing.batch_id, carrier: existing.carrier }),
              operator,
              now
            )
          }
          if (carriers.profile(input.carrier) === undefined) {
            return yield* new HandoverError({
              reason: "carrier-unknown",
              message: `This station does not ship with ${input.carrier}`
            })
          }
          yield* sql
            .transaction(
              Effect.gen(function* () {
                const next = yield* nextCounter("handover").pipe(Effect.provideService(Sql, sql))
                yield* sql.execute(
                  "INSERT INTO handover_batches (batch_id, carrier, status, opened_at_ms) VALUES (?, ?, 'open', ?)",
                  [`HO-${identity.stationId}-${String(next).padStart(5, "0")}`, input.carrier, now.wallMs]
                )
              })
            )
            .pipe(Effect.mapError(storeFailure))
          yield* Ref.set(lastManifest, null)
          return yield* view(null)
        })

        const identify = (raw: string) => identifyScan(raw, { expect: "tracking" })

        const scan = Effect.fn("Handover.scan")(function* (input: {
          readonly raw: string
          readonly at?: Timestamp
          readonly identified?: ScanResult
        }) {
          const operator = yield* operatorOf
          const at = input.at ?? (yield* clock.now)
          const batch = yield* openBatch.pipe(Effect.mapError(storeFailure))
          if (batch === undefined)
            return yield* refuse(makeRefusal("no-batch-open", "scan", {}), operator, at, input.raw)
          const identified = input.identified ?? identify(input.raw)
          // A tracking number typed or printed with spaces, dashes or lower case is the number the label carries.
          const key =
            identified.kind === "packbench" && identified.type === "parcel"
              ? identified.id
              : identified.kind === "tracking"
                ? identified.number
                : input.raw.trim().toUpperCase()
          const rows = yield* sql
            .query<
              ParcelHoldRow & {
                parcel_id: string
                order_id: string
                carrier: string
                status: string
                batch_id: string | null
                label_refused: string | null
                label_reached: number | null
              }
            >(
              `SELECT p.parcel_id, p.order_id, p.carrier, p.status, p.data, ${PARCEL_HOLD_COLUMNS}, s.batch_id,
               l.refused AS label_refused, l.may_have_reached_carrier AS label_reached FROM parcels p
             LEFT JOIN orders o ON o.order_id = p.order_id
             LEFT JOIN pending_labels l ON l.parcel_id = p.parcel_id
             LEFT JOIN handover_scans s ON s.parcel_id = p.parcel_id WHERE p.parcel_id = ? OR p.tracking_number = ?`,
              [key, key]
            )
            .pipe(Effect.mapError(storeFailure))
          const parcel = rows[0]
          if (parcel === undefined) {
            return yield* refuse(makeRefusal("parcel-unknown", "reason", { code: key }), operator, at, input.raw)
          }
          if (parcel.batch_id === batch.batch_id) {
            return yield* refuse(
              makeRefusal("parcel-already-scanned", "reason", { parcelId: parcel.parcel_id }),
              operator,
              at,
              input.raw
            )
          }
          if (parcel.status === "label-pending") {
            // A label that waits for an order changed since, that the carrier refused, that it made but cannot be
            // printed, or that was asked from a carrier no longer set up for its web service, will not print
            // (`PendingLabels`): "keep it until the label prints" would keep it forever, so the refusal says what to
            // do instead.
            const pendingHold = parcelHold(parcel)
            const ids = { parcelId: parcel.parcel_id, carrier: parcel.carrier }
            return yield* refuse(
              pendingHold !== undefined
                ? makeRefusal(pendingHold, "pending", { orderId: parcel.order_id, parcelId: parcel.parcel_id })
                : parcel.label_refused === null
                  ? Number(parcel.label_reached) === 1 && !apiCarrierOf(carriers)(parcel.carrier)
                    ? makeRefusal("label-pending", "apiGone", { ...ids, orderId: parcel.order_id })
                    : makeRefusal("label-pending", "handover", ids)
                  : isUnprintable({
                        refused: parcel.label_refused,
                        may_have_reached_carrier: Number(parcel.label_reached)
                      })
                    ? makeRefusal("label-unprintable", "handover", ids)
                    : makeRefusal("label-refused", "handover", ids),
              operator,
              at,
              input.raw,
              pendingHold === undefined && parcel.label_refused === null ? undefined : parcel.order_id
            )
          }
          if (parcel.status !== "packed" || parcel.batch_id !== null) {
            return yield* refuse(
              parcel.batch_id === null
                ? makeRefusal("parcel-not-packed", "status", {
                    parcelId: parcel.parcel_id,
                    parcelStatus: parcel.status
                  })
                : makeRefusal("parcel-not-packed", "batch", { parcelId: parcel.parcel_id, batchId: parcel.batch_id }),
              operator,
              at,
              input.raw
            )
          }
          const hold = parcelHold(parcel)
          if (hold !== undefined) {
            return yield* refuse(
              makeRefusal(hold, "handover", {
                orderId: parcel.order_id,
                parcelId: parcel.parcel_id
              }),
              operator,
              at,
              input.raw,
              parcel.order_id
            )
          }
          if (parcel.carrier !== batch.carrier) {
            return yield* refuse(
              makeRefusal("parcel-other-carrier", "reason", {
                parcelId: parcel.parcel_id,
                carrier: parcel.carrier,
                batchCarrier: batch.carrier
              }),
              operator,
              at,
              input.raw
            )
          }
          yield* sql
            .execute(
              "INSERT INTO handover_scans (batch_id, parcel_id, scanned_wall_ms, scanned_mono_ns, ntp_offset_ms) VALUES (?, ?, ?, ?, ?)",
              [batch.batch_id, parcel.parcel_id, at.wallMs, at.monoNs, at.ntpOffsetMs ?? null]
            )
            .pipe(Effect.mapError(storeFailure))
          return yield* view(null)
        })

        const close = Effect.fn("Handover.close")(function* (input: { readonly at?: Timestamp }) {
          const operator = yield* operatorOf
          const at = input.at ?? (yield* clock.now)
          const batch = yield* openBatch.pipe(Effect.mapError(storeFailure))
          if (batch === undefined) return yield* refuse(makeRefusal("no-batch-open", "close", {}), operator, at)
          const scans = yield* scansOf(batch.batch_id).pipe(Effect.mapError(storeFailure))
          if (scans.length === 0) {
            return yield* refuse(makeRefusal("batch-empty", "reason", { batchId: batch.batch_id }), operator, at)
          }
          // A parcel whose order the shop changed after it was scanned (cancelled it, corrected its address) leaves the
          // batch here, one refusal at a time: the manifest and the handed-over events never name it, and the
          // operator takes it back out of the cage before closing again.
          for (const scan of scans) {
            const hold = parcelHold(scan)
            if (hold === undefined) continue
            const refusal = makeRefusal(hold, "batch", { orderId: scan.order_id, parcelId: scan.parcel_id })
            yield* sql
              .transaction(
                Effect.andThen(
                  sql.execute("DELETE FROM handover_scans WHERE batch_id = ? AND parcel_id = ?", [
                    batch.batch_id,
                    scan.parcel_id
                  ]),
                  recordRefusal(refusal, operator, at, { orderId: scan.order_id })
                )
              )
              .pipe(Effect.mapError(storeFailure))
            return yield* view(refusal)
          }
          const trackingNumbers = scans.map((scan) => scan.tracking_number)
          const bytes = encodeManifestZpl({
            batchId: batch.batch_id,
            carrierName: carriers.profile(batch.carrier)?.name ?? batch.carrier,
            stationId: identity.stationId,
            closedAt: formatSiteTime(at.wallMs, options.timeZone),
            trackingNumbers,
            locale: yield* settings.locale
          })
          const now = yield* clock.now
          const printJob = yield* sql
            .transaction(
              Effect.gen(function* () {
                yield* sql.execute(
                  "UPDATE handover_batches SET status = 'closed', closed_at_ms = ? WHERE batch_id = ?",
                  [now.wallMs, batch.batch_id]
                )
                for (const scan of scans) {
                  yield* sql.execute("UPDATE parcels SET status = 'handed-over' WHERE parcel_id = ?", [scan.parcel_id])
                  yield* sql.execute(
                    "UPDATE orders SET status = 'shipped', data = json_set(data, '$.status', 'shipped'), updated_at_ms = ? WHERE order_id = ?",
                    [now.wallMs, scan.order_id]
                  )
                  const ssccUrn = (JSON.parse(scan.data) as { ssccUrn?: string }).ssccUrn
                  yield* log.append(
                    ParcelHandedToCarrier,
                    {
                      batchId: batch.batch_id,
                      parcelId: scan.parcel_id,
                      orderId: scan.order_id,
                      carrier: batch.carrier,
                      trackingNumber: scan.tracking_number,
                      ...(ssccUrn === undefined ? {} : { ssccUrn })
                    },
                    {
                      eventTime: {
                        wallMs: Number(scan.scanned_wall_ms),
                        monoNs: scan.scanned_mono_ns,
                        ...(scan.ntp_offset_ms === null ? {} : { ntpOffsetMs: Number(scan.ntp_offset_ms) })
                      },
                      actor: actorOf(operator)
                    }
                  )
                }
                const job = yield* printQueue.enqueue({
                  printer: "label",
                  purpose: `manifest ${batch.batch_id}`,
                  bytes
                })
                return { id: job.id, printer: job.printer, purpose: job.purpose }
              })
            )
            .pipe(Effect.mapError(storeFailure))
          yield* Ref.set(lastManifest, {
            batchId: batch.batch_id,
            carrier: batch.carrier,
            count: scans.length,
            trackingNumbers,
            printJob
          })
          return yield* view(null)
        })

        return Handover.of({ state: view(null), open, identify, scan, close })
      })
    )
}
