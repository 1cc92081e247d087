// Hub throughput: station events/s through the hub's apply path on SQLite and on PostgreSQL.
// What is measured: the sync consumer's `receive` for each event as the MQTT subscription would hand it over
// (topic check, JSON and envelope decode, one database transaction holding the (station, epoch, seq) cursor
// update, the projection's writes to orders/customers/parcels and the notification + outbox rows). The broker is
// left out (sync-throughput.ts measures it) and so is sending (hub-latency.ts), so the figure is the database's.
// Each order is three events (order received, packed, handed to carrier); the rules record the notifications
// they call for (order confirmed, shipped), each with its outbox row.
// SQLite is a file in WAL mode with synchronous=FULL; PostgreSQL is Debian's server started here with its durable
// defaults (fsync on, synchronous_commit on), on loopback. "1 stream" applies events one after another, as one
// subscription delivers them; "8 streams" runs eight stations' streams at once, as several hub instances or a
// concurrent consumer would; PostgreSQL still runs the transactions one at a time (PgSql's write lock), so the
// gain there is overlapping round trips only. `--postgres-no-fsync` adds a run on a server with fsync off (the
// test setup's settings): the ceiling without disk flushes, not a deployment figure. Prints figures; asserts nothing.
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
      for (const [mode, streams] of [
        ["1 stream", 1],
        [`${streamsConcurrent} streams`, streamsConcurrent]
      ] as const) {
        const byStream = stationEvents(String(streams), orders, streams)
        const total = byStream.reduce((sum, events) => sum + events.length, 0)
        const outcomes = new Map<string, number>()
        const started = performance.now()
        yield* Effect.forEach(
          byStream,
          (events) =>
            Effect.forEach(
              events,
              (event) =>
                Effect.map(consumer.receive(toMessage(event)), (outcome) => {
                  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
                }),
              { discard: true }
            ),
          { concurrency: streams, discard: true }
        )
        const seconds = (performance.now() - started) / 1000
        if (outcomes.get("applied") !== total) {
          return yield* Effect.die(`expected ${total} applied, got ${JSON.stringify([...outcomes])}`)
        }
        results.push({ mode, events: total, perSecond: total / seconds })
      }
      const notifications = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_notifications")
      return { results, notifications: Number(notifications[0]?.n) }
    }).pipe(Effect.provide(context))
  }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))

const report = (label: string, outcome: Effect.Success<ReturnType<typeof measure>>) => {
  for (const result of outcome.results) {
    console.log(
      `${label.padEnd(48)} ${result.mode.padEnd(10)} ${String(result.events).padStart(6)} events  ${result.perSecond
        .toFixed(0)
        .padStart(6)} events/s`
    )
  }
  console.log(`${"".padEnd(48)} ${outcome.notifications} notifications recorded`)
}

const main = async () => {
  console.log(`hub apply path: ${orders} orders × 3 events per run (consumer.receive → one transaction per event)`)
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
