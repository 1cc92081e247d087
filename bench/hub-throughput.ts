// Hub throughput: station events/s through the hub's apply path on SQLite and on PostgreSQL, and the ratio to a raw
// baseline of the same events written the plainest way into the same database in the same run.
// What is measured: the sync consumer's `receiveBatch` as the MQTT subscription hands messages over (topic check,
// JSON and envelope decode, one database transaction per batch holding the (station, epoch, seq) cursor updates,
// the projection's writes to orders/customers/parcels and the notification + outbox rows). The broker is left out
// (sync-throughput.ts measures it) and so is sending (hub-latency.ts), so the figure is the database's.
// Each order is three events (order received, packed, handed to carrier); the rules record the notifications
// they call for (shipped), each with its outbox row.
// Modes: "1 per tx" applies each event in its own transaction (`receive`); "batches of 200" takes up to 200
// messages per transaction, interleaved across 8 stations as they arrive; "4 lanes" runs four batches at once,
// each station always in the same lane (on PostgreSQL their transactions run in parallel, partitioned by station;
// SQLite writes one at a time). The raw baseline writes each event's envelope as one row with multi-row INSERTs of
// 200 and one cursor upsert per station, one transaction per 200: the floor of recording events durably at all.
// SQLite is a file in WAL mode with synchronous=FULL; PostgreSQL is Debian's server started here with its durable
// defaults (fsync on, synchronous_commit on), on loopback. `--postgres-no-fsync` adds a run on a server with fsync
// off (the test setup's settings): the ceiling without disk flushes, not a deployment figure. Prints figures;
// asserts nothing.
//   npm run bench:hub -- [--orders N] [--sqlite-only | --postgres-only] [--postgres-no-fsync]
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import type { EventEnvelope } from "../core/events/Event.ts"
import { OrderReceived } from "../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../core/pack/PackEvents.ts"
import { migrate } from "../core/store/Migrations.ts"
import { Sql } from "../core/store/Sql.ts"
import { Broker, type BrokerMessage } from "../core/sync/Broker.ts"
import { Consumer } from "../core/sync/Consumer.ts"
import { makeMemoryBus } from "../core/sync/MemoryBroker.ts"
import { encodeJson, Topics } from "../core/sync/Topics.ts"
import { SystemClockLayer } from "../drivers/time/SystemClock.ts"
import { sampleOrder, stationStream } from "../fixtures/hub/HubRig.ts"
import { startPostgres } from "../fixtures/postgres/PostgresProcess.ts"
import { HubProjection } from "../hub/core/notify/HubProjection.ts"
import { HubSettings } from "../hub/core/notify/HubSettings.ts"
import { hubMigrations } from "../hub/core/notify/migrations/hubMigrations.ts"
import { CryptoTrackingTokensLayer } from "../hub/drivers/server/CryptoTrackingTokens.ts"
import { describeHubDatabase, type HubDatabase, layerHubDatabase } from "../hub/drivers/server/HubDatabase.ts"

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const orders = Number(flag("--orders") ?? 500)
const streamsConcurrent = 8

/** `count` orders' events, spread over `streams` stations, each station's events numbered gap-free. */
const stationEvents = (run: string, count: number, streams: number): ReadonlyArray<ReadonlyArray<EventEnvelope>> =>
  Array.from({ length: streams }, (_, station) => {
    const next = stationStream({ siteId: "HAM1", stationId: `PACK-${station + 1}`, epoch: `E-${run}` })
    return Array.from({ length: Math.ceil(count / streams) }, (_, index) => {
      const orderId = `SO-${run}-${station}-${index}`
      const parcelId = `P-${orderId}`
      const trackingNumber = `00340434${String(station).padStart(2, "0")}${String(index).padStart(10, "0")}`
      return [
        next(OrderReceived, {
          order: sampleOrder(orderId, { email: `${orderId.toLowerCase()}@example.test`, locale: "de" }),
          replacedVersion: null
        }),
        next(ParcelPacked, {
          orderId,
          parcelId,
          items: [],
          shortShips: [],
          weightGrams: 500,
          expectedWeightGrams: 500,
          boxId: "BOX-S",
          carrier: "dhl-paket",
          trackingNumber,
          packer: { badgeId: "B-1", name: "Bench Packer" },
          stationId: `PACK-${station + 1}`
        }),
        next(ParcelHandedToCarrier, { batchId: "H-1", parcelId, orderId, carrier: "dhl-paket", trackingNumber })
      ]
    }).flat()
  })

const toMessage = (event: EventEnvelope): BrokerMessage => ({
  topic: Topics.event(event.siteId, event.stationId, event.type),
  payload: encodeJson(event),
  userProperties: {}
})

const measure = (database: HubDatabase) =>
  Effect.gen(function* () {
    const bus = yield* makeMemoryBus()
    const layer = Layer.unwrap(
      Effect.gen(function* () {
        const hub = yield* HubProjection
        return Consumer.layer({ siteId: "+", knows: hub.knows, apply: hub.applyStationEvent })
      })
    ).pipe(
      Layer.provideMerge(HubProjection.layer),
      Layer.provideMerge(
        Layer.mergeAll(
          layerHubDatabase(database),
          Layer.succeed(HubSettings, HubSettings.defaults("https://track.bench")),
          Layer.effect(Broker, bus.client("hub")),
          CryptoTrackingTokensLayer,
          SystemClockLayer
        )
      )
    )
    const context = yield* Layer.build(layer)
    return yield* Effect.gen(function* () {
      yield* migrate(hubMigrations)
      const consumer = yield* Consumer
      const sql = yield* Sql
      const results: Array<{ mode: string; events: number; perSecond: number }> = []
      for (const [run, mode, streams, batch, lanes] of [
        ["R1", "1 stream, 1 per tx", 1, 1, 1],
        ["R2", `${streamsConcurrent} streams, batches of 200, 1 lane`, streamsConcurrent, 200, 1],
        ["R3", `${streamsConcurrent} streams, batches of 200, 4 lanes`, streamsConcurrent, 200, 4]
      ] as const) {
        const byStream = stationEvents(run, orders, streams)
        const total = byStream.reduce((sum, events) => sum + events.length, 0)
        const outcomes = new Map<string, number>()
        // As the subscription hands them over: interleaved across stations in arrival order, each station's
        // messages always in the same lane, each lane taking up to `batch` at a time.
        const arrivals: Array<EventEnvelope> = []
        for (let index = 0; arrivals.length < total; index++) {
          for (const events of byStream) if (index < events.length) arrivals.push(events[index]!)
        }
        const laneQueues = Array.from({ length: lanes }, () => [] as Array<BrokerMessage>)
        for (const event of arrivals) {
          laneQueues[Number.parseInt(event.stationId.slice(5), 10) % lanes]!.push(toMessage(event))
        }
        const started = performance.now()
        yield* Effect.forEach(
          laneQueues,
          (messages) =>
            Effect.gen(function* () {
              for (let at = 0; at < messages.length; at += batch) {
                for (const outcome of yield* consumer.receiveBatch(messages.slice(at, at + batch))) {
                  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
                }
              }
            }),
          { concurrency: lanes, discard: true }
        )
        const seconds = (performance.now() - started) / 1000
        if (outcomes.get("applied") !== total) {
          return yield* Effect.die(`expected ${total} applied, got ${JSON.stringify([...outcomes])}`)
        }
        results.push({ mode, events: total, perSecond: total / seconds })
      }
      // The raw baseline: the same events, as rows, the plainest way.
      yield* sql.execute(
        `CREATE TABLE bench_raw_events (site_id TEXT NOT NULL, station_id TEXT NOT NULL, epoch TEXT NOT NULL,
           seq BIGINT NOT NULL, event_id TEXT NOT NULL, envelope TEXT NOT NULL, PRIMARY KEY (site_id, station_id, epoch, seq))`
      )
      yield* sql.execute(
        `CREATE TABLE bench_raw_cursor (site_id TEXT NOT NULL, station_id TEXT NOT NULL, epoch TEXT NOT NULL,
           last_seq BIGINT NOT NULL, PRIMARY KEY (site_id, station_id, epoch))`
      )
      const rawEvents = stationEvents("R9", orders, streamsConcurrent).flat()
      const rawStarted = performance.now()
      for (let at = 0; at < rawEvents.length; at += 200) {
        const batch = rawEvents.slice(at, at + 200)
        yield* sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute(
              `INSERT INTO bench_raw_events (site_id, station_id, epoch, seq, event_id, envelope) VALUES ${batch
                .map(() => "(?, ?, ?, ?, ?, ?)")
                .join(", ")}`,
              batch.flatMap((event) => [
                event.siteId,
                event.stationId,
                event.epoch,
                event.seq,
                event.id,
                JSON.stringify(event)
              ])
            )
            const lastOf = new Map<string, EventEnvelope>()
            for (const event of batch) lastOf.set(event.stationId, event)
            for (const event of lastOf.values()) {
              yield* sql.execute(
                `INSERT INTO bench_raw_cursor (site_id, station_id, epoch, last_seq) VALUES (?, ?, ?, ?)
                 ON CONFLICT (site_id, station_id, epoch) DO UPDATE SET last_seq = excluded.last_seq`,
                [event.siteId, event.stationId, event.epoch, event.seq]
              )
            }
          })
        )
      }
      const raw = rawEvents.length / ((performance.now() - rawStarted) / 1000)
      const notifications = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_notifications")
      return { results, raw, notifications: Number(notifications[0]?.n) }
    }).pipe(Effect.provide(context))
  }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))

const report = (label: string, outcome: Effect.Success<ReturnType<typeof measure>>) => {
  console.log(label)
  for (const result of outcome.results) {
    console.log(
      `  ${result.mode.padEnd(40)} ${String(result.events).padStart(6)} events  ${result.perSecond
        .toFixed(0)
        .padStart(6)} events/s  ${(result.perSecond / outcome.raw).toFixed(2)} of raw`
    )
  }
  console.log(
    `  ${"raw baseline (multi-row, 200 per tx)".padEnd(40)} ${"".padStart(13)} ${outcome.raw.toFixed(0).padStart(6)} events/s`
  )
  console.log(`  ${outcome.notifications} notifications recorded`)
}

const main = async () => {
  console.log(`hub apply path: ${orders} orders × 3 events per run`)
  if (!args.includes("--postgres-only")) {
    const database: HubDatabase = {
      dialect: "sqlite",
      filename: join(mkdtempSync(join(tmpdir(), "pb-hub-throughput-")), "hub.db")
    }
    report(describeHubDatabase(database), await Effect.runPromise(measure(database)))
  }
  const postgresRuns = args.includes("--sqlite-only")
    ? []
    : [true, ...(args.includes("--postgres-no-fsync") ? [false] : [])]
  for (const durable of postgresRuns) {
    const server = await startPostgres({ durable })
    try {
      const database: HubDatabase = { dialect: "postgres", url: await server.createDatabase("bench") }
      const label = `${describeHubDatabase(database)} (fsync ${durable ? "on" : "off"})`
      report(label, await Effect.runPromise(measure(database)))
    } finally {
      await server.stop()
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
