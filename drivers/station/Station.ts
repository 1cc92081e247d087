/** Starts a station as one runtime built from its scoped pieces, and hands back what its callers use. */
import { mkdirSync } from "node:fs"
import { Effect, Layer, ManagedRuntime } from "effect"
import type { WireResult } from "../../core/api/ApiDispatcher.ts"
import { PushHub } from "../../core/api/PushHub.ts"
import type { PushMessage } from "../../core/api/StationApi.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import type { PrinterRole } from "../../core/print/PrintQueue.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { listenHostProblem } from "../net/listenHostProblem.ts"
import type { PrinterSimulator } from "../printer/PrinterSimulator.ts"
import { ntpPolling } from "../time/Sntp.ts"
import { loadBrokerTls } from "./brokerTls.ts"
import { holdDataDir } from "./DataDirLock.ts"
import { StationBroker } from "./StationBroker.ts"
import { StationCalls } from "./StationCalls.ts"
import { stationIdentity, stationStorage } from "./StationDatabase.ts"
import { checkDevicesPresent, StationDevices } from "./StationDevices.ts"
import { stationDomain } from "./StationDomain.ts"
import { tuneStationHeap } from "./StationHeap.ts"
import { StationHttp } from "./StationHttp.ts"
import { StationHub } from "./StationHub.ts"
import { StationPrinters } from "./StationPrinters.ts"
import { SampleData } from "./StationSampleData.ts"
import { stationSync } from "./StationSync.ts"
import { stationWorkers } from "./StationWorkers.ts"

export { DEFAULT_STATIC_DIR, PROJECT_ROOT } from "./ProjectPaths.ts"

export interface StartStationOptions {
  readonly config: ResolvedConfig
  /** Serve the UI and API over HTTP + WebSocket (browser mode); Electron relays over IPC instead. */
  readonly http: boolean
  readonly staticDir?: string
  readonly log: (line: string) => void
  /** Whether simulated printers render each job to PDF/PNG (default); load runs turn it off and keep the bytes. */
  readonly renderPrintouts?: boolean
}

export interface RunningStation {
  readonly config: ResolvedConfig
  readonly siteId: string
  readonly stationId: string
  readonly url: string | undefined
  /** The broker the station syncs over (the embedded one's address when it runs one). */
  readonly brokerUrl: string
  readonly call: (name: string, input: unknown) => Promise<WireResult>
  readonly subscribe: (listener: (message: PushMessage) => void) => () => void
  /** Feeds a scan to the simulated scanner(s), as if read by hand; false when none runs. */
  readonly injectScan: (raw: string) => boolean
  /** The TCP listeners standing in for printers that are not configured: what they received, and when. */
  readonly simulatedPrinters: Readonly<Partial<Record<PrinterRole, PrinterSimulator>>>
  /** Puts a weight on the simulated scale(s); false when none runs. */
  readonly placeOnScale: (grams: number, settleMs?: number) => boolean
  /** Makes the simulated scale(s) report a fault with the driver's `reason`; false when none runs. */
  readonly faultScale: (reason: string) => boolean
  readonly close: () => Promise<void>
}

/**
 * Everything a station is, as one layer, in the order it starts (each piece is built after the ones below it, and
 * its resources are released before theirs): the data dir's lock and the NTP polling, the printers and the broker
 * (before the database, so a station that cannot listen writes no database), the database made ready, the domain
 * services, the sync engine, the embedded hub, the API, the workers, the devices, and the HTTP transport.
 */
const stationLayer = (options: StartStationOptions) => {
  const { config, log } = options
  const ntpServer = config.time.ntpServer
  const process = Layer.effectDiscard(
    Effect.gen(function* () {
      yield* holdDataDir(config.dataDir)
      if (ntpServer !== undefined) {
        yield* ntpPolling({
          server: ntpServer,
          intervalMs: config.time.ntpIntervalMs,
          report: (level, message) => log(level === "warning" ? `Warning: ${message}` : message)
        })
      }
    })
  )
  return Layer.mergeAll(StationHttp.layer(options), StationDevices.layer(config), stationWorkers).pipe(
    Layer.provideMerge(StationCalls.layer),
    Layer.provideMerge(StationHub.layer(config, log)),
    Layer.provideMerge(stationSync(config)),
    Layer.provideMerge(stationDomain(config, log)),
    Layer.provideMerge(stationIdentity(config, log)),
    Layer.provideMerge(stationStorage(config.dataDir)),
    Layer.provideMerge(SampleData.layer),
    Layer.provideMerge(StationBroker.layer(config, log)),
    Layer.provideMerge(StationPrinters.layer(config, options.renderPrintouts ?? true, log)),
    Layer.provideMerge(process)
  )
}

/**
 * Starts everything a station is, from a resolved configuration: the database (migrated, seeded with the sample
 * data on first start), the devices (simulated when none are configured), the print queue, and the API with its
 * transports. Everything runs in one runtime: `close` disposes it, which stops all of it in reverse order, and a
 * start that fails disposes what it had started before it rethrows.
 */
export const startStation = async (options: StartStationOptions): Promise<RunningStation> => {
  const { config } = options
  // What can be checked without touching anything is checked first, so a station that cannot start writes nothing.
  checkDevicesPresent(config)
  // The UI and the embedded hub listen on http.host: one this machine has no address for fails here, not after the
  // database was made.
  if (options.http || config.hub.embedded) {
    const hostProblem = await listenHostProblem(config.http.host, "http.host (PACKBENCH_HTTP_HOST)")
    if (hostProblem !== undefined) throw new Error(hostProblem)
  }
  // The broker's TLS files are read again when the link is made; a missing one stops the start here, not after the
  // database was made.
  loadBrokerTls(config.broker)
  try {
    mkdirSync(config.dataDir, { recursive: true })
  } catch (error) {
    throw new Error(`cannot create the data dir ${config.dataDir} (dataDir): ${(error as Error).message}`)
  }
  tuneStationHeap()
  const runtime = ManagedRuntime.make(stationLayer(options))
  try {
    return await runtime.runPromise(
      Effect.gen(function* () {
        const identity = yield* StationIdentity
        const calls = yield* StationCalls
        const pushes = yield* PushHub
        const devices = yield* StationDevices
        const printers = yield* StationPrinters
        return {
          config,
          siteId: identity.siteId,
          stationId: identity.stationId,
          url: (yield* StationHttp).url,
          brokerUrl: (yield* StationBroker).url,
          call: (name, input) => runtime.runPromise(calls.call(name, input)),
          subscribe: pushes.subscribe,
          injectScan: devices.injectScan,
          simulatedPrinters: {
            ...(printers.label.simulator === undefined ? {} : { label: printers.label.simulator }),
            ...(printers.receipt.simulator === undefined ? {} : { receipt: printers.receipt.simulator })
          },
          placeOnScale: devices.placeOnScale,
          faultScale: devices.faultScale,
          close: () => runtime.dispose()
        } satisfies RunningStation
      })
    )
  } catch (error) {
    await runtime.dispose()
    throw error
  }
}
