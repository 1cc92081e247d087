// Sync throughput bench against a local mosquitto it starts itself. Prints figures; asserts nothing.
//   npx tsx bench/sync-throughput.ts [--backlog N] [--1m] [--rate-seconds S] [--hub-file] [--consumer-batch N]
// The consumer (and the raw subscriber) run in a process of their own (bench/sync-peer.ts), as the hub does in the
// field: this process is the station's, its RSS and CPU are the station's.
// 1. append->PUBACK latency at a steady 200 events/s. 2. An offline backlog: a second station appends N events with
// its outbox not running, then starts it; the drain is timed to the last confirmation (the outbox's drain-rate cap
// lifted), with the station's RSS every 5 s and a scan (one event in its own transaction) timed every 250 ms.
// Raw baselines in the same run: appends with better-sqlite3 alone (same schema, 1,000 rows a transaction, WAL+FULL),
// and mqtt.js QoS 1 with the same payloads and in-flight window, publisher here, subscriber in its own process.
// --hub-file: the consumer applies into a WAL + synchronous=FULL file, as the hub does, instead of :memory:, and a
// third figure times the consumer alone: catching up a backlog queued for it at the broker while it was away (as
// much as the outbox sends without acks, its unconfirmed limit; the rest follows as the acks come).
import { type ChildProcess, fork } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import mqtt from "mqtt"
import type { EventEnvelope } from "../core/events/Event.ts"
import { EventLog } from "../core/events/EventLog.ts"
import { uuid7Many } from "../core/events/Uuid7.ts"
import { defaultConsumerOptions } from "../core/sync/Consumer.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../core/sync/HighWaterMark.ts"
import { defaultOutboxOptions, Outbox } from "../core/sync/Outbox.ts"
import { layerMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { sendAtOnce } from "../drivers/mqtt/sendAtOnce.ts"
import { openSqlite } from "../drivers/sqlite/SqliteSql.ts"
import { tuneStationHeap } from "../drivers/station/StationHeap.ts"
import { startMosquitto } from "../fixtures/mqtt/MosquittoProcess.ts"
import { appendScans, stationRigLayer, waitFor } from "../fixtures/mqtt/SyncRig.ts"

// This process is the station's: its heap is set as `startStation` sets it.
tuneStationHeap()
const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const backlog = args.includes("--1m") ? 1_000_000 : Number(flag("--backlog") ?? 100_000)
const rateSeconds = Number(flag("--rate-seconds") ?? 10)
const hubFile = args.includes("--hub-file")
const consumerBatch = flag("--consumer-batch")

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

const MAX_IN_FLIGHT = 100
const MAX_UNCONFIRMED = 50_000
/** The outbox's and the consumer's default bundle limit. */
const BUNDLE = Math.min(defaultOutboxOptions.bundleMax, defaultConsumerOptions.bundleMax)

/**
 * better-sqlite3 alone: the events table's schema, `count` rows like `sample` (the same payload, actor and time
 * stamps, a fresh id each) in transactions of 1,000, WAL and synchronous=FULL. The ids are time-ordered UUIDv7 as the
 * station makes them: random v4 ids land all over the unique index's B-tree, which at 1,000,000 rows made this
 * baseline 4–5 times slower than the station (35 s).
 */
const rawAppends = (dir: string, count: number, sample: EventEnvelope) => {
  const db = openSqlite({ filename: join(dir, "raw-append.db") })
  try {
    db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      version INTEGER NOT NULL, epoch TEXT NOT NULL, event_wall_ms INTEGER NOT NULL, event_mono_ns TEXT NOT NULL,
      ntp_offset_ms REAL, record_time_ms INTEGER NOT NULL, actor TEXT NOT NULL, payload TEXT NOT NULL, epcis TEXT)`)
    db.exec("CREATE INDEX events_type ON events (type, seq)")
    const insert = db.prepare(
      "INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms, record_time_ms, actor, payload, epcis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    const actor = JSON.stringify(sample.actor)
    const payload = JSON.stringify(sample.payload)
    const inTransaction = db.transaction((from: number, ids: ReadonlyArray<string>) => {
      for (const [index, id] of ids.entries()) {
        insert.run(
          from + index,
          id,
          sample.type,
          sample.version,
          sample.epoch,
          sample.eventTime.wallMs,
          sample.eventTime.monoNs,
          null,
          sample.recordTimeMs,
          actor,
          payload,
          null
        )
      }
    })
    const started = performance.now()
    for (let from = 1; from <= count; from += 1_000) {
      inTransaction(from, Effect.runSync(uuid7Many(Date.now(), Math.min(count + 1, from + 1_000) - from)))
    }
    return (performance.now() - started) / 1000
  } finally {
    db.close()
  }
}

/** The far side in a process of its own (bench/sync-peer.ts), resolved once it says "ready". */
const startPeer = async (args: ReadonlyArray<string>) => {
  const child: ChildProcess = fork(join(import.meta.dirname, "sync-peer.ts"), args, {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  const messages: Array<string> = []
  const waiters: Array<() => void> = []
  child.on("message", (message) => {
    messages.push(String(message))
    for (const wake of waiters.splice(0)) wake()
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const waitForMessage = async (expected: string) => {
    while (!messages.includes(expected)) {
      const code = await Promise.race([
        new Promise<"message">((resolve) => waiters.push(() => resolve("message"))),
        exited
      ])
      if (code !== "message") throw new Error(`bench/sync-peer.ts ${args[0]} exited with ${code} before "${expected}"`)
    }
  }
  await waitForMessage("ready")
  return {
    waitForMessage,
    /** The peer's CPU so far (user + system, µs), as it answers "cpu". */
    cpuMicros: async () => {
      const seen = messages.length
      child.send("cpu")
      while (true) {
        const answer = messages.slice(seen).find((message) => message.startsWith("cpu "))
        if (answer !== undefined) return Number(answer.slice(4))
        const code = await Promise.race([
          new Promise<"message">((resolve) => waiters.push(() => resolve("message"))),
          exited
        ])
        if (code !== "message") throw new Error(`bench/sync-peer.ts ${args[0]} exited with ${code} before its CPU`)
      }
    },
    stop: async () => {
      child.send("stop")
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/**
 * mqtt.js alone: `count` QoS 1 publishes of `payload`, `window` in flight, from this process until a subscriber in a
 * process of its own (as the consumer is) has every one.
 */
const rawMqtt = async (url: string, count: number, payload: string, window: number) => {
  const topic = "bench/raw/events"
  const subscriber = await startPeer(["raw-sub", url, topic, String(count)])
  const publisher = await mqtt.connectAsync(url, { clientId: "bench-raw-pub", protocolVersion: 5, clean: true })
  // The same socket setting as the station's driver: with Nagle on against the broker's TCP_NODELAY, PUBACKs stall.
  sendAtOnce(publisher.stream)
  try {
    const started = performance.now()
    const cpu = process.cpuUsage()
    let next = 0
    const lane = async () => {
      while (next < count) {
        next++
        await publisher.publishAsync(topic, payload, { qos: 1 })
      }
    }
    await Promise.all(Array.from({ length: window }, lane))
    await subscriber.waitForMessage("done")
    const used = process.cpuUsage(cpu)
    return { seconds: (performance.now() - started) / 1000, cpuMicrosEach: (used.user + used.system) / count }
  } finally {
    await publisher.endAsync()
  }
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0)

const main = async () => {
  const mosquitto = await startMosquitto({ maxQueuedMessages: 1_000_000 })
  const dir = mkdtempSync(join(tmpdir(), "pb-sync-bench-"))
  console.log(
    `consumer (a process of its own): ${hubFile ? "hub.db file (WAL, synchronous=FULL)" : ":memory:"}, ` +
      `batch ${consumerBatch ?? "default"}; load average ${loadavg()
        .map((load) => load.toFixed(2))
        .join(" ")}`
  )
  try {
    await Effect.runPromise(
      Effect.gen(function* () {
        const startHub = Effect.promise(() =>
          startPeer([
            "consumer",
            mosquitto.url,
            hubFile ? join(dir, "hub.db") : ":memory:",
            ...(consumerBatch === undefined ? [] : [consumerBatch])
          ])
        )
        let hub = yield* startHub
        const buildStation = (name: string, stationId: string) =>
          Effect.gen(function* () {
            const context = yield* Layer.build(
              stationRigLayer({
                filename: join(dir, `${name}.db`),
                stationId,
                broker: layerMqttBroker({ url: mosquitto.url, clientId: `bench-${name}`, protocolVersion: 5 }),
                highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
                outbox: {
                  batchSize: 500,
                  maxInFlight: MAX_IN_FLIGHT,
                  drainRatePerSec: 1_000_000,
                  maxUnconfirmed: MAX_UNCONFIRMED,
                  // The catch-up figure must time the queued backlog, not resends piled up while the hub was away.
                  ackTimeoutMs: 300_000
                }
              })
            )
            return { context, outbox: yield* Effect.provide(Effect.service(Outbox), context) }
          })
        const { context: station, outbox } = yield* buildStation("station", "PACK-01")

        // 1. Latency at a steady 200 events/s, append -> PUBACK (status polled every 2 ms).
        yield* outbox.start
        const appendedAt = new Map<number, number>()
        const latencies: Array<number> = []
        let seen = 0
        const poller = yield* Effect.forkChild(
          Effect.forever(
            Effect.gen(function* () {
              const status = yield* outbox.status
              const now = performance.now()
              for (let seq = seen + 1; seq <= status.lastPublishedSeq; seq++) {
                const at = appendedAt.get(seq)
                if (at !== undefined) latencies.push(now - at)
                appendedAt.delete(seq)
              }
              seen = Math.max(seen, status.lastPublishedSeq)
              yield* Effect.sleep(2)
            })
          )
        )
        const total = 200 * rateSeconds
        const start = performance.now()
        for (let i = 1; i <= total; i++) {
          const due = start + i * 5
          const wait = due - performance.now()
          if (wait > 0) yield* Effect.sleep(wait)
          appendedAt.set(i, performance.now())
          yield* appendScans(1).pipe(Effect.provide(station))
          yield* outbox.kick
        }
        yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq >= total, 60_000)
        poller.interruptUnsafe()
        latencies.sort((a, b) => a - b)
        console.log(
          `steady 200 ev/s for ${rateSeconds}s: append->PUBACK p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
            `p99 ${percentile(latencies, 99).toFixed(1)} ms (n=${latencies.length})`
        )

        // 2. Offline backlog: a second station appends N while its outbox is not running (offline), as fast as SQLite
        //    allows (1,000 events a transaction, one commit each); then its outbox starts and the drain is timed until
        //    the consumer confirmed all. The station's memory is printed every 5 s and a scan timed every 250 ms.
        const { context: offline, outbox: offlineOutbox } = yield* buildStation("offline", "PACK-02")
        const heapAtStart = process.memoryUsage()
        console.log(
          `the station's process before the backlog: RSS ${mb(heapAtStart.rss)} MB (V8 heap ${mb(heapAtStart.heapUsed)} ` +
            `of ${mb(heapAtStart.heapTotal)} MB, outside the heap ${mb(heapAtStart.external)} MB)`
        )
        const appendStart = performance.now()
        yield* appendScans(backlog, 1_000).pipe(Effect.provide(offline))
        const appendSeconds = (performance.now() - appendStart) / 1000
        const sample = (yield* Effect.provide(
          Effect.flatMap(EventLog, (log) => log.read(0, 1)),
          offline
        ))[0]!
        const rssBefore = process.memoryUsage.rss()
        let rssPeak = rssBefore
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
        }, 100)
        const hubCpuBefore = yield* Effect.promise(() => hub.cpuMicros())
        const drainStart = performance.now()
        const drainCpu = process.cpuUsage()
        yield* offlineOutbox.start
        const scans: Array<number> = []
        let lastReport = drainStart
        let publishedSeconds: number | undefined
        while (true) {
          const progress = yield* offlineOutbox.status
          if (publishedSeconds === undefined && progress.lastPublishedSeq >= backlog) {
            publishedSeconds = (performance.now() - drainStart) / 1000
          }
          if (progress.lastConfirmedSeq >= backlog) break
          yield* Effect.sleep(250)
          // A scan during the drain: one event in its own transaction, as the pack bench appends it, timed to its commit.
          const scanStart = performance.now()
          yield* appendScans(1).pipe(Effect.provide(offline))
          scans.push(performance.now() - scanStart)
          const now = performance.now()
          if (now - lastReport >= 5_000) {
            lastReport = now
            const status = yield* offlineOutbox.status
            // Under `node --expose-gc` the heap is measured after a full collection: what the station holds, not garbage.
            ;(globalThis as { gc?: () => void }).gc?.()
            const memory = process.memoryUsage()
            console.log(
              `  drain t=${((now - drainStart) / 1000).toFixed(0)} s: RSS ${mb(memory.rss)} MB ` +
                `(V8 heap ${mb(memory.heapUsed)} of ${mb(memory.heapTotal)} MB), ` +
                `published ${status.lastPublishedSeq}, confirmed ${status.lastConfirmedSeq} of ${backlog}`
            )
          }
        }
        const drainSeconds = (performance.now() - drainStart) / 1000
        const drainCpuUsed = process.cpuUsage(drainCpu)
        const hubCpuMicros = (yield* Effect.promise(() => hub.cpuMicros())) - hubCpuBefore
        clearInterval(sampler)
        scans.sort((a, b) => a - b)
        console.log(
          `  the station's CPU while draining: ${((drainCpuUsed.user + drainCpuUsed.system) / backlog).toFixed(1)} µs ` +
            `an event (user ${(drainCpuUsed.user / 1e6).toFixed(1)} s, system ${(drainCpuUsed.system / 1e6).toFixed(1)} s); ` +
            `the consumer's: ${(hubCpuMicros / backlog).toFixed(1)} µs an event`
        )
        console.log(
          `offline backlog ${backlog}: drained (published and confirmed) in ${drainSeconds.toFixed(1)} s ` +
            `(${Math.round(backlog / drainSeconds)} ev/s appended to hub-confirmed; all published, i.e. PUBACKed, after ` +
            `${(publishedSeconds ?? drainSeconds).toFixed(1)} s: ${Math.round(backlog / (publishedSeconds ?? drainSeconds))} ev/s); peak RSS while draining ` +
            `${mb(rssPeak)} MB (${mb(rssBefore)} MB when it started)`
        )
        console.log(
          `  a scan during the drain: median ${percentile(scans, 50).toFixed(1)} ms, ` +
            `p99 ${percentile(scans, 99).toFixed(1)} ms, max ${(scans.at(-1) ?? Number.NaN).toFixed(1)} ms (n=${scans.length})`
        )
        // The raw appends run after the drain: their SQLite pages in this process would count as the station's RSS.
        const rawAppendSeconds = rawAppends(dir, backlog, sample)
        console.log(
          `${backlog} appends in transactions of 1,000: ${appendSeconds.toFixed(1)} s ` +
            `(${Math.round(backlog / appendSeconds)} ev/s); raw better-sqlite3, same schema, WAL+FULL: ` +
            `${rawAppendSeconds.toFixed(1)} s; ratio ${(appendSeconds / rawAppendSeconds).toFixed(1)}x`
        )
        const samplePayload = JSON.stringify(sample)
        const rawCount = Math.min(backlog, 200_000)
        const { seconds: rawSeconds, cpuMicrosEach } = yield* Effect.promise(() =>
          rawMqtt(mosquitto.url, rawCount, samplePayload, MAX_IN_FLIGHT)
        )
        const ours = backlog / drainSeconds
        const oursPublished = backlog / (publishedSeconds ?? drainSeconds)
        const raw = rawCount / rawSeconds
        console.log(
          `raw mqtt.js QoS 1, one event a message (${samplePayload.length} B), ${MAX_IN_FLIGHT} in flight: ` +
            `${Math.round(raw)} msg/s over ${rawCount} (publisher's CPU ${cpuMicrosEach.toFixed(1)} µs a message); ` +
            `events appended to hub-confirmed ${Math.round(ours)} ev/s: ratio ${(ours / raw).toFixed(2)}; ` +
            `appended to PUBACKed ${Math.round(oursPublished)} ev/s: ratio ${(oursPublished / raw).toFixed(2)}`
        )
        // The station sends a backlog in bundles of up to BUNDLE events: the same bundles by mqtt.js alone, counted
        // in events, are what the parts underneath allow for that traffic.
        const bundlePayload = `[${Array.from({ length: BUNDLE }, () => samplePayload).join(",")}]`
        const bundled = yield* Effect.promise(() =>
          rawMqtt(mosquitto.url, Math.ceil(rawCount / BUNDLE), bundlePayload, MAX_IN_FLIGHT)
        )
        const rawBundled = (Math.ceil(rawCount / BUNDLE) * BUNDLE) / bundled.seconds
        console.log(
          `raw mqtt.js QoS 1, bundles of ${BUNDLE} such events (${bundlePayload.length} B), ${MAX_IN_FLIGHT} in flight: ` +
            `${Math.round(rawBundled)} ev/s; events appended to hub-confirmed: ratio ${(ours / rawBundled).toFixed(2)}`
        )

        // 3. Consumer alone: the hub is away while the backlog is published to its persistent session at the broker,
        //    then it comes back and applies what was queued. Needs the hub's cursor to survive, so a file. Without
        //    acks the outbox stops at its unconfirmed limit: up to that many are queued at the broker, the rest of the
        //    backlog follows as the returning hub acks.
        if (hubFile) {
          yield* Effect.promise(() => hub.stop())
          const before = (yield* offlineOutbox.status).lastSeq
          const confirmedBefore = (yield* offlineOutbox.status).lastConfirmedSeq
          yield* appendScans(backlog, 1_000).pipe(Effect.provide(offline))
          yield* offlineOutbox.kick
          const queued = Math.min(before + backlog, confirmedBefore + MAX_UNCONFIRMED)
          yield* waitFor(offlineOutbox.status, (s) => s.lastPublishedSeq >= queued, 3_600_000)
          const catchUpStart = performance.now()
          hub = yield* startHub
          yield* waitFor(offlineOutbox.status, (s) => s.lastConfirmedSeq >= before + backlog, 3_600_000)
          const catchUpSeconds = (performance.now() - catchUpStart) / 1000
          console.log(
            `consumer catch-up: ${queued - before} of ${backlog} events queued at the broker while the hub was away; ` +
              `all ${backlog} applied and acked ${catchUpSeconds.toFixed(1)} s after it came back ` +
              `(${Math.round(backlog / catchUpSeconds)} ev/s)`
          )
        }
        yield* Effect.promise(() => hub.stop())
        console.log(
          `load average at the end ${loadavg()
            .map((load) => load.toFixed(2))
            .join(" ")}`
        )
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
    )
  } finally {
    await mosquitto.stop()
  }
}

await main()
