import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { hubMigrations } from "./hubMigrations.ts"

const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(Layer.mergeAll(layerSqlite({ filename: ":memory:" }), StationClock.manual(0).layer)))
  )

describe("hub migrations", () => {
  it("creates the hub and consumer tables once, and makes (kind, subject) unique", async () => {
    const result = await run(
      Effect.gen(function* () {
        const first = yield* migrate(hubMigrations)
        const second = yield* migrate(hubMigrations)
        const sql = yield* Sql
        const tables = yield* sql.query<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        const insert = (id: string) =>
          sql.execute(
            `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, trigger_event_id, created_at_ms)
             VALUES (?, 'shipped', 'P-1', 'SO-1', 'ev-1', 0)`,
            [id]
          )
        yield* insert("n-1")
        const duplicate = yield* insert("n-2").pipe(Effect.flip)
        return { first, second, tables: tables.map((row) => row.name), duplicate: duplicate.reason }
      })
    )
    expect(result.first).toEqual([1, 10, 9001])
    expect(result.second).toEqual([])
    expect(result.tables).toEqual([
      "hub_customers",
      "hub_feedback",
      "hub_metrics_orders",
      "hub_metrics_returns",
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

  it("10 adds the metrics tables to a hub database that already holds parcels, and one feedback row per parcel", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sql = yield* Sql
        const first = hubMigrations.filter((migration) => migration.id === 1)
        yield* migrate(first)
        yield* sql.execute(
          `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, updated_at_ms)
           VALUES ('P-1', 'SO-1', 'ups', '1Z1', 'tok-aaaaaaaaaaaaaaaaaaaa', 0)`
        )
        const applied = yield* migrate(hubMigrations)
        const feedback = (token: string) =>
          sql.execute(
            "INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms) VALUES ('P-1', 'SO-1', ?, 0) ON CONFLICT (parcel_id) DO NOTHING",
            [token]
          )
        const inserted = [(yield* feedback("f-1")).changes, (yield* feedback("f-2")).changes]
        const badRating = yield* sql
          .execute("UPDATE hub_feedback SET rating = 6, answered_at_ms = 1 WHERE parcel_id = 'P-1'")
          .pipe(Effect.flip)
        const parcels = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_parcels")
        return { applied, inserted, badRating: badRating.reason, parcels: Number(parcels[0]?.n) }
      })
    )
    expect(result).toEqual({ applied: [10, 9001], inserted: [1, 0], badRating: "Constraint", parcels: 1 })
  })
})
