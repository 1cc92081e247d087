import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { TestStore } from "../../../drivers/postgres/TestStores.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { hubMigrations } from "./hubMigrations.ts"

/** The tables a database holds, by the dialect's own catalogue. */
const tableNames = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ name: string }>(
    sql.dialect === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY name"
  )
  return rows.map((row) => row.name)
})

/** The hub's schema history on a store: hubMigrations.test.ts runs it on SQLite, the integration twin on PostgreSQL. */
export const hubMigrationsSuite = (store: TestStore) =>
  describe(`hub migrations on ${store.dialect}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock>) =>
      Effect.runPromise(effect.pipe(Effect.provide(Layer.mergeAll(store.layer(), StationClock.manual(0).layer))))

    it("creates the hub and consumer tables once, and makes (kind, subject) unique", async () => {
      const result = await run(
        Effect.gen(function* () {
          const first = yield* migrate(hubMigrations)
          const second = yield* migrate(hubMigrations)
          const sql = yield* Sql
          const tables = yield* tableNames
          const insert = (id: string) =>
            sql.execute(
              `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
             VALUES (?, 'shipped', 'P-1', 'SO-1', 'ev-1', 0)`,
              [id]
            )
          yield* insert("n-1")
          const duplicate = yield* insert("n-2").pipe(Effect.flip)
          return { first, second, tables, duplicate: duplicate.reason }
        })
      )
      expect(result.first).toEqual([1, 9001])
      expect(result.second).toEqual([])
      expect(result.tables).toEqual([
        "hub_customers",
        "hub_notifications",
        "hub_orders",
        "hub_outbox",
        "hub_parcels",
        "hub_tracking_events",
        "hub_webhook_deliveries",
        "schema_migrations",
        "sync_consumer_cursor",
        "sync_consumer_held",
        "sync_consumer_quarantine"
      ])
      expect(result.duplicate).toBe("Constraint")
    })

    it("keeps millisecond timestamps and numbers quarantined messages on its own", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const sql = yield* Sql
          yield* sql.execute(
            "INSERT INTO sync_consumer_cursor (site_id, station_id, epoch, last_seq, updated_at_ms) VALUES (?, ?, ?, ?, ?)",
            ["HAM1", "PACK-01", "E1", 3, 1_763_700_000_000]
          )
          for (const topic of ["a", "b"]) {
            yield* sql.execute(
              "INSERT INTO sync_consumer_quarantine (topic, payload, reason, received_at_ms) VALUES (?, '', 'test', ?)",
              [topic, 1_763_700_000_000]
            )
          }
          return {
            cursor: yield* sql.query("SELECT last_seq, updated_at_ms FROM sync_consumer_cursor"),
            quarantine: yield* sql.query("SELECT id, topic FROM sync_consumer_quarantine ORDER BY id")
          }
        })
      )
      expect(result).toEqual({
        cursor: [{ last_seq: 3, updated_at_ms: 1_763_700_000_000 }],
        quarantine: [
          { id: 1, topic: "a" },
          { id: 2, topic: "b" }
        ]
      })
    })
  })
