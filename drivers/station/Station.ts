import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { basename, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Fiber, Layer, ManagedRuntime, Schema, type Scope } from "effect"
import { makeDispatcher, type WireResult } from "../../core/api/ApiDispatcher.ts"
import { PushHub } from "../../core/api/PushHub.ts"
import type { PushMessage, SyncStatus } from "../../core/api/StationApi.ts"
import { apiCarrierAdapter } from "../../core/carrier/ApiCarrier.ts"
import { defaultCarrierProfiles } from "../../core/carrier/CarrierProfile.ts"
import { Carriers } from "../../core/carrier/Carriers.ts"
import { assignTrackingRange } from "../../core/carrier/OfflineCarrier.ts"
import { registerCatalogInbound } from "../../core/catalog/CatalogInbound.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { EventLog } from "../../core/events/EventLog.ts"
import { Order } from "../../core/orders/Order.ts"
import { OrderReceived } from "../../core/orders/OrderEvents.ts"
import { registerOrderInbound } from "../../core/orders/OrderInbound.ts"
import { registerBoxInbound } from "../../core/pack/BoxInbound.ts"
import { seedBoxes } from "../../core/pack/BoxStore.ts"
import { Handover } from "../../core/pack/Handover.ts"
import { PackService } from "../../core/pack/PackService.ts"
import { PendingLabels } from "../../core/pack/PendingLabels.ts"
import type { ScaleDevice } from "../../core/pack/Scale.ts"
import { ScaleWeights } from "../../core/pack/ScaleWeights.ts"
import { InsertEncoder, InsertEncodingError } from "../../core/print/InsertEncoder.ts"
import type { PrinterDevice } from "../../core/print/Printer.ts"
import { type PrinterRole, PrintQueue } from "../../core/print/PrintQueue.ts"
import { decodeRefundRules } from "../../core/returns/RefundRules.ts"
import { registerReturnsInbound } from "../../core/returns/ReturnsInbound.ts"
import { ReturnsService } from "../../core/returns/ReturnsService.ts"
import { registerRulesInbound } from "../../core/returns/RulesInbound.ts"
import { identifyScan } from "../../core/scan/identify.ts"
import type { ScannerDevice } from "../../core/scan/Scanner.ts"
import { Session } from "../../core/session/Session.ts"
import { DeviceRegistry } from "../../core/station/DeviceRegistry.ts"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { seedReferenceData } from "../../core/station/ReferenceData.ts"
import { makeStationHandlers } from "../../core/station/StationHandlers.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { StationSettings } from "../../core/station/StationSettings.ts"
import { SyncView } from "../../core/station/SyncView.ts"
import { migrate } from "../../core/store/Migrations.ts"
import { Sql } from "../../core/store/Sql.ts"
import { resolveStationEpoch } from "../../core/sync/EpochGuard.ts"
import { FleetPresence } from "../../core/sync/FleetPresence.ts"
import { Inbox } from "../../core/sync/Inbox.ts"
import { Outbox } from "../../core/sync/Outbox.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { startEmbeddedHub } from "../../hub/drivers/server/EmbeddedHub.ts"
import { makeHttpCarrierApi } from "../carrier/HttpCarrierApi.ts"
import { startHttpTransport } from "../http/HttpTransport.ts"
import { layerHttpCustomerMetrics } from "../metrics/HttpCustomerMetrics.ts"
import { startEmbeddedBroker } from "../mqtt/EmbeddedBroker.ts"
import { layerFileHighWaterMark } from "../mqtt/FileHighWaterMark.ts"
import { layerStationLink } from "../mqtt/StationLink.ts"
import { makeDevicePrinter } from "../printer/DevicePrinter.ts"
import { encodeEscPosInsert } from "../printer/EscPosInsertEncoder.ts"
import { type PrinterSimulator, start as startPrinterSimulator } from "../printer/PrinterSimulator.ts"
import { makeTcpPrinter } from "../printer/TcpPrinter.ts"
import { SerialScale } from "../scale/SerialScale.ts"
import { SimulatedScale } from "../scale/SimulatedScale.ts"
import { SerialScanner } from "../scanner/SerialScanner.ts"
import { SimulatedScanner } from "../scanner/SimulatedScanner.ts"
import { layerHttpShopStatus } from "../shops/HttpShopStatus.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { startNtpPolling } from "../time/Sntp.ts"
import { SystemClockLayer } from "../time/SystemClock.ts"
import { loadBrokerTls } from "./brokerTls.ts"
import { lockDataDir } from "./DataDirLock.ts"
import { loadBrands } from "./loadBrands.ts"
import { loadOrCreateIdentity } from "./StationIdentityFile.ts"

/**
 * Sample orders arrive by seeding, not through the inbox, so nothing has told the hub about them yet: record each as
 * received, as the inbox would have, so the hub knows the customer when the parcel's events come.
 */
const announceSeededOrders = Effect.gen(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  yield* sql.transaction(
    Effect.gen(function* () {
      const rows = yield* sql.query<{ data: string }>("SELECT data FROM orders ORDER BY order_id")
      for (const row of rows) {
        const order = Schema.decodeUnknownSync(Order)(JSON.parse(row.data))
        yield* log.append(OrderReceived, { order, replacedVersion: null })
      }
    })
  )
})

/** The sample shop's sender address, carriers and the tracking number ranges a fresh demo station gets. */
const CarrierSetup = Schema.Struct({
  shipFrom: Schema.Array(Schema.String),
  originCountry: Schema.String,
  discountCode: Schema.String,
  sscc: Schema.Struct({ companyPrefix: Schema.String, extensionDigit: Schema.Int }),
  trackingRanges: Schema.Array(Schema.Struct({ carrier: Schema.String, start: Schema.Int, end: Schema.Int }))
})

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)))
export const DEFAULT_STATIC_DIR = join(PROJECT_ROOT, "renderer", "dist")
const FIXTURE_DIR = join(PROJECT_ROOT, "fixtures", "data")

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
  readonly close: () => Promise<void>
}

interface PrinterSetup {
  readonly device: PrinterDevice
  readonly preview?: (jobId: string) => Promise<string | undefined>
  readonly simulator?: PrinterSimulator
  readonly close: () => Promise<void>
}

/** A simulated printer is a real TCP printer listener on loopback; the station prints to it like to any other. */
const setUpPrinter = async (role: PrinterRole, config: ResolvedConfig, render: boolean): Promise<PrinterSetup> => {
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
    language,
    render
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
    simulator,
    close: () => simulator.close()
  }
}

/**
 * A serial scanner or scale whose device file is not there stops the start: the station would run without the
 * device its bench needs, and a supervisor restarting it is the better answer. (A device unplugged later is shown
 * as disconnected and reconnected when it comes back.)
 */
const missingDevices = (config: ResolvedConfig): void => {
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

/**
 * Starts everything a station is, from a resolved configuration: the database (migrated, seeded with the sample
 * data on first start), the devices (simulated when none are configured), the print queue, and the API with its
 * transports. `close` stops all of it in reverse order.
 */
export const startStation = async (options: StartStationOptions): Promise<RunningStation> => {
  const { config } = options
  // What can be checked without touching anything is checked first, so a station that cannot start writes nothing.
  missingDevices(config)
  mkdirSync(config.dataDir, { recursive: true })
  const lock = lockDataDir(config.dataDir)
  const closers: Array<() => Promise<void>> = [async () => lock.release()]
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error: unknown) => options.log(`shutdown step failed: ${String(error)}`))
    }
  }
  try {
    const ids = loadOrCreateIdentity(config.dataDir, config.station)
    const ntpServer = config.time.ntpServer
    if (ntpServer !== undefined) {
      const stopNtp = startNtpPolling({
        server: ntpServer,
        intervalMs: config.time.ntpIntervalMs,
        report: (level, message) => options.log(level === "warning" ? `Warning: ${message}` : message)
      })
      closers.push(async () => stopNtp())
    }
    const render = options.renderPrintouts ?? true
    const label = await setUpPrinter("label", config, render)
    closers.push(label.close)
    const receipt = await setUpPrinter("receipt", config, render)
    closers.push(receipt.close)
    let brokerUrl = config.broker.url ?? ""
    if (config.broker.url === undefined) {
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

    const storage = Layer.mergeAll(
      layerSqlite({ filename: join(config.dataDir, "station.db") }),
      SystemClockLayer,
      layerFileHighWaterMark(join(config.dataDir, "sync-highwater.json"))
    )
    const readFixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURE_DIR, name), "utf8"))
    const carrierSetup = Schema.decodeUnknownSync(CarrierSetup)(readFixture("carriers.json"))
    let seededNow = false
    // Everything a fresh database needs happens here, before any service (and the inbox above all) touches it.
    const identity = Layer.effect(
      StationIdentity,
      Effect.gen(function* () {
        yield* migrate(stationMigrations)
        const { epoch, restarted } = yield* resolveStationEpoch()
        if (restarted !== undefined) options.log(`New event epoch ${epoch}: ${restarted.reason}`)
        if (config.fixtures.loadOnFirstStart) {
          const seeded = yield* seedReferenceData("fixtures/data (sample data)", {
            catalog: readFixture("catalog.json"),
            orders: readFixture("orders.json"),
            badges: readFixture("badges.json")
          })
          if (seeded) {
            seededNow = true
            for (const range of carrierSetup.trackingRanges) {
              const profile = defaultCarrierProfiles.find((candidate) => candidate.id === range.carrier)
              if (profile !== undefined) yield* assignTrackingRange(profile, range)
            }
            options.log("Loaded the sample catalog, orders, badges and tracking number ranges from fixtures/data")
          }
          // Apart from the rest: a station seeded before boxes lived in its database gets them now.
          if (yield* seedBoxes("fixtures/data (sample data)", readFixture("boxes.json"))) {
            options.log("Loaded the sample box catalog from fixtures/data")
          }
        }
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
    const embedded = config.broker.url === undefined
    const tls = loadBrokerTls(config.broker)
    const broker = layerStationLink({
      url: brokerUrl,
      protocolVersion: embedded ? 4 : 5,
      ...(config.broker.username === undefined ? {} : { username: config.broker.username }),
      ...(config.broker.password === undefined ? {} : { password: config.broker.password }),
      ...tls
    })
    const brands = loadBrands(join(FIXTURE_DIR, "brands"), "alpenglow")
    const refundRules = await Effect.runPromise(decodeRefundRules(readFixture("refund-rules.json"))).catch((error) => {
      throw new Error(`fixtures/data/refund-rules.json is not a valid rule set: ${error.message ?? String(error)}`)
    })
    // Carriers configured as API carriers get their labels from their web service; the others issue them offline.
    const apiCarriers = Object.entries(config.carriers).map(([carrier, api]) => {
      options.log(`Carrier ${carrier}: labels from ${api.baseUrl} (label pending while it cannot be reached)`)
      return apiCarrierAdapter(
        makeHttpCarrierApi({
          carrier,
          baseUrl: api.baseUrl,
          timeoutMs: api.timeoutMs,
          ...(api.apiKey === undefined ? {} : { apiKey: api.apiKey })
        })
      )
    })
    const domain = Layer.mergeAll(
      PackService.layer({
        shipFrom: carrierSetup.shipFrom,
        originCountry: carrierSetup.originCountry,
        brand: brands.fallback,
        brands: brands.brands,
        discountCode: carrierSetup.discountCode,
        sscc: carrierSetup.sscc
      }),
      Handover.layer,
      PendingLabels.layer({}),
      ReturnsService.layer({ rules: refundRules })
    ).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          Session.layer(readBadge),
          StationSettings.layer({ name: config.station.name, locale: config.station.locale }),
          PrintQueue.layer,
          Carriers.layerOffline(defaultCarrierProfiles, carrierSetup.originCountry, apiCarriers),
          ScaleWeights.layer
        )
      ),
      Layer.provideMerge(EventLog.layer),
      Layer.provideMerge(Layer.mergeAll(DeviceRegistry.layer, PushHub.layer, insertEncoder)),
      Layer.provideMerge(identity),
      Layer.provideMerge(storage)
    )
    // Inbound handlers are registered before the engine subscribes, so no early message meets an empty registry.
    const inboundHandlers = Layer.effectDiscard(
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const pack = yield* PackService
        const pushes = yield* PushHub
        const returns = yield* ReturnsService
        yield* registerReturnsInbound(inbox, (rejected) =>
          pushes.publish("alert", {
            level: "error",
            code: rejected.reason === "duplicate-unit" ? "refund-rejected-duplicate" : "refund-rejected-over-paid",
            message: `The refund for ${rejected.itemRef} (order ${rejected.orderId}) was rejected: return ${rejected.otherReturnId} on ${rejected.otherStationId} ${rejected.reason === "duplicate-unit" ? "already holds this unit" : "uses up what was paid"}`,
            orderId: rejected.orderId
          })
        )
        yield* registerRulesInbound(inbox, returns.installRules)
        yield* registerCatalogInbound(inbox)
        yield* registerBoxInbound(inbox)
        yield* registerOrderInbound(inbox, {
          isOpen: (orderId) => Effect.map(pack.state, (view) => view.order?.orderId === orderId),
          interrupt: (orderId, reason) =>
            Effect.gen(function* () {
              const released = yield* pack.release(orderId)
              yield* pushes.publish("alert", {
                level: reason === "cancelled" ? "error" : "warning",
                code: reason === "cancelled" ? "order-cancelled" : "order-address-corrected",
                message:
                  reason === "cancelled"
                    ? `Order ${orderId} was cancelled by the shop${released ? ": put the items back" : ""}`
                    : `The shop corrected the address of order ${orderId}${released ? ": scan the order again" : ""}`,
                orderId
              })
            })
        })
      })
    )
    const appVersion = Schema.decodeUnknownSync(Schema.Struct({ version: Schema.String }))(
      JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"))
    ).version
    const sync = SyncEngine.layer({ appVersion }).pipe(
      Layer.provide(inboundHandlers),
      Layer.provideMerge(Layer.mergeAll(Outbox.layer(), Inbox.layer, FleetPresence.layer)),
      Layer.provideMerge(broker)
    )
    const services = sync.pipe(
      Layer.provideMerge(
        Layer.effect(
          SyncView,
          Effect.gen(function* () {
            const engine = yield* SyncEngine
            return SyncView.of({
              status: engine.status.pipe(
                Effect.map(
                  (status): SyncStatus => ({
                    broker: status.broker.connection,
                    brokerUrl,
                    ...(status.broker.lastError === undefined ? {} : { lastError: status.broker.lastError }),
                    depth: status.depth,
                    oldestUnconfirmedAgeMs: status.oldestUndeliveredAgeMs,
                    drainRatePerSec: status.drainRatePerSec,
                    lastPublishedSeq: status.lastPublishedSeq,
                    lastConfirmedSeq: status.lastConfirmedSeq
                  })
                ),
                Effect.orElseSucceed(
                  (): SyncStatus => ({
                    broker: "unknown",
                    brokerUrl,
                    lastError: "the station database did not answer",
                    depth: 0,
                    oldestUnconfirmedAgeMs: null,
                    drainRatePerSec: 0,
                    lastPublishedSeq: 0,
                    lastConfirmedSeq: 0
                  })
                )
              )
            })
          })
        ).pipe(Layer.provide(sync))
      ),
      Layer.provideMerge(domain)
    )
    const runtime = ManagedRuntime.make(services)
    closers.push(() => runtime.dispose())
    const engine = await runtime.runPromise(Effect.service(SyncEngine))
    if (seededNow) await runtime.runPromise(announceSeededOrders)

    // The Manager screen's customer figures come from the hub: this process's own once it runs, or the fleet's.
    let hubUrl = config.hub.embedded ? undefined : config.hub.url
    const station = await runtime.runPromise(
      makeStationHandlers.pipe(
        Effect.provide(
          Layer.merge(
            layerHttpCustomerMetrics(() => hubUrl),
            layerHttpShopStatus(() => hubUrl)
          )
        )
      )
    )
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
    // Labels of parcels packed while their carrier's service was unreachable print through the queue above.
    const labelRetry = runtime.runFork(
      Effect.flatMap(Effect.service(PendingLabels), (pending) =>
        pending.work(station.publishStatus.pipe(Effect.ignore))
      )
    )
    closers.push(() => runtime.runPromise(Fiber.interrupt(labelRetry)).then(() => undefined))

    const scanners = config.scanners.map((scanner) =>
      scanner.type === "simulated"
        ? { config: scanner, device: Effect.succeed<ScannerDevice>(new SimulatedScanner(scanner.id)) }
        : {
            config: scanner,
            device: SerialScanner.make({
              id: scanner.id,
              path: scanner.path,
              baudRate: scanner.baudRate ?? 9600,
              framing: {
                suffix: scanner.suffix ?? "CR",
                ...(scanner.prefix === undefined ? {} : { prefix: scanner.prefix })
              }
            })
          }
    )
    /** How a device's state reaches the header: the device registry, then a status push. */
    const reporterFor =
      (kind: "scanner" | "scale", device: { readonly id: string; readonly description: string }) =>
      (state: "ok" | "warning" | "error", detail: string) =>
        runtime.runFork(
          Effect.andThen(
            devices.report({ id: device.id, kind, description: device.description, state, detail }),
            station.publishStatus.pipe(Effect.ignore)
          )
        )
    /** Runs a device until the station closes; a device that stops on its own is logged with why. */
    const keepRunning = <E>(label: string, run: Effect.Effect<void, E, Scope.Scope>) => {
      const fiber = runtime.runFork(
        Effect.scoped(Effect.andThen(run, Effect.never)).pipe(
          Effect.tapCause((cause) => Effect.logError(`${label} stopped`, cause))
        )
      )
      closers.push(() => runtime.runPromise(Fiber.interrupt(fiber)).then(() => undefined))
    }

    const simulated: Array<SimulatedScanner> = []
    for (const scanner of scanners) {
      const device = await runtime.runPromise(scanner.device)
      if (device instanceof SimulatedScanner) simulated.push(device)
      const report = reporterFor("scanner", device)
      keepRunning(
        `scanner ${device.id}`,
        device.run({
          onScan: (scan) => {
            runtime.runFork(
              dispatch("scan.submit", {
                raw: scan.raw,
                source: scanner.config.type === "serial" ? "serial" : "simulated",
                deviceId: scan.deviceId,
                at: scan.at
              })
            )
          },
          onState: (state) =>
            state._tag === "Connected"
              ? report("ok", "connected")
              : state._tag === "Disconnected"
                ? report("error", `disconnected: ${state.reason}`)
                : report("warning", `rejected line noise: ${state.reason}`)
        })
      )
    }

    const weights = await runtime.runPromise(Effect.service(ScaleWeights))
    const simulatedScales: Array<SimulatedScale> = []
    for (const scale of config.scales) {
      const device = await runtime.runPromise(
        scale.type === "simulated"
          ? Effect.succeed<ScaleDevice>(new SimulatedScale(scale.id))
          : SerialScale.make({
              id: scale.id,
              path: scale.path,
              baudRate: scale.baudRate ?? 9600,
              protocol: scale.protocol ?? "mt-sics",
              continuous: scale.continuous ?? false
            })
      )
      if (device instanceof SimulatedScale) simulatedScales.push(device)
      await runtime.runPromise(weights.register(device))
      const report = reporterFor("scale", device)
      keepRunning(
        `scale ${device.id}`,
        device.run({
          onReading: (reading) => runtime.runFork(weights.reading(reading)),
          onState: (state) => {
            runtime.runFork(weights.state(device.id, state))
            if (state._tag === "Connected") report("ok", "connected")
            else if (state._tag === "Disconnected") report("error", `disconnected: ${state.reason}`)
            else report("warning", state.reason)
          }
        })
      )
    }

    // Sync status changes with every publish and ack; the header needs it a few times a second at most.
    let statusPending = false
    const statusChanged = () => {
      if (statusPending) return
      statusPending = true
      setTimeout(() => {
        statusPending = false
        runtime.runFork(station.publishStatus.pipe(Effect.ignore))
      }, 500)
    }
    const statusFiber = runtime.runFork(Effect.scoped(Effect.andThen(engine.changes(statusChanged), Effect.never)))
    closers.push(() => runtime.runPromise(Fiber.interrupt(statusFiber)).then(() => undefined))
    // The Manager screen's stations panel: every birth, clean stop and last will of the site, pushed as it arrives.
    const fleetFiber = runtime.runFork(
      Effect.scoped(
        Effect.andThen(
          Effect.flatMap(Effect.service(FleetPresence), (fleet) =>
            fleet.changes((view) => runtime.runFork(pushes.publish("fleet", view)))
          ),
          Effect.never
        )
      )
    )
    closers.push(() => runtime.runPromise(Fiber.interrupt(fleetFiber)).then(() => undefined))

    // A call may have appended events: wake the publisher so they leave now rather than at its next poll.
    if (config.hub.embedded) {
      const hub = await startEmbeddedHub(config, brokerUrl, options.log)
      closers.push(hub.close)
      hubUrl = hub.url
    }

    const call = (name: string, input: unknown) =>
      runtime.runPromise(Effect.tap(dispatch(name, input), () => engine.kick))
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
    return {
      config,
      siteId: ids.siteId,
      stationId: ids.stationId,
      url,
      brokerUrl,
      call,
      subscribe: pushes.subscribe,
      injectScan: (raw) => simulated.some((scanner) => scanner.inject(raw)),
      simulatedPrinters: {
        ...(label.simulator === undefined ? {} : { label: label.simulator }),
        ...(receipt.simulator === undefined ? {} : { receipt: receipt.simulator })
      },
      placeOnScale: (grams, settleMs) => simulatedScales.some((scale) => scale.place(grams, settleMs)),
      close
    }
  } catch (error) {
    await close()
    throw error
  }
}

export const printoutName = (file: string) => basename(file)
