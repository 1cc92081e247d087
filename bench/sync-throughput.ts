// Sync throughput bench against a local mosquitto it starts itself. Prints figures; asserts nothing.
//   npx tsx bench/sync-throughput.ts [--backlog N] [--1m] [--rate-seconds S] [--hub-file] [--consumer-batch N]
// --hub-file: the consumer applies into a WAL + synchronous=FULL file, as the hub does, instead of :memory:, and a
// third figure times the consumer alone: catching up a backlog queued for it at the broker while it was away.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, References, Scope } from "effect"
import { Consumer } from "../core/sync/Consumer.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../core/sync/HighWaterMark.ts"
import { Outbox } from "../core/sync/Outbox.ts"
import { layerMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { startMosquitto } from "../fixtures/mqtt/MosquittoProcess.ts"
import { appendScans, consumerRigLayer, stationRigLayer, waitFor } from "../fixtures/mqtt/SyncRig.ts"

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

const main = async () => {
  const mosquitto = await startMosquitto({ maxQueuedMessages: 1_000_000 })
  const dir = mkdtempSync(join(tmpdir(), "pb-sync-bench-"))
  console.log(
    `consumer: ${hubFile ? "hub.db file (WAL, synchronous=FULL)" : ":memory:"}, batch ${consumerBatch ?? "default"}`
  )
  try {
    await Effect.runPromise(
      Effect.gen(function* () {
        const startHub = Effect.gen(function* () {
          const scope = yield* Scope.make()
          const consumer = yield* Layer.build(
            consumerRigLayer({
              filename: hubFile ? join(dir, "hub.db") : ":memory:",
              broker: layerMqttBroker({ url: mosquitto.url, clientId: "bench-hub", protocolVersion: 5 }),
              ...(consumerBatch === undefined ? {} : { batchSize: Number(consumerBatch) })
            })
          ).pipe(Scope.provide(scope))
          yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer), Scope.provide(scope))
          return scope
        })
        let hub = yield* startHub
        const station = yield* Layer.build(
          stationRigLayer({
            filename: join(dir, "station.db"),
            broker: layerMqttBroker({ url: mosquitto.url, clientId: "bench-station", protocolVersion: 5 }),
            highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
            outbox: {
              batchSize: 500,
              maxInFlight: 100,
              drainRatePerSec: 1_000_000,
              maxUnconfirmed: 50_000,
              // The catch-up figure must time the queued backlog, not resends piled up while the hub was away.
              ackTimeoutMs: 300_000
            }
          })
        )
        const outbox = yield* Effect.provide(
          Effect.gen(function* () {
            return yield* Outbox
          }),
          station
        )

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

        // 2. Backlog: append N while the publisher is paused by the window being full is not possible from
        //    outside, so append in big transactions as fast as SQLite allows and time until all are confirmed.
        const rssBefore = process.memoryUsage().rss
        let rssPeak = rssBefore
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
        }, 100)
        const appendStart = performance.now()
        yield* appendScans(backlog, 1_000).pipe(Effect.provide(station))
        const appendSeconds = (performance.now() - appendStart) / 1000
        yield* outbox.kick
        yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq >= total + backlog, 3_600_000)
        const drainSeconds = (performance.now() - appendStart) / 1000
        clearInterval(sampler)
        console.log(
          `backlog ${backlog}: appended in ${appendSeconds.toFixed(1)} s (${Math.round(backlog / appendSeconds)} ev/s), ` +
            `all confirmed after ${drainSeconds.toFixed(1)} s (${Math.round(backlog / drainSeconds)} ev/s sustained ` +
            `append->consumer ack), peak RSS +${((rssPeak - rssBefore) / 1_048_576).toFixed(0)} MB ` +
            `(${(rssPeak / 1_048_576).toFixed(0)} MB total)`
        )

        // 3. Consumer alone: the hub is away while the backlog is published to its persistent session at the broker,
        //    then it comes back and applies what was queued. Needs the hub's cursor to survive, so a file.
        if (hubFile) {
          yield* Scope.close(hub, Exit.void)
          const before = total + backlog
          yield* appendScans(backlog, 1_000).pipe(Effect.provide(station))
          yield* outbox.kick
          yield* waitFor(outbox.status, (s) => s.lastPublishedSeq >= before + backlog, 3_600_000)
          const catchUpStart = performance.now()
          hub = yield* startHub
          yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq >= before + backlog, 3_600_000)
          const catchUpSeconds = (performance.now() - catchUpStart) / 1000
          console.log(
            `consumer catch-up: ${backlog} events queued at the broker applied and acked in ${catchUpSeconds.toFixed(1)} s ` +
              `(${Math.round(backlog / catchUpSeconds)} ev/s)`
          )
        }
        yield* Scope.close(hub, Exit.void)
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
    )
  } finally {
    await mosquitto.stop()
  }
}

await main()
