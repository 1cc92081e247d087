/**
 * The station's background work as a scoped layer: print worker, label retries, carrier cancellations, photo
 * retention, status and fleet pushes.
 */
import { Effect, FiberSet, Layer } from "effect"
import { PushHub } from "../../core/api/PushHub.ts"
import { PhotoRetention } from "../../core/evidence/PhotoRetention.ts"
import { CarrierCancellations } from "../../core/pack/CarrierCancellations.ts"
import { PendingLabels } from "../../core/pack/PendingLabels.ts"
import type { PrinterRole } from "../../core/print/PrintQueue.ts"
import { PrintQueue } from "../../core/print/PrintQueue.ts"
import { DeviceRegistry } from "../../core/station/DeviceRegistry.ts"
import { deviceText } from "../../core/station/StationStatusApi.ts"
import { FleetPresence } from "../../core/sync/FleetPresence.ts"
import { SiteFleet } from "../../core/sync/SiteFleet.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { StationCalls } from "./StationCalls.ts"
import { StationPrinters } from "./StationPrinters.ts"

const printerKind = (role: "label" | "receipt") =>
  role === "label" ? ("label-printer" as const) : ("receipt-printer" as const)

/** Sends queued print jobs to the printers in order and tells the UI and the device list how each went. */
const printWorker = Effect.gen(function* () {
  const printers = yield* StationPrinters
  const queue = yield* PrintQueue
  const pushes = yield* PushHub
  const devices = yield* DeviceRegistry
  const calls = yield* StationCalls
  const printerStatus = (role: PrinterRole) => ({
    id: printers[role].device.id,
    kind: printerKind(role),
    connection: printers[role].connection,
    where: printers[role].where
  })
  for (const role of ["label", "receipt"] as const) {
    const { absent } = printers[role]
    yield* devices.report(
      absent === undefined
        ? { ...printerStatus(role), state: "unknown", condition: "not-used-yet" }
        : { ...printerStatus(role), state: "error", condition: "not-present", detail: absent }
    )
  }
  const devicesByRole = { label: printers.label.device, receipt: printers.receipt.device }
  // The header's status (printer state, pending labels) follows the jobs within a tenth of a second, off the worker's
  // path: a job changes state three times, and the label after it must not wait for three status reads and pushes.
  const run = yield* FiberSet.makeRuntime()
  let statusDue = false
  const statusSoon = Effect.sync(() => {
    if (statusDue) return
    statusDue = true
    run(
      Effect.sleep(100).pipe(
        Effect.andThen(
          Effect.sync(() => {
            statusDue = false
          })
        ),
        Effect.andThen(calls.publishStatus)
      )
    )
  })
  yield* Effect.forkScoped(
    queue.work(
      devicesByRole,
      (job) =>
        Effect.gen(function* () {
          yield* pushes.publish("printJob", job)
          const retrying = job.state === "queued" && job.lastError !== undefined
          yield* devices.report({
            ...printerStatus(job.printer),
            state: retrying ? "error" : "ok",
            condition: retrying ? "job-retrying" : `job-${job.state}`,
            ...(job.lastError === undefined ? {} : { detail: deviceText(job.lastError) })
          })
          yield* statusSoon
        }),
      (job) => {
        const preview = printers[job.printer].preview
        return preview === undefined
          ? Effect.succeed(undefined)
          : Effect.promise(() => preview(job.id).catch(() => undefined))
      }
    )
  )
})

/** Labels of parcels packed while their carrier's service was unreachable print through the queue above. */
const labelRetry = Effect.gen(function* () {
  const pending = yield* PendingLabels
  const calls = yield* StationCalls
  yield* Effect.forkScoped(pending.work(calls.publishStatus))
})

/** Shipments of voided parcels are cancelled at their carrier until it answers; the header counts those waiting. */
const carrierCancellations = Effect.gen(function* () {
  const cancellations = yield* CarrierCancellations
  const calls = yield* StationCalls
  yield* Effect.forkScoped(cancellations.work(calls.publishStatus))
})

/** Pack evidence photos past their retention are deleted hourly; each pass records which went. */
const photoRetention = Effect.gen(function* () {
  const retention = yield* PhotoRetention
  yield* Effect.forkScoped(retention.work)
})

/** Sync status changes with every publish and ack; the header needs it a few times a second at most. */
const statusPushes = Effect.gen(function* () {
  const engine = yield* SyncEngine
  const calls = yield* StationCalls
  const run = yield* FiberSet.makeRuntime()
  let pending = false
  yield* engine.changes(() => {
    if (pending) return
    pending = true
    run(
      Effect.sleep(500).pipe(
        Effect.andThen(
          Effect.sync(() => {
            pending = false
          })
        ),
        Effect.andThen(calls.publishStatus)
      )
    )
  })
})

/** The Manager screen's stations panels: every birth, clean stop and last will of the site, and every summary of the hub, pushed as they arrive. */
const fleetPushes = Effect.gen(function* () {
  const fleet = yield* FleetPresence
  const pushes = yield* PushHub
  const run = yield* FiberSet.makeRuntime()
  yield* fleet.changes((view) => void run(pushes.publish("fleet", view)))
  const siteFleet = yield* SiteFleet
  yield* siteFleet.changes((view) => void run(pushes.publish("siteFleet", view)))
})

/** The station's background work, each running until the station's scope closes. */
export const stationWorkers = Layer.effectDiscard(
  Effect.all([printWorker, labelRetry, carrierCancellations, photoRetention, statusPushes, fleetPushes], {
    discard: true
  })
)
