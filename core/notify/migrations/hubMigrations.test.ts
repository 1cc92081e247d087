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
    expect(result.first).toEqual([1, 30, 9001])
    expect(result.second).toEqual([])
    expect(result.tables).toEqual([
      "hub_customers",
      "hub_messages",
      "hub_notifications",
      "hub_orders",
      "hub_outbox",
      "hub_parcels",
      "hub_refund_claims",
      "hub_refund_orders",
      "hub_refund_rejections",
      "hub_tracking_events",
      "hub_webhook_deliveries",
      "schema_migrations",
      "sync_consumer_cursor",
      "sync_consumer_held",
      "sync_consumer_quarantine"
    ])
    expect(result.duplicate).toBe("Constraint")
  })
  it("migration 30 keeps one refund claim per (order, line, unit) and one hub message per (stream, seq)", async () => {
    const result = await run(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        const sql = yield* Sql
        const claim = (itemRef: string) =>
          sql.execute(
            `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id, serial,
               outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
             VALUES ('SO-1', '1', 'serial:X', ?, 'R', 'HAM1', 'S', 'X', 'refund-full', 100, 'EUR', 'requested', ?, 0)
             ON CONFLICT DO NOTHING`,
            [itemRef, `ev-${itemRef}`]
          )
        const message = (msgId: string) =>
          sql.execute(
            "INSERT INTO hub_messages (msg_id, stream, seq, topic, body, created_at_ms) VALUES (?, 'shop:HAM1', 1, 't', '{}', 0)",
            [msgId]
          )
        const first = yield* claim("A-01")
        const second = yield* claim("B-01")
        yield* message("m-1")
        const duplicate = yield* message("m-2").pipe(Effect.flip)
        return { first: first.changes, second: second.changes, duplicate: duplicate.reason }
      })
    )
    expect(result).toEqual({ first: 1, second: 0, duplicate: "Constraint" })
  })
})
