import { Effect, Layer, Schema } from "effect"
import type { EventEnvelope } from "../../core/events/Event.ts"
import { defineEvent } from "../../core/events/EventDefinition.ts"
import { EventLog } from "../../core/events/EventLog.ts"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { migrate } from "../../core/store/Migrations.ts"
import { Sql } from "../../core/store/Sql.ts"
import type { Broker } from "../../core/sync/Broker.ts"
import { Consumer } from "../../core/sync/Consumer.ts"
import { consumerMigrations } from "../../core/sync/ConsumerMigrations.ts"
import type { AppliedEvent } from "../../core/sync/DeliveryChecker.ts"
import { resolveStationEpoch } from "../../core/sync/EpochGuard.ts"
import type { HighWaterMark } from "../../core/sync/HighWaterMark.ts"
import { Inbox } from "../../core/sync/Inbox.ts"
import { Outbox, type OutboxOptions } from "../../core/sync/Outbox.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { type HubDatabase, layerHubDatabase } from "../hub/HubDatabase.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"

/**
 * The assemblies sync tests and benches run: a station (database, event log, outbox) and a consumer that records
 * every application in `applied` for the end-to-end checker. Real code throughout; only the broker varies.
 */

export const wallClock = StationClock.of({
  now: Effect.sync(() => ({ wallMs: Date.now(), monoNs: process.hrtime.bigint().toString() }))
})

export const Scanned = defineEvent({
  type: "test.scanned",
  version: 1,
  payload: Schema.Struct({ n: Schema.Int, code: Schema.String })
})

export interface StationRigOptions {
  readonly filename: string
  readonly siteId?: string
  readonly stationId?: string
  /** May read the station's identity, e.g. to register its presence will. */
  readonly broker: Layer.Layer<Broker, never, StationIdentity>
  readonly highWaterMark: Layer.Layer<HighWaterMark>
  readonly outbox?: Partial<OutboxOptions>
}

export const stationRigLayer = (options: StationRigOptions) => {
  const base = Layer.mergeAll(layerSqlite({ filename: options.filename }), Layer.succeed(StationClock, wallClock))
  const identity = Layer.effect(
    StationIdentity,
    Effect.gen(function* () {
      yield* migrate(stationMigrations)
      const { epoch } = yield* resolveStationEpoch()
      return StationIdentity.of({
        siteId: options.siteId ?? "HAM1",
        stationId: options.stationId ?? "PACK-01",
        epoch
      })
    })
  )
  const core = EventLog.layer.pipe(
    Layer.provideMerge(identity),
    Layer.provideMerge(options.highWaterMark),
    Layer.provideMerge(base)
  )
  return Outbox.layer(options.outbox).pipe(Layer.provideMerge(options.broker), Layer.provideMerge(core))
}

/** The station rig with its whole sync engine on top: inbox, outbox and presence (birth on every connect). */
export const syncEngineRigLayer = (options: StationRigOptions) =>
  SyncEngine.layer({ statusEveryMs: 500 }).pipe(
    Layer.provideMerge(Inbox.layer),
    Layer.provideMerge(stationRigLayer(options))
  )

/** Appends `count` events in transactions of `perTransaction`, returning nothing: the database is the record. */
export const appendScans = (count: number, perTransaction = 1) =>
  Effect.gen(function* () {
    const log = yield* EventLog
    const sql = yield* Sql
    for (let done = 0; done < count; done += perTransaction) {
      const n = Math.min(perTransaction, count - done)
      yield* sql.transaction(
        Effect.forEach(
          Array.from({ length: n }, (_, index) => done + index),
          (i) => log.append(Scanned, { n: i, code: `C${i}` })
        )
      )
    }
  })

export const committedEvents = Effect.gen(function* () {
  const sql = yield* Sql
  return yield* sql.query<{ id: string; seq: number; epoch: string }>("SELECT id, seq, epoch FROM events ORDER BY seq")
})

/** The consumer's database: a SQLite file, or any hub database (PostgreSQL too). */
export type ConsumerRigOptions = ({ readonly filename: string } | { readonly database: HubDatabase }) & {
  readonly broker: Layer.Layer<Broker>
  readonly ackDelayMs?: number
  readonly resendIntervalMs?: number
  readonly knows?: (type: string, version: number) => boolean
  /** A reason to fail applying `event` (the effect throws), or undefined to apply it; for failure tests. */
  readonly refuse?: (event: EventEnvelope) => string | undefined
  readonly batchSize?: number
}

export const consumerRigLayer = (options: ConsumerRigOptions) => {
  const store = "database" in options ? layerHubDatabase(options.database) : layerSqlite({ filename: options.filename })
  const base = Layer.mergeAll(store, Layer.succeed(StationClock, wallClock))
  const prepared = Layer.effectDiscard(
    Effect.gen(function* () {
      yield* migrate(consumerMigrations)
      const sql = yield* Sql
      yield* sql.execute(
        `CREATE TABLE IF NOT EXISTS applied (n ${sql.dialect === "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
           id TEXT NOT NULL, station_id TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL)`
      )
    })
  )
  const consumer = Layer.unwrap(
    Effect.gen(function* () {
      const sql = yield* Sql
      return Consumer.layer({
        siteId: "+",
        knows: options.knows ?? (() => true),
        ...(options.ackDelayMs === undefined ? {} : { ackDelayMs: options.ackDelayMs }),
        ...(options.resendIntervalMs === undefined ? {} : { resendIntervalMs: options.resendIntervalMs }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        apply: (event) =>
          Effect.gen(function* () {
            // Written before the refusal so a rollback is what keeps the failed event out of `applied`.
            yield* sql.execute("INSERT INTO applied (id, station_id, epoch, seq) VALUES (?, ?, ?, ?)", [
              event.id,
              event.stationId,
              event.epoch,
              event.seq
            ])
            const refusal = options.refuse?.(event)
            if (refusal !== undefined) return yield* Effect.fail(refusal)
          })
      })
    })
  )
  return consumer.pipe(Layer.provideMerge(options.broker), Layer.provideMerge(prepared), Layer.provideMerge(base))
}

export const appliedEvents = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ id: string; station_id: string; epoch: string; seq: number }>(
    "SELECT id, station_id, epoch, seq FROM applied ORDER BY n"
  )
  return rows.map(
    (row): AppliedEvent => ({ id: row.id, stationId: row.station_id, epoch: row.epoch, seq: Number(row.seq) })
  )
})

/** Polls `probe` until `done` holds; fails with the last value seen after `timeoutMs`. */
export const waitFor = <A, E, R>(probe: Effect.Effect<A, E, R>, done: (value: A) => boolean, timeoutMs: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const value = yield* probe
      if (done(value)) return value
      if (Date.now() > deadline)
        return yield* Effect.die(`waitFor timed out after ${timeoutMs} ms; last: ${JSON.stringify(value)}`)
      yield* Effect.sleep(20)
    }
  })
