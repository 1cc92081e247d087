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
// begin and commit): on PostgreSQL each wait is a round trip. Beside them, the CPU time per event of this node process
// (`process.cpuUsage`: the hub's JavaScript, pg's, garbage collection, the thread pool) and of the PostgreSQL server
// (from /proc, in 10 ms ticks: all its processes, background workers too, and the backends of the measured database
// alone): unlike events/s, these move less when other programs share the machine's cores. `--postgres-statements` loads pg_stat_statements and
// prints, per code, the statements the server spent the most time executing, per event.
//   npm run bench:hub -- [--orders N] [--sqlite-only | --postgres-only] [--postgres-no-fsync] [--postgres-statements]
//     [--rounds N] [--before main] [--warmup N]
// `--rounds N` measures PostgreSQL N times, before and after taking turns, each time in new databases.
// `--warmup N` (1000 unless told; 0: none) first applies N orders per code, unmeasured, on each kind of database.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, References } from "effect"
import pg from "pg"
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

/** Microseconds of CPU this process used so far (user + system, every thread). */
const nodeCpuUs = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** Linux's clock ticks per second, as /proc counts CPU time. */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

/** The PostgreSQL server being measured: its postmaster, and the database the measured code writes to. */
interface ServerProcess {
  readonly pid: number | undefined
  readonly database: string
}

/**
 * Microseconds of CPU the server used so far: `all`, its postmaster's own and its reaped children's (fields 14–17 of
 * /proc/pid/stat) and each live child's own (fields 14–15), background workers too (WAL writer, checkpointer,
 * autovacuum, whose work may be for an earlier run's tables); `backends`, only the live connections to `database`
 * (the process title PostgreSQL gives each backend names it), the statements' own work. A child that ends between
 * two readings moves from one sum into the other, so `all`'s differences stay right. Undefined where there is no /proc.
 */
const serverCpuUs = (server: ServerProcess | undefined): { all: number; backends: number } | undefined => {
  if (server?.pid === undefined) return undefined
  const fields = (of: number) => {
    try {
      const stat = readFileSync(`/proc/${of}/stat`, "utf8")
      // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    } catch {
      return undefined
    }
  }
  const own = fields(server.pid)
  if (own === undefined) return undefined
  // Fields 14–17 are at 11–14 once the first two are cut off.
  let all = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
  let backends = 0
  let children: Array<string> = []
  try {
    children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, "utf8").trim().split(" ").filter(Boolean)
  } catch {
    return undefined
  }
  for (const child of children) {
    const theirs = fields(Number(child))
    if (theirs === undefined) continue
    const ticks = Number(theirs[11]) + Number(theirs[12])
    all += ticks
    try {
      if (readFileSync(`/proc/${child}/cmdline`, "utf8").startsWith(`postgres: postgres ${server.database} `)) {
        backends += ticks
      }
    } catch {
      // Ended since the list was read.
    }
  }
  return { all: (all / ticksPerSecond) * 1e6, backends: (backends / ticksPerSecond) * 1e6 }
}

/** CPU microseconds per event of this process and of the database server (undefined: SQLite, in this process). */
interface CpuPerEvent {
  readonly nodeUs: number
  readonly server: { readonly all: number; readonly backends: number } | undefined
}

/** Starts counting CPU; the function it returns gives the CPU per event since then. */
const cpuMeter = (server: ServerProcess | undefined) => {
  const node = nodeCpuUs()
  const serverBefore = serverCpuUs(server)
  return (events: number): CpuPerEvent => {
    const serverNow = serverCpuUs(server)
    return {
      nodeUs: (nodeCpuUs() - node) / events,
      server:
        serverBefore === undefined || serverNow === undefined
          ? undefined
          : {
              all: (serverNow.all - serverBefore.all) / events,
              backends: (serverNow.backends - serverBefore.backends) / events
            }
    }
  }
}
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
        query: (text: string, params?: ReadonlyArray<never>, options?: never) => {
          counts.statements++
          counts.waited++
          return inner.query(text, params, options)
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

/** The orders a run applies; a warm-up (`oneByOne` false) leaves out the slow one-event-per-transaction mode. */
interface RunSize {
  readonly orders: number
  readonly oneByOne: boolean
}

const measure = (
  code: Code,
  database: HubDatabase,
  server: ServerProcess | undefined,
  size: RunSize = { orders, oneByOne: true }
) =>
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
        cpu: CpuPerEvent
      }> = []
      // One event per transaction is fsync-bound and slow: fewer orders, the rate is what counts.
      const modes = [
        ["R1", "1 stream, 1 per tx", 1, 1, 1, Math.min(size.orders, 300)],
        ["R2", `${streamsConcurrent} streams, batches of 200, 1 lane`, streamsConcurrent, 200, 1, size.orders],
        ["R4", `${streamsConcurrent} streams, batches of 200, 2 lanes`, streamsConcurrent, 200, 2, size.orders],
        ["R3", `${streamsConcurrent} streams, batches of 200, 4 lanes`, streamsConcurrent, 200, 4, size.orders]
      ] as const
      for (const [run, mode, streams, batch, lanes, count] of size.oneByOne ? modes : modes.slice(1)) {
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
        const cpu = cpuMeter(server)
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
        const cpuPerEvent = cpu(total)
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
          waitsPerEvent: waits / total,
          cpu: cpuPerEvent
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
      const rawEvents = stationEvents(code, "R9", size.orders, streamsConcurrent).flat()
      const rawCpu = cpuMeter(server)
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
      const rawCpuPerEvent = rawCpu(rawEvents.length)
      const notifications = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_notifications")
      return { results, raw, rawCpu: rawCpuPerEvent, notifications: Number(notifications[0]?.n) }
    }).pipe(Effect.provide(context))
  }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))

type Outcome = Effect.Success<ReturnType<typeof measure>>

const report = (label: string, outcomes: ReadonlyArray<{ readonly code: string; readonly outcome: Outcome }>) => {
  console.log(label)
  console.log(
    `  ${"code".padEnd(8)} ${"mode".padEnd(40)} ${"events".padStart(6)} ${"events/s".padStart(9)} ${"of raw".padStart(6)} ${"stmts/ev".padStart(9)} ${"waits/ev".padStart(9)} ${"node µs/ev".padStart(10)} ${"server µs/ev".padStart(12)} ${"backends".padStart(8)}`
  )
  const cpuColumns = (cpu: CpuPerEvent) =>
    ` ${cpu.nodeUs.toFixed(0).padStart(10)} ${(cpu.server?.all.toFixed(0) ?? "-").padStart(12)} ${(cpu.server?.backends.toFixed(0) ?? "-").padStart(8)}`
  for (const { code, outcome } of outcomes) {
    for (const result of outcome.results) {
      console.log(
        `  ${code.padEnd(8)} ${result.mode.padEnd(40)} ${String(result.events).padStart(6)} ${result.perSecond
          .toFixed(0)
          .padStart(9)} ${(result.perSecond / outcome.raw).toFixed(2).padStart(6)} ${result.statementsPerEvent
          .toFixed(2)
          .padStart(9)} ${result.waitsPerEvent.toFixed(2).padStart(9)}${cpuColumns(result.cpu)}`
      )
    }
    console.log(
      `  ${code.padEnd(8)} ${"raw baseline (multi-row, 200 per tx)".padEnd(40)} ${"".padStart(6)} ${outcome.raw
        .toFixed(0)
        .padStart(9)} ${"".padStart(6)} ${"".padStart(9)} ${"".padStart(9)}${cpuColumns(outcome.rawCpu)}`
    )
    console.log(`  ${code.padEnd(8)} (${outcome.notifications} notifications recorded)`)
  }
}

const statementsWanted = args.includes("--postgres-statements")
/**
 * Orders each code applies through the batch modes, unmeasured, before its measured runs on each kind of database:
 * the hub runs for days, so the figures are of code V8 has optimised and schemas compiled (without it the first
 * round of a run came out slower than the later ones, and the code that runs first pays for warming the modules
 * both codes share, effect's among them). 0: no warm-up.
 */
const warmupOrders = Number(flag("--warmup") ?? 1_000)

/** Each code's unmeasured warm-up run, in a database `databaseFor` makes. */
const warmUp = async (
  codes: ReadonlyArray<{ readonly name: string; readonly code: Code }>,
  databaseFor: (name: string) => Promise<HubDatabase>
) => {
  if (warmupOrders <= 0) return
  for (const { name, code } of codes) {
    await Effect.runPromise(
      measure(code, await databaseFor(name), undefined, { orders: warmupOrders, oneByOne: false })
    )
  }
}
/** PostgreSQL measured this many times, the codes taking turns: a before/after comparison on a machine whose load moves. */
const rounds = Number(flag("--rounds") ?? 1)

/**
 * The statements of the hub's apply (the raw baseline's left out) the server spent the most time on in `url`'s
 * database, in µs per event applied: planning and executing, and the calls and rows per event.
 */
const topStatements = async (url: string, events: number): Promise<ReadonlyArray<string>> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    const { rows } = await client.query<{
      calls: string
      plan_ms: number
      exec_ms: number
      rows: string
      query: string
    }>(
      `SELECT calls, total_plan_time AS plan_ms, total_exec_time AS exec_ms, rows,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%bench_raw%' AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_plan_time + total_exec_time DESC`
    )
    const perEvent = (ms: number) => ((ms * 1000) / events).toFixed(1).padStart(6)
    const total = rows.reduce((sum, row) => sum + row.plan_ms + row.exec_ms, 0)
    return [
      `${"plan µs".padStart(7)} ${"exec µs".padStart(7)} ${"calls/ev".padStart(8)} ${"rows/ev".padStart(7)}  statement`,
      ...rows
        .slice(0, 14)
        .map(
          (row) =>
            `${perEvent(row.plan_ms)}  ${perEvent(row.exec_ms)} ${(Number(row.calls) / events).toFixed(3).padStart(8)} ${(Number(row.rows) / events).toFixed(2).padStart(7)}  ${row.query}`
        ),
      `total ${perEvent(total)} µs per event, ${rows.length} statements`
    ]
  } finally {
    await client.end()
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
      const sqliteDatabase = async (): Promise<HubDatabase> => ({
        dialect: "sqlite",
        filename: join(mkdtempSync(join(tmpdir(), "pb-hub-throughput-")), "hub.db"),
        syncOffLoop
      })
      await warmUp(codes, sqliteDatabase)
      const outcomes = []
      for (const { name, code } of codes) {
        outcomes.push({
          code: name,
          outcome: await Effect.runPromise(measure(code, await sqliteDatabase(), undefined))
        })
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
    const server = await startPostgres({
      durable,
      ...(statementsWanted
        ? { settings: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track_planning": "on" } }
        : {})
    })
    try {
      const outcomes = []
      const statements: Array<{ readonly code: string; readonly lines: ReadonlyArray<string> }> = []
      await warmUp(codes, async (name) => ({ dialect: "postgres", url: await server.createDatabase(`warmup_${name}`) }))
      for (let round = 1; round <= rounds; round++) {
        for (const { name, code } of codes) {
          const label = rounds === 1 ? name : `${name} ${round}`
          const url = await server.createDatabase(`bench_${name}`)
          const database: HubDatabase = { dialect: "postgres", url }
          const outcome = await Effect.runPromise(
            measure(code, database, { pid: server.pid, database: new URL(url).pathname.slice(1) })
          )
          outcomes.push({ code: label, outcome })
          if (statementsWanted) {
            const events = outcome.results.reduce((sum, result) => sum + result.events, 0)
            statements.push({ code: label, lines: await topStatements(database.url, events) })
          }
        }
      }
      report(`PostgreSQL on loopback (fsync ${durable ? "on" : "off"})`, outcomes)
      for (const { code, lines } of statements) {
        console.log(`  ${code}: the server's time per event applied (all modes), by statement (pg_stat_statements)`)
        for (const line of lines) console.log(`    ${line}`)
      }
    } finally {
      await server.stop()
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
