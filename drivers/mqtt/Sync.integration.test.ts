import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Context, Deferred, Effect, Fiber, Layer, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BrokerConfig } from "../../core/config/StationConfig.ts"
import type { EventEnvelope } from "../../core/events/Event.ts"
import { defineEvent } from "../../core/events/EventDefinition.ts"
import { EventLog } from "../../core/events/EventLog.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { Sql } from "../../core/store/Sql.ts"
import { Consumer, EventRefused, type StreamAlert } from "../../core/sync/Consumer.ts"
import { checkDelivery } from "../../core/sync/DeliveryChecker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../../core/sync/HighWaterMark.ts"
import { inboundVersionProblem } from "../../core/sync/InboundVersion.ts"
import { Outbox, type OutboxOptions } from "../../core/sync/Outbox.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { startCuttingProxy } from "../../fixtures/mqtt/CuttingProxy.ts"
import { type Mosquitto, startMosquitto } from "../../fixtures/mqtt/MosquittoProcess.ts"
import {
  appendScans,
  appliedEvents,
  committedEvents,
  consumerRigLayer,
  refusedInPlace,
  Scanned,
  stationRigLayer,
  waitFor,
  wallClock
} from "../../fixtures/mqtt/SyncRig.ts"
import { makeTestPki } from "../../fixtures/mqtt/TestPki.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { loadBrokerTls } from "../station/brokerTls.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "./EmbeddedBroker.ts"
import { layerMqttBroker, type MqttBrokerOptions } from "./MqttBroker.ts"

const tempDir = () => mkdtempSync(join(tmpdir(), "pb-sync-it-"))
const CLEAN = { lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] }
let unique = 0
const clientId = (role: string) => `${role}-${process.pid}-${++unique}`

interface Endpoint {
  readonly url: string
  readonly protocolVersion: 4 | 5
}

/** The station side: database, outbox and its MQTT link, started in the current scope. */
const buildStation = (
  dir: string,
  endpoint: Endpoint,
  outbox: Partial<OutboxOptions> = {},
  link: Partial<MqttBrokerOptions> = {}
) =>
  Layer.build(
    stationRigLayer({
      filename: join(dir, "station.db"),
      broker: layerMqttBroker({
        url: endpoint.url,
        clientId: clientId("station"),
        protocolVersion: endpoint.protocolVersion,
        ...link
      }),
      highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
      outbox: { ackTimeoutMs: 2_000, publishTimeoutMs: 3_000, retryInitialMs: 100, retryMaxMs: 1_000, ...outbox }
    })
  )

const buildConsumer = (dir: string | ":memory:", endpoint: Endpoint, id: string, ackDelayMs?: number) =>
  Layer.build(
    consumerRigLayer({
      filename: dir === ":memory:" ? dir : join(dir, "hub.db"),
      broker: layerMqttBroker({ url: endpoint.url, clientId: id, protocolVersion: endpoint.protocolVersion }),
      resendIntervalMs: 500,
      ...(ackDelayMs === undefined ? {} : { ackDelayMs })
    })
  )

const startOutbox = (station: Context.Context<Outbox>) =>
  Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
const startConsumer = (consumer: Context.Context<Consumer>) =>
  Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))

const confirmedAll = (station: Context.Context<Outbox>, count: number, timeoutMs: number) =>
  waitFor(
    Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
    (s) => s.lastConfirmedSeq >= count,
    timeoutMs
  )

const basicDelivery = (endpoint: Endpoint) =>
  Effect.gen(function* () {
    const dir = tempDir()
    const consumer = yield* buildConsumer(dir, endpoint, clientId("hub"))
    yield* startConsumer(consumer)
    const station = yield* buildStation(dir, endpoint)
    yield* appendScans(300, 10).pipe(Effect.provide(station))
    yield* startOutbox(station)
    yield* appendScans(200, 1).pipe(Effect.provide(station))
    const status = yield* confirmedAll(station, 500, 30_000)
    const applied = yield* appliedEvents.pipe(Effect.provide(consumer))
    const committed = yield* committedEvents.pipe(Effect.provide(station))
    return { status, verdict: checkDelivery(committed, applied), committed: committed.length }
  }).pipe(Effect.scoped)

describe("sync over a real mosquitto", () => {
  let mosquitto: Mosquitto
  beforeAll(async () => {
    mosquitto = await startMosquitto()
  })
  afterAll(async () => {
    await mosquitto.stop()
  })

  it("(a) delivers every event exactly once in order, MQTT 5", async () => {
    const result = await Effect.runPromise(basicDelivery({ url: mosquitto.url, protocolVersion: 5 }))
    expect(result.committed).toBe(500)
    expect(result.verdict).toEqual(CLEAN)
    expect(result.status).toMatchObject({ depth: 0, lastPublishedSeq: 500, lastConfirmedSeq: 500 })
  })
})

describe("sync over the embedded aedes broker", () => {
  let aedes: EmbeddedBroker
  beforeAll(async () => {
    aedes = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  })
  afterAll(async () => {
    await aedes.close()
  })

  it("(a) delivers every event exactly once in order, MQTT 3.1.1", async () => {
    const result = await Effect.runPromise(basicDelivery({ url: aedes.url, protocolVersion: 4 }))
    expect(result.committed).toBe(500)
    expect(result.verdict).toEqual(CLEAN)
  })
})

const settle = (
  station: Context.Context<Outbox | Sql>,
  consumer: Context.Context<Sql>,
  count: number,
  timeoutMs = 60_000
) =>
  Effect.gen(function* () {
    yield* confirmedAll(station, count, timeoutMs)
    const applied = yield* appliedEvents.pipe(Effect.provide(consumer))
    const committed = yield* committedEvents.pipe(Effect.provide(station))
    return { committed: committed.length, verdict: checkDelivery(committed, applied) }
  })

const outboxStatus = (station: Context.Context<Outbox>) =>
  Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station))

/** A change of an order with the version its sender gave it, as the hub's projection takes order changes. */
const OrderChanged = defineEvent({
  type: "test.order-changed",
  version: 1,
  payload: Schema.Struct({ orderId: Schema.String, version: Schema.Number })
})
/** The version a forged change carries: beyond any a sender can have given (`core/sync/InboundVersion.ts`). */
const FORGED_VERSION = Number.MAX_SAFE_INTEGER
const decodeOrderChange = Schema.decodeUnknownResult(OrderChanged.payload)

/**
 * The projection's refusals for good, as the hub's for orders: an order change whose payload does not decode, or whose
 * version no sender can have given by the consumer's clock.
 */
const refuseForgedOrderChanges = (event: EventEnvelope, receivedAtMs: number) => {
  if (event.type !== OrderChanged.type) return undefined
  const change = decodeOrderChange(event.payload)
  if (change._tag === "Failure")
    return new EventRefused({ reason: `payload does not decode: ${change.failure.message}` })
  const problem = inboundVersionProblem(change.success.version, receivedAtMs)
  return problem === undefined ? undefined : new EventRefused({ reason: `order ${change.success.orderId}: ${problem}` })
}

describe("sync faults against mosquitto", () => {
  const brokers: Array<Mosquitto> = []
  afterAll(async () => {
    for (const broker of brokers) await broker.stop()
  })
  const mosquittoWith = async (options: Parameters<typeof startMosquitto>[0] = {}) => {
    const broker = await startMosquitto(options)
    brokers.push(broker)
    return broker
  }

  it("(b) loses nothing when the broker is killed -9 with PUBACKed events queued for an offline consumer", async () => {
    const mosquitto = await mosquittoWith()
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const hubId = clientId("hub")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        // The consumer's persistent session exists, then the consumer goes away.
        yield* Effect.scoped(Effect.flatMap(buildConsumer(dir, endpoint, hubId), startConsumer))
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        yield* appendScans(300, 10).pipe(Effect.provide(station))
        yield* waitFor(
          Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
          (s) => s.lastPublishedSeq === 300,
          20_000
        )
        yield* Effect.promise(() => mosquitto.kill9())
        yield* appendScans(50, 5).pipe(Effect.provide(station))
        yield* Effect.promise(() => mosquitto.start())
        const consumer = yield* buildConsumer(dir, endpoint, hubId)
        yield* startConsumer(consumer)
        return yield* settle(station, consumer, 350)
      }).pipe(Effect.scoped)
    )
    expect(result.committed).toBe(350)
    expect(result.verdict).toEqual(CLEAN)
  })

  it("(c) loses nothing when the broker's per-client queue overflows (max_queued_messages 50, 500 events)", async () => {
    const mosquitto = await mosquittoWith({ maxQueuedMessages: 50 })
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const hubId = clientId("hub")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.scoped(Effect.flatMap(buildConsumer(dir, endpoint, hubId), startConsumer))
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        yield* appendScans(500, 20).pipe(Effect.provide(station))
        yield* waitFor(
          Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
          (s) => s.lastPublishedSeq === 500,
          20_000
        )
        const consumer = yield* buildConsumer(dir, endpoint, hubId)
        yield* startConsumer(consumer)
        return yield* settle(station, consumer, 500)
      }).pipe(Effect.scoped)
    )
    expect(result.verdict).toEqual(CLEAN)
    expect(result.committed).toBe(500)
  })

  it("(d) loses and duplicates nothing while a proxy cuts the station's connection mid-batch", async () => {
    const mosquitto = await mosquittoWith()
    const proxy = await startCuttingProxy({ host: "127.0.0.1", port: mosquitto.port })
    const dir = tempDir()
    try {
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const direct: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
          const consumer = yield* buildConsumer(dir, direct, clientId("hub"))
          yield* startConsumer(consumer)
          const station = yield* buildStation(
            dir,
            { url: proxy.url, protocolVersion: 5 },
            { batchSize: 100 },
            { reconnectPeriodMs: 100 }
          )
          yield* startOutbox(station)
          const cutter = yield* Effect.forkChild(
            Effect.forever(
              Effect.andThen(
                Effect.sleep(150),
                Effect.sync(() => proxy.cutAll())
              )
            )
          )
          yield* appendScans(2_000, 25).pipe(Effect.provide(station))
          yield* Effect.sleep(2_000)
          yield* Fiber.interrupt(cutter)
          return yield* settle(station, consumer, 2_000)
        }).pipe(Effect.scoped)
      )
      expect(proxy.cuts()).toBeGreaterThan(5)
      expect(result.verdict).toEqual(CLEAN)
      expect(result.committed).toBe(2_000)
    } finally {
      await proxy.close()
    }
  })

  it("(e) applies nothing twice when the consumer dies after commit and before its ack", async () => {
    const mosquitto = await mosquittoWith()
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const hubId = clientId("hub")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        const firstLife = yield* Effect.scoped(
          Effect.gen(function* () {
            // An ack delay longer than this life: every commit happens, no ack ever leaves.
            const consumer = yield* buildConsumer(dir, endpoint, hubId, 600_000)
            yield* startConsumer(consumer)
            yield* appendScans(200, 10).pipe(Effect.provide(station))
            return yield* waitFor(appliedEvents.pipe(Effect.provide(consumer)), (a) => a.length === 200, 20_000)
          })
        )
        const before = yield* Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station))
        const consumer = yield* buildConsumer(dir, endpoint, hubId)
        yield* startConsumer(consumer)
        return { firstLife: firstLife.length, before, ...(yield* settle(station, consumer, 200)) }
      }).pipe(Effect.scoped)
    )
    expect(result.firstLife).toBe(200)
    expect(result.before.lastConfirmedSeq).toBe(0)
    expect(result.verdict).toEqual(CLEAN)
  })

  it("(f) drains 100,000 events appended while offline with flat memory", async () => {
    const mosquitto = await mosquittoWith()
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    await mosquitto.stop()
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const station = yield* buildStation(dir, endpoint, {
          batchSize: 500,
          maxInFlight: 100,
          drainRatePerSec: 100_000,
          maxUnconfirmed: 20_000
        })
        yield* startOutbox(station)
        yield* appendScans(100_000, 1_000).pipe(Effect.provide(station))
        global.gc?.()
        const rssBefore = process.memoryUsage().rss
        let rssPeak = rssBefore
        const sampler = yield* Effect.forkChild(
          Effect.forever(
            Effect.andThen(
              Effect.sync(() => {
                rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
              }),
              Effect.sleep(100)
            )
          )
        )
        yield* Effect.promise(() => mosquitto.start())
        const consumer = yield* buildConsumer(":memory:", endpoint, clientId("hub"))
        yield* startConsumer(consumer)
        const settled = yield* settle(station, consumer, 100_000, 240_000)
        yield* Fiber.interrupt(sampler)
        return { ...settled, rssDeltaMb: (rssPeak - rssBefore) / 1_048_576 }
      }).pipe(Effect.scoped)
    )
    expect(result.committed).toBe(100_000)
    expect(result.verdict).toEqual(CLEAN)
    // Station and consumer share this process; batches of 500 and a 20k window keep both well under this.
    expect(result.rssDeltaMb).toBeLessThan(200)
    // 100k events through a real broker take 60 s to minutes on a busy 2-core machine: wider bounds than the default.
  }, 300_000)

  it("(g) a full or read-only database refuses the append with a clear reason and loses nothing committed", async () => {
    const mosquitto = await mosquittoWith()
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* buildConsumer(dir, endpoint, clientId("hub"))
        yield* startConsumer(consumer)
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        yield* appendScans(100, 10).pipe(Effect.provide(station))
        const sql = yield* Effect.provide(
          Effect.gen(function* () {
            return yield* Sql
          }),
          station
        )
        const pages = yield* sql.query<{ page_count: number }>("PRAGMA page_count")
        yield* sql.query(`PRAGMA max_page_count = ${Number(pages[0]?.page_count)}`)
        const full = yield* appendScans(5_000, 50).pipe(Effect.provide(station), Effect.flip)
        yield* sql.query("PRAGMA max_page_count = 1073741823")
        const readOnly = yield* Effect.scoped(
          Effect.gen(function* () {
            const context = yield* Layer.build(
              EventLog.layer.pipe(
                Layer.provideMerge(
                  Layer.mergeAll(
                    layerSqlite({ filename: join(dir, "station.db"), readonly: true }),
                    Layer.succeed(StationClock, wallClock),
                    Layer.succeed(
                      StationIdentity,
                      StationIdentity.of({ siteId: "HAM1", stationId: "PACK-01", epoch: "x" })
                    )
                  )
                )
              )
            )
            return yield* appendScans(1).pipe(Effect.provide(context), Effect.flip)
          })
        )
        yield* appendScans(10, 5).pipe(Effect.provide(station))
        const total = (yield* committedEvents.pipe(Effect.provide(station))).length
        return { full, readOnly, ...(yield* settle(station, consumer, total)) }
      }).pipe(Effect.scoped)
    )
    expect(result.full).toMatchObject({ _tag: "StoreError", reason: "DiskFull" })
    expect(result.readOnly).toMatchObject({ _tag: "StoreError", reason: "ReadOnly" })
    expect(result.committed).toBeGreaterThanOrEqual(110)
    expect(result.verdict).toEqual(CLEAN)
  })

  it("(h) survives kill -9 of the station process at random moments: contiguous seqs, each event applied once", async () => {
    const mosquitto = await mosquittoWith()
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const child = fileURLToPath(new URL("../../fixtures/mqtt/stationChild.ts", import.meta.url))
    const spawnStation = (mode: "append" | "drain") =>
      spawn(process.execPath, ["--import", "tsx", child, dir, mosquitto.url, mode], {
        stdio: ["ignore", "pipe", "ignore"]
      })
    const ready = (process: ChildProcess) =>
      new Promise<void>((resolve, reject) => {
        process.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("ready")) resolve()
        })
        process.once("exit", (code) => reject(new Error(`station child exited early (${code})`)))
      })
    const running = new Set<ChildProcess>()
    const kill9 = (process: ChildProcess) =>
      new Promise<void>((resolve) => {
        running.delete(process)
        if (process.exitCode !== null || process.signalCode !== null) return resolve()
        process.once("exit", () => resolve())
        process.kill("SIGKILL")
      })
    // Deterministic "random" moments, so a failure replays.
    let seed = 7
    const nextDelay = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return 50 + (seed % 900)
    }
    try {
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const consumer = yield* buildConsumer(dir, endpoint, clientId("hub"))
          yield* startConsumer(consumer)
          for (let round = 0; round < 50; round++) {
            const station = spawnStation("append")
            running.add(station)
            yield* Effect.promise(() => ready(station))
            yield* Effect.sleep(nextDelay())
            yield* Effect.promise(() => kill9(station))
          }
          const drain = spawnStation("drain")
          running.add(drain)
          const reader = yield* Layer.build(layerSqlite({ filename: join(dir, "station.db"), readonly: true }))
          const readStation = <A>(query: (sql: Sql["Service"]) => Effect.Effect<A, unknown>) =>
            Effect.gen(function* () {
              return yield* query(yield* Sql)
            }).pipe(Effect.provide(reader))
          const committed = yield* readStation((sql) =>
            sql.query<{ id: string; seq: number; epoch: string }>("SELECT id, seq, epoch FROM events ORDER BY seq")
          )
          yield* waitFor(appliedEvents.pipe(Effect.provide(consumer)), (a) => a.length >= committed.length, 60_000)
          yield* Effect.promise(() => kill9(drain))
          const integrity = yield* readStation((sql) =>
            sql.query<{ integrity_check: string }>("PRAGMA integrity_check")
          )
          const applied = yield* appliedEvents.pipe(Effect.provide(consumer))
          return { committed, integrity, verdict: checkDelivery(committed, applied) }
        }).pipe(Effect.scoped)
      )
      expect(result.integrity).toEqual([{ integrity_check: "ok" }])
      expect(result.committed.length).toBeGreaterThan(100)
      expect(result.committed.map((event) => event.seq)).toEqual(result.committed.map((_, index) => index + 1))
      expect(result.verdict).toEqual(CLEAN)
    } finally {
      for (const process of running) await kill9(process)
    }
  }, 600_000)

  it("(m) refuses forged events in their place, once each, across a broker restart; every other event applied once, in order", async () => {
    const mosquitto = await mosquittoWith()
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const alerts: Array<StreamAlert> = []
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* Layer.build(
          consumerRigLayer({
            filename: join(dir, "hub.db"),
            broker: layerMqttBroker({ url: endpoint.url, clientId: clientId("hub"), protocolVersion: 5 }),
            resendIntervalMs: 500,
            refuse: refuseForgedOrderChanges,
            onAlert: (alert) => Effect.sync(() => alerts.push(alert))
          })
        )
        yield* startConsumer(consumer)
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        const append = <A, E>(effect: Effect.Effect<A, E, EventLog | StationClock>) =>
          effect.pipe(Effect.provide(station))
        const orderChange = (version: number) =>
          append(Effect.flatMap(EventLog, (log) => log.append(OrderChanged, { orderId: "SO-1", version })))
        // A scanner with a broken clock: its scan is dated three days ahead of the hub's clock, which refuses it.
        const scanDatedAhead = append(
          Effect.gen(function* () {
            const now = yield* (yield* StationClock).now
            const log = yield* EventLog
            return yield* log.append(
              Scanned,
              { n: -1, code: "AHEAD" },
              { eventTime: { ...now, wallMs: now.wallMs + 3 * 86_400_000 } }
            )
          })
        )
        // Stages as in (l): 100 scans, the forged order change and the genuine one behind it, 100 scans, then the
        // broker stops; 50 scans, the scan dated ahead, 50 scans while it is down; 100 after its restart.
        const stopped = yield* Deferred.make<void>()
        const restarted = yield* Deferred.make<void>()
        const scans = (batches: number) =>
          Effect.forEach(Array.from({ length: batches }), () =>
            Effect.andThen(appendScans(10, 5).pipe(Effect.provide(station)), Effect.sleep(25))
          )
        const writer = yield* Effect.forkChild(
          Effect.gen(function* () {
            yield* scans(10)
            const forged = yield* orderChange(FORGED_VERSION)
            const genuine = yield* orderChange(2)
            yield* scans(10)
            yield* Deferred.await(stopped)
            yield* scans(5)
            const ahead = yield* scanDatedAhead
            yield* scans(5)
            yield* Deferred.await(restarted)
            yield* scans(10)
            return { forged, genuine, ahead }
          })
        )
        yield* waitFor(outboxStatus(station), (s) => s.lastPublishedSeq >= 110, 20_000)
        yield* Effect.promise(() => mosquitto.stop())
        const down = yield* waitFor(outboxStatus(station), (s) => s.broker.connection !== "connected", 10_000)
        yield* Deferred.succeed(stopped, undefined)
        const appendedWhileDown = yield* waitFor(outboxStatus(station), (s) => s.lastSeq >= 303, 20_000)
        yield* Effect.promise(() => mosquitto.start())
        yield* Deferred.succeed(restarted, undefined)
        const written = yield* Fiber.join(writer)
        const settled = yield* confirmedAll(station, 403, 60_000)
        const committed = yield* committedEvents.pipe(Effect.provide(station))
        const applied = yield* appliedEvents.pipe(Effect.provide(consumer))
        const refused = yield* refusedInPlace.pipe(Effect.provide(consumer))
        const quarantined = yield* Effect.flatMap(Sql, (sql) =>
          sql.query<{ reason: string }>("SELECT reason FROM sync_consumer_quarantine ORDER BY id")
        ).pipe(Effect.provide(consumer))
        return {
          written,
          down,
          appendedWhileDown,
          settled,
          committed: committed.length,
          applied,
          refused,
          quarantined: quarantined.map((row) => row.reason),
          verdict: checkDelivery(committed, applied, refused)
        }
      }).pipe(Effect.scoped)
    )
    const { forged, genuine, ahead } = result.written
    expect([forged.seq, genuine.seq, ahead.seq]).toEqual([101, 102, 253])
    expect(result.down.lastSeq).toBeLessThanOrEqual(202)
    expect(result.appendedWhileDown.broker.connection).not.toBe("connected")
    expect(result.committed).toBe(403)
    expect(result.settled.lastConfirmedSeq).toBe(403)
    expect(result.verdict).toEqual(CLEAN)
    // Each forged event took its place once, refused with its own reason, and its station was told once.
    expect(result.refused.map((event) => [event.seq, event.id])).toEqual([
      [101, forged.id],
      [253, ahead.id]
    ])
    expect(result.quarantined).toEqual([
      expect.stringMatching(
        /^refused in sequence \(seq 101\): order SO-1: version 9007199254740991 is beyond any a sender can have given/
      ),
      expect.stringMatching(
        /^refused in sequence \(seq 253\): eventTime\.wallMs is 43\d\d min ahead of the hub's clock$/
      )
    ])
    expect(alerts.map((alert) => [alert.kind, alert.seq, alert.eventId])).toEqual([
      ["refused", 101, forged.id],
      ["refused", 253, ahead.id]
    ])
    expect(result.applied.filter((event) => event.seq === 102).map((event) => event.id)).toEqual([genuine.id])
  })
})

describe("PUBACK reason codes from a real MQTT 5 broker (mosquitto)", () => {
  const brokers: Array<Mosquitto> = []
  afterAll(async () => {
    for (const broker of brokers) await broker.stop()
  })

  it("(i) 0x10 no matching subscribers is not delivery: nothing counts as published, all arrive once a consumer subscribes", async () => {
    const mosquitto = await startMosquitto()
    brokers.push(mosquitto)
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        yield* appendScans(50, 10).pipe(Effect.provide(station))
        // Two failed rounds: the first publish and at least one resend both met an empty topic.
        const unsubscribed = yield* waitFor(
          outboxStatus(station),
          (s) => s.lastPublishError?.includes("0x10") === true && s.lastSeq === 50,
          20_000
        )
        const consumer = yield* buildConsumer(dir, endpoint, clientId("hub"))
        yield* startConsumer(consumer)
        return { unsubscribed, ...(yield* settle(station, consumer, 50)) }
      }).pipe(Effect.scoped)
    )
    expect(result.unsubscribed).toMatchObject({ lastPublishedSeq: 0, lastConfirmedSeq: 0, depth: 50 })
    expect(result.committed).toBe(50)
    expect(result.verdict).toEqual(CLEAN)
  })

  it("(j) 0x87 not authorized (acl_file denies the events topic) is a failure, never published; nothing lost once allowed", async () => {
    const mosquitto = await startMosquitto({
      // Anonymous clients may read events (the consumer) and talk on acks/resend, but not publish events.
      acl: [
        "topic read packbench/v1/+/+/events/#",
        "topic readwrite packbench/v1/+/+/acks",
        "topic readwrite packbench/v1/+/+/resend"
      ].join("\n")
    })
    brokers.push(mosquitto)
    const endpoint: Endpoint = { url: mosquitto.url, protocolVersion: 5 }
    const dir = tempDir()
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* buildConsumer(dir, endpoint, clientId("hub"))
        yield* startConsumer(consumer)
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        yield* appendScans(40, 10).pipe(Effect.provide(station))
        const denied = yield* waitFor(
          outboxStatus(station),
          (s) => s.lastPublishError?.includes("0x87") === true && s.lastSeq === 40,
          20_000
        )
        const appliedWhileDenied = (yield* appliedEvents.pipe(Effect.provide(consumer))).length
        mosquitto.writeAcl("topic readwrite packbench/v1/#")
        mosquitto.reload()
        return { denied, appliedWhileDenied, ...(yield* settle(station, consumer, 40)) }
      }).pipe(Effect.scoped)
    )
    expect(result.denied).toMatchObject({ lastPublishedSeq: 0, lastConfirmedSeq: 0, depth: 40 })
    expect(result.denied.lastPublishError).toContain("refused the event (reason code 0x87)")
    expect(result.appliedWhileDenied).toBe(0)
    expect(result.committed).toBe(40)
    expect(result.verdict).toEqual(CLEAN)
  })
})

describe("TLS with client certificates and username/password (mosquitto, require_certificate)", () => {
  let mosquitto: Mosquitto | undefined
  afterAll(async () => {
    await mosquitto?.stop()
  })

  it("(k) syncs with the README's broker fields; a missing or foreign certificate or a bad password is named, nothing lost", async () => {
    const pki = makeTestPki(tempDir())
    const broker = await startMosquitto({
      tls: { caFile: pki.caFile, certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, requireCertificate: true },
      users: { "PACK-01": "station-secret", hub: "hub-secret" }
    })
    mosquitto = broker
    const stationCert = pki.client("PACK-01")
    const foreignCert = pki.client("PACK-01", "stranger")
    const hubCert = pki.client("hub")
    /** What `broker` in packbench.config.json holds, decoded as the station decodes it, then its PEM files read. */
    const linkOf = (fields: Record<string, string>) => {
      const config = Schema.decodeUnknownSync(BrokerConfig)({ url: broker.url, caFile: pki.caFile, ...fields })
      return {
        endpoint: { url: config.url ?? "", protocolVersion: 5 } satisfies Endpoint,
        link: {
          ...loadBrokerTls(config),
          ...(config.username === undefined ? {} : { username: config.username }),
          ...(config.password === undefined ? {} : { password: config.password })
        }
      }
    }
    const good = linkOf({ ...stationCert, username: "PACK-01", password: "station-secret" })
    const refusals = {
      noCertificate: linkOf({ username: "PACK-01", password: "station-secret" }),
      foreignCertificate: linkOf({ ...foreignCert, username: "PACK-01", password: "station-secret" }),
      badPassword: linkOf({ ...stationCert, username: "PACK-01", password: "guess" })
    }
    const hub = linkOf({ ...hubCert, username: "hub", password: "hub-secret" })
    const dir = tempDir()
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* Layer.build(
          consumerRigLayer({
            filename: join(dir, "hub.db"),
            broker: layerMqttBroker({
              url: hub.endpoint.url,
              clientId: clientId("hub"),
              protocolVersion: 5,
              ...hub.link
            }),
            resendIntervalMs: 500
          })
        )
        yield* startConsumer(consumer)
        const refused: Record<string, { readonly lastError: string | undefined; readonly lastPublishedSeq: number }> =
          {}
        for (const [name, { endpoint, link }] of Object.entries(refusals)) {
          refused[name] = yield* Effect.scoped(
            Effect.gen(function* () {
              const station = yield* buildStation(dir, endpoint, {}, { ...link, reconnectPeriodMs: 200 })
              yield* startOutbox(station)
              yield* appendScans(10, 5).pipe(Effect.provide(station))
              const status = yield* waitFor(
                outboxStatus(station),
                (s) => s.broker.lastError !== undefined && s.broker.connection !== "connected",
                15_000
              )
              return { lastError: status.broker.lastError, lastPublishedSeq: status.lastPublishedSeq }
            })
          )
        }
        const station = yield* buildStation(dir, good.endpoint, {}, good.link)
        yield* startOutbox(station)
        yield* appendScans(20, 5).pipe(Effect.provide(station))
        return { refused, ...(yield* settle(station, consumer, 50)) }
      }).pipe(Effect.scoped)
    )
    expect(result.refused.noCertificate).toEqual({
      lastError:
        "TLS: the broker requires a client certificate and the station sent none: set broker.certFile and broker.keyFile",
      lastPublishedSeq: 0
    })
    expect(result.refused.foreignCertificate?.lastError).toContain(
      "TLS: the broker rejected the station's client certificate (broker.certFile)"
    )
    expect(result.refused.badPassword?.lastError).toContain("the broker refused the login")
    expect(result.refused.badPassword?.lastPublishedSeq).toBe(0)
    expect(result.committed).toBe(50)
    expect(result.verdict).toEqual(CLEAN)
  })
})

describe("broker stopped under load (mosquitto)", () => {
  let mosquitto: Mosquitto | undefined
  afterAll(async () => {
    await mosquitto?.stop()
  })

  it("(l) loses nothing when the broker stops and restarts while the station keeps appending and publishing", async () => {
    const broker = await startMosquitto()
    mosquitto = broker
    const endpoint: Endpoint = { url: broker.url, protocolVersion: 5 }
    const dir = tempDir()
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const consumer = yield* buildConsumer(dir, endpoint, clientId("hub"))
        yield* startConsumer(consumer)
        const station = yield* buildStation(dir, endpoint)
        yield* startOutbox(station)
        // The writer appends 500 events while the broker is up, 250 while it is down and 250 after its restart: it
        // waits at each stage for the broker's change, so no machine is too fast or too slow for the stages.
        const stopped = yield* Deferred.make<void>()
        const restarted = yield* Deferred.make<void>()
        const batches = (count: number) =>
          Effect.forEach(Array.from({ length: count }), () =>
            Effect.andThen(appendScans(25, 5).pipe(Effect.provide(station)), Effect.sleep(25))
          )
        const writer = yield* Effect.forkChild(
          Effect.gen(function* () {
            yield* batches(20)
            yield* Deferred.await(stopped)
            yield* batches(10)
            yield* Deferred.await(restarted)
            yield* batches(10)
          })
        )
        const atStop = yield* waitFor(outboxStatus(station), (s) => s.lastPublishedSeq >= 100, 20_000)
        yield* Effect.promise(() => broker.stop())
        const down = yield* waitFor(outboxStatus(station), (s) => s.broker.connection !== "connected", 10_000)
        yield* Deferred.succeed(stopped, undefined)
        const appendedWhileDown = yield* waitFor(outboxStatus(station), (s) => s.lastSeq >= 750, 20_000)
        yield* Effect.promise(() => broker.start())
        yield* Deferred.succeed(restarted, undefined)
        yield* Fiber.join(writer)
        return { atStop, down, appendedWhileDown, ...(yield* settle(station, consumer, 1_000)) }
      }).pipe(Effect.scoped)
    )
    expect(result.atStop.lastSeq).toBeLessThanOrEqual(500)
    expect(result.down.lastSeq).toBeLessThanOrEqual(500)
    expect(result.appendedWhileDown.lastSeq).toBe(750)
    expect(result.appendedWhileDown.broker.connection).not.toBe("connected")
    expect(result.committed).toBe(1_000)
    expect(result.verdict).toEqual(CLEAN)
  })
})
