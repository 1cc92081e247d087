import { mkdirSync, readFileSync } from "node:fs"
import { basename, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Fiber, Layer, ManagedRuntime } from "effect"
import { makeDispatcher, type WireResult } from "../../core/api/ApiDispatcher.ts"
import { PushHub } from "../../core/api/PushHub.ts"
import type { PushMessage, SyncStatus } from "../../core/api/StationApi.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { EventLog } from "../../core/events/EventLog.ts"
import { InsertEncoder, InsertEncodingError } from "../../core/print/InsertEncoder.ts"
import type { PrinterDevice } from "../../core/print/Printer.ts"
import { type PrinterRole, PrintQueue } from "../../core/print/PrintQueue.ts"
import { identifyScan } from "../../core/scan/identify.ts"
import { Session } from "../../core/session/Session.ts"
import { DeviceRegistry } from "../../core/station/DeviceRegistry.ts"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { seedReferenceData } from "../../core/station/ReferenceData.ts"
import { loadOrCreateEpoch } from "../../core/station/StationEpoch.ts"
import { makeStationHandlers } from "../../core/station/StationHandlers.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { StationSettings } from "../../core/station/StationSettings.ts"
import { SyncView } from "../../core/station/SyncView.ts"
import { migrate } from "../../core/store/Migrations.ts"
import { startHttpTransport } from "../http/HttpTransport.ts"
import { startEmbeddedBroker } from "../mqtt/EmbeddedBroker.ts"
import { makeDevicePrinter } from "../printer/DevicePrinter.ts"
import { encodeEscPosInsert } from "../printer/EscPosInsertEncoder.ts"
import { type PrinterSimulator, start as startPrinterSimulator } from "../printer/PrinterSimulator.ts"
import { makeTcpPrinter } from "../printer/TcpPrinter.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { SystemClockLayer } from "../time/SystemClock.ts"
import { loadOrCreateIdentity } from "./StationIdentityFile.ts"

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)))
export const DEFAULT_STATIC_DIR = join(PROJECT_ROOT, "renderer", "dist")
const FIXTURE_DIR = join(PROJECT_ROOT, "fixtures", "data")

export interface StartStationOptions {
  readonly config: ResolvedConfig
  /** Serve the UI and API over HTTP + WebSocket (browser mode); Electron relays over IPC instead. */
  readonly http: boolean
  readonly staticDir?: string
  readonly log: (line: string) => void
}

export interface RunningStation {
  readonly config: ResolvedConfig
  readonly siteId: string
  readonly stationId: string
  readonly url: string | undefined
  readonly call: (name: string, input: unknown) => Promise<WireResult>
  readonly subscribe: (listener: (message: PushMessage) => void) => () => void
  readonly close: () => Promise<void>
}

interface PrinterSetup {
  readonly device: PrinterDevice
  readonly preview?: (jobId: string) => Promise<string | undefined>
  readonly close: () => Promise<void>
}

/** A simulated printer is a real TCP printer listener on loopback; the station prints to it like to any other. */
const setUpPrinter = async (role: PrinterRole, config: ResolvedConfig): Promise<PrinterSetup> => {
  const printer = config.printers[role]
  const language = role === "label" ? "zpl" : "escpos"
  const id = `${role}-printer`
  if (printer.type === "tcp")
    return {
      device: makeTcpPrinter({ id, host: printer.host, port: printer.port ?? 9100, language }),
      close: async () => {}
    }
  if (printer.type === "device")
    return { device: makeDevicePrinter({ id, path: printer.path, language }), close: async () => {} }
  const dir = join(config.dataDir, "printouts", role)
  mkdirSync(dir, { recursive: true })
  const simulator: PrinterSimulator = await startPrinterSimulator({
    port: printer.port ?? 0,
    host: "127.0.0.1",
    dir,
    language
  })
  const tcp = makeTcpPrinter({ id, host: "127.0.0.1", port: simulator.port, language })
  let sent = 0
  const device: PrinterDevice = {
    ...tcp,
    description: `Simulated ${role} printer on 127.0.0.1:${simulator.port} (renders to ${dir})`,
    send: (job) => Effect.tap(tcp.send(job), () => Effect.sync(() => void sent++))
  }
  return {
    device,
    preview: async () => {
      const jobs = await simulator.waitForJobs(sent, 15_000)
      const png = jobs[sent - 1]?.pngs[0]
      return png === undefined ? undefined : `/printouts/${role}/${relative(dir, png).split("\\").join("/")}`
    },
    close: () => simulator.close()
  }
}

const unknownSync = (brokerUrl: string): SyncStatus => ({
  broker: "unknown",
  brokerUrl,
  depth: 0,
  oldestUnconfirmedAgeMs: null,
  drainRatePerSec: 0,
  lastPublishedSeq: 0,
  lastConfirmedSeq: 0
})

/**
 * Starts everything a station is, from a resolved configuration: the database (migrated, seeded with the sample
 * data on first start), the devices (simulated when none are configured), the print queue, and the API with its
 * transports. `close` stops all of it in reverse order.
 */
export const startStation = async (options: StartStationOptions): Promise<RunningStation> => {
  const { config } = options
  mkdirSync(config.dataDir, { recursive: true })
  const ids = loadOrCreateIdentity(config.dataDir, config.station)
  const closers: Array<() => Promise<void>> = []
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => options.log(`shutdown step failed: ${String(error)}`))
    }
  }
  try {
    const label = await setUpPrinter("label", config)
    closers.push(label.close)
    const receipt = await setUpPrinter("receipt", config)
    closers.push(receipt.close)
    let brokerUrl = config.broker.url
    if (brokerUrl === undefined) {
      const broker = await startEmbeddedBroker({ host: "127.0.0.1", port: config.broker.embeddedPort ?? 1883 }).catch(
        (error: NodeJS.ErrnoException) => {
          throw new Error(
            error.code === "EADDRINUSE"
              ? `The embedded MQTT broker cannot listen on 127.0.0.1:${config.broker.embeddedPort}: the port is in use. Set broker.embeddedPort (or PACKBENCH_EMBEDDED_BROKER_PORT), or point broker.url at the broker that runs there.`
              : `The embedded MQTT broker did not start: ${error.message}`
          )
        }
      )
      closers.push(broker.close)
      brokerUrl = broker.url
      options.log(`Embedded MQTT broker (aedes) listening on ${broker.url}`)
    }

    const storage = Layer.merge(layerSqlite({ filename: join(config.dataDir, "station.db") }), SystemClockLayer)
    const identity = Layer.effect(
      StationIdentity,
      Effect.gen(function* () {
        yield* migrate(stationMigrations)
        const epoch = yield* loadOrCreateEpoch()
        return StationIdentity.of({ ...ids, epoch })
      })
    )
    const readBadge = (raw: string) => {
      const scan = identifyScan(raw)
      if (scan.kind === "packbench" && scan.type === "badge" && scan.valid) return scan.id
      const plain = raw.trim().toUpperCase()
      return /^[A-Z0-9][A-Z0-9-]{0,31}$/.test(plain) ? plain : undefined
    }
    const insertEncoder = Layer.succeed(
      InsertEncoder,
      InsertEncoder.of({
        encode: (document) =>
          Effect.try({
            try: () => encodeEscPosInsert(document),
            catch: (error) => new InsertEncodingError({ message: String(error) })
          })
      })
    )
    const syncView = Layer.succeed(
      SyncView,
      SyncView.of({ status: Effect.succeed(unknownSync(brokerUrl)), onChange: () => () => {} })
    )
    const services = Layer.mergeAll(
      Session.layer(readBadge),
      StationSettings.layer({ name: config.station.name, locale: config.station.locale }),
      PrintQueue.layer
    ).pipe(
      Layer.provideMerge(EventLog.layer),
      Layer.provideMerge(Layer.mergeAll(DeviceRegistry.layer, PushHub.layer, insertEncoder, syncView)),
      Layer.provideMerge(identity),
      Layer.provideMerge(storage)
    )
    const runtime = ManagedRuntime.make(services)
    closers.push(() => runtime.dispose())

    if (config.fixtures.loadOnFirstStart) {
      const fixtures = {
        catalog: JSON.parse(readFileSync(join(FIXTURE_DIR, "catalog.json"), "utf8")),
        orders: JSON.parse(readFileSync(join(FIXTURE_DIR, "orders.json"), "utf8")),
        badges: JSON.parse(readFileSync(join(FIXTURE_DIR, "badges.json"), "utf8"))
      }
      const seeded = await runtime.runPromise(seedReferenceData("fixtures/data (sample data)", fixtures))
      if (seeded) options.log("Loaded the sample catalog, orders and badges from fixtures/data")
    }

    const station = await runtime.runPromise(makeStationHandlers)
    const dispatch = makeDispatcher(station.handlers)
    const pushes = await runtime.runPromise(Effect.service(PushHub))

    const devices = await runtime.runPromise(Effect.service(DeviceRegistry))
    for (const [role, setup] of [
      ["label", label],
      ["receipt", receipt]
    ] as const) {
      await runtime.runPromise(
        devices.report({
          id: setup.device.id,
          kind: role === "label" ? "label-printer" : "receipt-printer",
          description: setup.device.description,
          state: "unknown",
          detail: "not used yet"
        })
      )
    }
    const printers = { label: label.device, receipt: receipt.device }
    const worker = runtime.runFork(
      Effect.flatMap(Effect.service(PrintQueue), (queue) =>
        queue.work(
          printers,
          (job) =>
            Effect.gen(function* () {
              yield* pushes.publish("printJob", job)
              const device = printers[job.printer]
              yield* devices.report({
                id: device.id,
                kind: job.printer === "label" ? "label-printer" : "receipt-printer",
                description: device.description,
                state: job.state === "queued" && job.lastError !== undefined ? "error" : "ok",
                detail: job.lastError ?? `last job ${job.state}`
              })
              yield* station.publishStatus.pipe(Effect.ignore)
            }),
          (job) => {
            const setup = job.printer === "label" ? label : receipt
            return setup.preview === undefined
              ? Effect.succeed(undefined)
              : Effect.promise(() => setup.preview!(job.id).catch(() => undefined))
          }
        )
      )
    )
    closers.push(() => runtime.runPromise(Fiber.interrupt(worker)).then(() => undefined))

    const call = (name: string, input: unknown) => runtime.runPromise(dispatch(name, input))
    let url: string | undefined
    if (options.http) {
      const http = await startHttpTransport({
        host: config.http.host,
        port: config.http.port,
        staticDir: options.staticDir ?? DEFAULT_STATIC_DIR,
        fileRoots: { "/printouts": join(config.dataDir, "printouts") },
        call,
        subscribe: pushes.subscribe,
        onError: options.log
      })
      closers.push(http.close)
      url = http.url
    }
    return { config, siteId: ids.siteId, stationId: ids.stationId, url, call, subscribe: pushes.subscribe, close }
  } catch (error) {
    await close()
    throw error
  }
}

export const printoutName = (file: string) => basename(file)
