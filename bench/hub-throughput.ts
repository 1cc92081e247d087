// Hub throughput: station events/s through the hub's apply path on SQLite and on PostgreSQL, and the ratio to a raw
// baseline of the same events written the plainest way into the same database in the same run.
// What is measured: the sync consumer's `receiveBatch` as the MQTT subscription hands messages over (topic check,
// JSON and envelope decode, one database transaction per batch holding the (station, epoch, seq) cursor updates,
// the projection's writes to orders/customers/parcels and the notification + outbox rows). The broker is left out
// (sync-throughput.ts measures it) and so is sending (hub-latency.ts), so the figure is the database's.
// Each order is three events (order received, packed, handed to carrier); the rules record the notifications
// they call for (shipped), each with its outbox row.
// Modes: "1 per tx" applies each event in its own transaction (`receive`); "batches of 200" takes up to 200
// messages per transaction, interleaved across 8 stations as they arrive; "2 lanes" and "4 lanes" run two and four
// batches at once, each station always in the same lane (on PostgreSQL their transactions run in parallel,
// partitioned by station; SQLite writes one at a time, but as `packbench hub` runs it one lane's batch runs while
// another's commit is synced). The raw baseline writes each event's envelope as one row with multi-row INSERTs of
// 200 and one cursor upsert per station, one transaction per 200: the floor of recording events durably at all.
// SQLite is a file in WAL mode, once with synchronous=FULL (each COMMIT syncs on the event loop) and once as
// `packbench hub` runs it (synchronous=NORMAL, each commit's log synced on the thread pool); PostgreSQL is Debian's
// server started here with its durable defaults (fsync on, synchronous_commit on), on loopback.
// `--postgres-no-fsync` adds a run on a server with fsync off (the test setup's settings): the ceiling without disk
// flushes, not a deployment figure. Prints figures; asserts nothing.
// `--before <git ref>` measures that revision's code too, in the same run (its tree exported with `git archive` to a
// temp dir), for a before/after table. Beside events/s it prints the statements per event the code sent through
// the SQL port and how many of them it waited for (queries, and statements not batched; with each transaction's
// begin and commit): on PostgreSQL each wait is a round trip.
//   npm run bench:hub -- [--orders N] [--sqlite-only | --postgres-only] [--postgres-no-fsync] [--before main]
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, References } from "effect"
import type { EventEnvelope } from "../core/events/Event.ts"
import type { BrokerMessage } from "../core/sync/Broker.ts"
import { startPostgres } from "../fixtures/postgres/PostgresProcess.ts"
import type { HubDatabase } from "../hub/drivers/server/HubDatabase.ts"

/** The modules the measured path comes from: this checkout's, or an older revision's for the "before" figure. */
const loadCode = async (root: string) => {
  const from = async <Module>(path: string) => (await import(join(root, path))) as Module
  return {
    root,
    events: {
      ...(await from<typeof import("../core/orders/OrderEvents.ts")>("core/orders/OrderEvents.ts")),
      ...(await from<typeof import("../core/pack/PackEvents.ts")>("core/pack/PackEvents.ts"))
    },
    ...(await from<typeof import("../core/store/Migrations.ts")>("core/store/Migrations.ts")),
    ...(await from<typeof import("../core/store/Sql.ts")>("core/store/Sql.ts")),
    ...(await from<typeof import("../core/sync/Broker.ts")>("core/sync/Broker.ts")),
    ...(await from<typeof import("../core/sync/Consumer.ts")>("core/sync/Consumer.ts")),
    ...(await from<typeof import("../core/sync/MemoryBroker.ts")>("core/sync/MemoryBroker.ts")),
    ...(await from<typeof import("../core/sync/Topics.ts")>("core/sync/Topics.ts")),
    ...(await from<typeof import("../drivers/time/SystemClock.ts")>("drivers/time/SystemClock.ts")),
    ...(await from<typeof import("../fixtures/hub/HubRig.ts")>("fixtures/hub/HubRig.ts")),
    ...(await from<typeof import("../hub/core/notify/HubProjection.ts")>("hub/core/notify/HubProjection.ts")),
    ...(await from<typeof import("../hub/core/notify/HubSettings.ts")>("hub/core/notify/HubSettings.ts")),
    ...(await from<typeof import("../hub/core/notify/migrations/hubMigrations.ts")>(
      "hub/core/notify/migrations/hubMigrations.ts"
    )),
    ...(await from<typeof import("../hub/drivers/server/CryptoTrackingTokens.ts")>(
      "hub/drivers/server/CryptoTrackingTokens.ts"
    )),
    ...(await from<typeof import("../hub/drivers/server/HubDatabase.ts")>("hub/drivers/server/HubDatabase.ts"))
  }
}
type Code = Awaited<ReturnType<typeof loadCode>>

/**
 * An older revision's source tree (`git archive`, no checkout or worktree is touched) beside this one, sharing its
 * node_modules, for the "before" figure in the same run.
 */
const exportRevision = (ref: string): string => {
  const here = resolve(dirname(fileURLToPath(import.meta.url)), "..")
  const commit = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], {
    cwd: here,
    encoding: "utf8"
  }).trim()
  const dir = join(tmpdir(), `pb-hub-throughput-${commit.slice(0, 12)}`)
  if (!existsSync(join(dir, "package.json"))) {
    mkdirSync(dir, { recursive: true })
    execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`], { cwd: here })
    symlinkSync(join(here, "node_modules"), join(dir, "node_modules"))
  }
  return dir
}

const args = process.argv.slice(2)
const flag = (name: string) => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}
const orders = Number(flag("--orders") ?? 500)
const streamsConcurrent = 8

/** `count` orders' events, spread over `streams` stations, each station's events numbered gap-free. */
const stationEvents = (
  code: Code,
  run: string,
  count: number,
  streams: number
): ReadonlyArray<ReadonlyArray<EventEnvelope>> =>
  Array.from({ length: streams }, (_, station) => {
    const { OrderReceived, ParcelPacked, ParcelHandedToCarrier } = code.events
    const { sampleOrder } = code
    const next = code.stationStream({ siteId: "HAM1", stationId: `PACK-${station + 1}`, epoch: `E-${run}` })
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

const toMessage = (code: Code, event: EventEnvelope): BrokerMessage => ({
  topic: code.Topics.event(event.siteId, event.stationId, event.type),
  payload: code.encodeJson(event),
  userProperties: {}
})

/** Statements the measured code issued through the SQL port, and how many of them it had to wait for. */
interface Counts {
  statements: number
  /** `query` and `execute`: each one waits for the database (on PostgreSQL, a round trip with any held writes). */
  waited: number
  transactions: number
}

/** The SQL port as the code uses it, counting statements and transactions on the way through. */
const countingSql = (code: Code, counts: Counts) =>
  Layer.effect(
    code.Sql,
    Effect.gen(function* () {
      const inner = yield* code.Sql
      const service: Record<string, unknown> = {
        ...inner,
        query: (text: string, params?: ReadonlyArray<never>) => {
          counts.statements++
          counts.waited++
          return inner.query(text, params)
        },
        execute: (text: string, params?: ReadonlyArray<never>) => {
          counts.statements++
          counts.waited++
          return inner.execute(text, params)
        },
        transaction: (effect: Effect.Effect<unknown, unknown, unknown>, options?: unknown) => {
          counts.transactions++
          return (inner.transaction as (e: unknown, o: unknown) => unknown)(effect, options)
        }
      }
      // An older revision's port has no `write`.
      const write = (inner as { write?: (text: string, params?: ReadonlyArray<never>) => unknown }).write
      if (write !== undefined) {
        service.write = (text: string, params?: ReadonlyArray<never>) => {
          counts.statements++
          return write(text, params)
        }
      }
      return service as unknown as typeof inner
    })
  )

const measure = (code: Code, database: HubDatabase) =>
  Effect.gen(function* () {
    const {
      Broker,
      Consumer,
      CryptoTrackingTokensLayer,
      HubProjection,
      HubSettings,
      SystemClockLayer,
      hubMigrations,
      layerHubDatabase,
      makeMemoryBus,
      migrate,
      Sql
    } = code
    const counts: Counts = { statements: 0, waited: 0, transactions: 0 }
    const bus = yield* makeMemoryBus()
    const layer = Layer.unwrap(
      Effect.gen(function* () {
        const hub = yield* HubProjection
        // An older revision's projection has no batch path.
        const applyBatch = (
          hub as {
            readonly applyStationEvents?: (events: ReadonlyArray<EventEnvelope>) => Effect.Effect<void, unknown>
          }
        ).applyStationEvents
        return Consumer.layer({
          siteId: "+",
          knows: hub.knows,
          apply: hub.applyStationEvent,
          ...(applyBatch === undefined ? {} : { applyBatch })
        })
      })
    ).pipe(
      Layer.provideMerge(HubProjection.layer),
      Layer.provideMerge(
        Layer.mergeAll(
          countingSql(code, counts).pipe(Layer.provide(layerHubDatabase(database))),
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
      const results: Array<{
        mode: string
        events: number
        perSecond: number
        statementsPerEvent: number
        waitsPerEvent: number
      }> = []
      // One event per transaction is fsync-bound and slow: fewer orders, the rate is what counts.
      for (const [run, mode, streams, batch, lanes, count] of [
        ["R1", "1 stream, 1 per tx", 1, 1, 1, Math.min(orders, 300)],
        ["R2", `${streamsConcurrent} streams, batches of 200, 1 lane`, streamsConcurrent, 200, 1, orders],
        ["R4", `${streamsConcurrent} streams, batches of 200, 2 lanes`, streamsConcurrent, 200, 2, orders],
        ["R3", `${streamsConcurrent} streams, batches of 200, 4 lanes`, streamsConcurrent, 200, 4, orders]
      ] as const) {
        const byStream = stationEvents(code, run, count, streams)
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
          laneQueues[Number.parseInt(event.stationId.slice(5), 10) % lanes]!.push(toMessage(code, event))
        }
        const before = { ...counts }
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
        // Each transaction waits for its begin and its commit too.
        const waits = counts.waited - before.waited + 2 * (counts.transactions - before.transactions)
        results.push({
          mode,
          events: total,
          perSecond: total / seconds,
          statementsPerEvent: (counts.statements - before.statements) / total,
          waitsPerEvent: waits / total
        })
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
      const rawEvents = stationEvents(code, "R9", orders, streamsConcurrent).flat()
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

type Outcome = Effect.Success<ReturnType<typeof measure>>

const report = (label: string, outcomes: ReadonlyArray<{ readonly code: string; readonly outcome: Outcome }>) => {
  console.log(label)
  console.log(
    `  ${"code".padEnd(8)} ${"mode".padEnd(40)} ${"events".padStart(6)} ${"events/s".padStart(9)} ${"of raw".padStart(6)} ${"stmts/ev".padStart(9)} ${"waits/ev".padStart(9)}`
  )
  for (const { code, outcome } of outcomes) {
    for (const result of outcome.results) {
      console.log(
        `  ${code.padEnd(8)} ${result.mode.padEnd(40)} ${String(result.events).padStart(6)} ${result.perSecond
          .toFixed(0)
          .padStart(9)} ${(result.perSecond / outcome.raw).toFixed(2).padStart(6)} ${result.statementsPerEvent
          .toFixed(2)
          .padStart(9)} ${result.waitsPerEvent.toFixed(2).padStart(9)}`
      )
    }
    console.log(
      `  ${code.padEnd(8)} ${"raw baseline (multi-row, 200 per tx)".padEnd(40)} ${"".padStart(6)} ${outcome.raw
        .toFixed(0)
        .padStart(9)}    (${outcome.notifications} notifications recorded)`
    )
  }
}

const main = async () => {
  const here = await loadCode(resolve(dirname(fileURLToPath(import.meta.url)), ".."))
  const beforeRef = flag("--before")
  const codes: ReadonlyArray<{ readonly name: string; readonly code: Code }> = [
    ...(beforeRef === undefined ? [] : [{ name: "before", code: await loadCode(exportRevision(beforeRef)) }]),
    { name: beforeRef === undefined ? "this" : "after", code: here }
  ]
  console.log(
    `hub apply path: ${orders} orders × 3 events per run${beforeRef === undefined ? "" : `, before = ${beforeRef}`}`
  )
  console.log(
    "stmts/ev: statements through the SQL port (a multi-row statement counts once); waits/ev: those the code waits for, with begin and commit (on PostgreSQL each is a round trip)"
  )
  if (!args.includes("--postgres-only")) {
    for (const syncOffLoop of [false, true]) {
      const outcomes = []
      for (const { name, code } of codes) {
        const database: HubDatabase = {
          dialect: "sqlite",
          filename: join(mkdtempSync(join(tmpdir(), "pb-hub-throughput-")), "hub.db"),
          syncOffLoop
        }
        outcomes.push({ code: name, outcome: await Effect.runPromise(measure(code, database)) })
      }
      report(
        syncOffLoop
          ? "SQLite as `packbench hub` runs it (WAL, synchronous=NORMAL, each commit's log synced on the thread pool)"
          : "SQLite (WAL, synchronous=FULL)",
        outcomes
      )
    }
  }
  const postgresRuns = args.includes("--sqlite-only")
    ? []
    : [true, ...(args.includes("--postgres-no-fsync") ? [false] : [])]
  for (const durable of postgresRuns) {
    const server = await startPostgres({ durable })
    try {
      const outcomes = []
      for (const { name, code } of codes) {
        const database: HubDatabase = { dialect: "postgres", url: await server.createDatabase(`bench_${name}`) }
        outcomes.push({ code: name, outcome: await Effect.runPromise(measure(code, database)) })
      }
      report(`PostgreSQL on loopback (fsync ${durable ? "on" : "off"})`, outcomes)
    } finally {
      await server.stop()
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
