/** Runs the bench's scanners and scales, real or simulated, for the life of the station. */
import { existsSync } from "node:fs"
import { Context, Effect, FiberSet, Layer, type Scope } from "effect"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import type { PackView } from "../../core/pack/PackView.ts"
import type { ScaleDevice } from "../../core/pack/Scale.ts"
import { ScaleWeights } from "../../core/pack/ScaleWeights.ts"
import type { ScannerDevice } from "../../core/scan/Scanner.ts"
import { DeviceRegistry } from "../../core/station/DeviceRegistry.ts"
import { type DeviceConditionCode, deviceText } from "../../core/station/StationStatusApi.ts"
import { panLoadFor } from "../scale/PanFollowsPack.ts"
import { SerialScale } from "../scale/SerialScale.ts"
import { SimulatedScale } from "../scale/SimulatedScale.ts"
import { SerialScanner } from "../scanner/SerialScanner.ts"
import { SimulatedScanner } from "../scanner/SimulatedScanner.ts"
import { StationCalls } from "./StationCalls.ts"

/**
 * A serial scanner or scale whose device file is not there stops the start: the station would run without the
 * device its bench needs, and a supervisor restarting it is the better answer. (A device unplugged later is shown
 * as disconnected and reconnected when it comes back.) Checked before anything is written.
 */
export const checkDevicesPresent = (config: ResolvedConfig): void => {
  const missing = [
    ...config.scanners.map((device, index) => ({ device, field: `scanners[${index}].path`, kind: "scanner" })),
    ...config.scales.map((device, index) => ({ device, field: `scales[${index}].path`, kind: "scale" }))
  ].flatMap(({ device, field, kind }) =>
    device.type === "serial" && !existsSync(device.path)
      ? [`${kind} ${device.id}: ${device.path} does not exist (is it plugged in? ${field})`]
      : []
  )
  if (missing.length > 0) throw new Error(missing.join("; "))
}

const scannerDevice = (scanner: ResolvedConfig["scanners"][number]) =>
  scanner.type === "simulated"
    ? Effect.succeed<ScannerDevice>(new SimulatedScanner(scanner.id))
    : SerialScanner.make({
        id: scanner.id,
        path: scanner.path,
        baudRate: scanner.baudRate ?? 9600,
        framing: {
          suffix: scanner.suffix ?? "CR",
          ...(scanner.prefix === undefined ? {} : { prefix: scanner.prefix })
        }
      })

const scaleDevice = (scale: ResolvedConfig["scales"][number]) =>
  scale.type === "simulated"
    ? Effect.succeed<ScaleDevice>(new SimulatedScale(scale.id))
    : SerialScale.make({
        id: scale.id,
        path: scale.path,
        baudRate: scale.baudRate ?? 9600,
        protocol: scale.protocol ?? "mt-sics",
        continuous: scale.continuous ?? false
      })

/** Runs a device until the station's scope closes; a device that stops on its own is logged with why. */
const keepRunning = <E>(label: string, run: Effect.Effect<void, E, Scope.Scope>) =>
  Effect.forkScoped(
    Effect.scoped(Effect.andThen(run, Effect.never)).pipe(
      Effect.tapCause((cause) => Effect.logError(`${label} stopped`, cause))
    )
  )

/**
 * The bench's scanners and scales, configured or simulated, each running for the life of the station: a scan goes
 * to the API as `scan.submit` (like one from the UI), a weight to the scale readings, and a device's state to the
 * device list and the header. The simulated ones can be fed by hand.
 */
export class StationDevices extends Context.Service<
  StationDevices,
  {
    /** Feeds a scan to the simulated scanner(s), as if read by hand; false when none runs. */
    readonly injectScan: (raw: string) => boolean
    /** Puts a weight on the simulated scale(s); false when none runs. */
    readonly placeOnScale: (grams: number, settleMs?: number) => boolean
    /** Makes the simulated scale(s) report a fault with the driver's `reason`; false when none runs. */
    readonly faultScale: (reason: string) => boolean
  }
>()("packbench/drivers/station/StationDevices") {
  static readonly layer = (config: ResolvedConfig) =>
    Layer.effect(
      StationDevices,
      Effect.gen(function* () {
        const calls = yield* StationCalls
        const devices = yield* DeviceRegistry
        const weights = yield* ScaleWeights
        const run = yield* FiberSet.makeRuntime()
        /**
         * How a device's state reaches the header: the device registry, then a status push. The condition is a code
         * the UI words; the driver's own reason goes along as the detail.
         */
        const reporterFor =
          (
            kind: "scanner" | "scale",
            id: string,
            line: ResolvedConfig["scanners"][number] | ResolvedConfig["scales"][number]
          ) =>
          (state: "ok" | "warning" | "error", condition: DeviceConditionCode, reason?: string) =>
            void run(
              Effect.andThen(
                devices.report({
                  id,
                  kind,
                  connection: line.type === "serial" ? "serial" : "simulated",
                  where: line.type === "serial" ? deviceText(line.path) : "",
                  state,
                  condition,
                  ...(reason === undefined ? {} : { detail: deviceText(reason) })
                }),
                calls.publishStatus
              )
            )

        const simulatedScanners: Array<SimulatedScanner> = []
        for (const scanner of config.scanners) {
          const device = yield* scannerDevice(scanner)
          if (device instanceof SimulatedScanner) simulatedScanners.push(device)
          const report = reporterFor("scanner", device.id, scanner)
          yield* keepRunning(
            `scanner ${device.id}`,
            device.run({
              onScan: (scan) => {
                run(
                  calls.callFromDevice("scan.submit", {
                    raw: scan.raw,
                    source: scanner.type === "serial" ? "serial" : "simulated",
                    deviceId: scan.deviceId,
                    at: scan.at
                  })
                )
              },
              onState: (state) =>
                state._tag === "Connected"
                  ? report("ok", "connected")
                  : state._tag === "Disconnected"
                    ? report("error", "disconnected", state.reason)
                    : report("warning", "line-noise", state.reason)
            })
          )
        }

        const simulatedScales: Array<SimulatedScale> = []
        for (const scale of config.scales) {
          const device = yield* scaleDevice(scale)
          if (device instanceof SimulatedScale) simulatedScales.push(device)
          yield* weights.register(device)
          const report = reporterFor("scale", device.id, scale)
          yield* keepRunning(
            `scale ${device.id}`,
            device.run({
              onReading: (reading) => void run(weights.reading(reading)),
              onState: (state) => {
                run(weights.state(device.id, state))
                if (state._tag === "Connected") report("ok", "connected")
                else if (state._tag === "Disconnected") report("error", "disconnected", state.reason)
                else report("warning", "scale-fault", state.reason)
              }
            })
          )
        }

        if (config.simulation.scaleFollowsPack && simulatedScales.length > 0) {
          // After every call (a scan, a box chosen, a parcel packed) the pan looks at the bench's parcel once more;
          // calls that finish while it looks are answered by one more look, not one each.
          let lastLoad: string | undefined
          let looking = false
          let lookAgain = false
          const look = (): void => {
            if (looking) {
              lookAgain = true
              return
            }
            looking = true
            run(
              calls.callFromDevice("pack.state", {}).pipe(
                Effect.tap((result) => {
                  // A bench with nobody signed in has no parcel to weigh: the pan stays as it is.
                  if (!result.ok) return Effect.void
                  const load = panLoadFor(result.value as PackView, Math.random)
                  if (load === undefined || load.key === lastLoad) return Effect.void
                  // A pan that is not running yet took nothing: the next look puts the parcel on again.
                  const placed = simulatedScales.map((scale) => scale.place(load.grams)).some(Boolean)
                  lastLoad = placed ? load.key : undefined
                  return Effect.void
                }),
                Effect.ensuring(
                  Effect.sync(() => {
                    looking = false
                    if (lookAgain) {
                      lookAgain = false
                      look()
                    }
                  })
                )
              )
            )
          }
          const stop = calls.onCallDone((name) => {
            if (name !== "pack.state") look()
          })
          yield* Effect.addFinalizer(() => Effect.sync(stop))
        }

        return StationDevices.of({
          injectScan: (raw) => simulatedScanners.some((scanner) => scanner.inject(raw)),
          placeOnScale: (grams, settleMs) => simulatedScales.some((scale) => scale.place(grams, settleMs)),
          faultScale: (reason) => simulatedScales.some((scale) => scale.fault(reason))
        })
      })
    )
}
