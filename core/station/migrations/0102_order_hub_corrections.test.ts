import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

describe("migration 0102 (the hub's address corrections)", () => {
  it("gives a station at 0101 an empty table of corrections, one per order, and keeps its orders", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m102-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 101))
        yield* sql.execute(
          "INSERT INTO orders (order_id, version, status, data, updated_at_ms) VALUES ('SO-1', 3, 'open', '{}', 0)"
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 102))
        const row = ["SO-1", 1, '{"street1":"Hauptstraße 14"}', '{"street1":"Hauptstraße"}', 1_795_000_000_000]
        const insert = `INSERT INTO order_hub_corrections (order_id, correction, ship_to, replaced_ship_to, applied_at_ms)
           VALUES (?, ?, ?, ?, ?)`
        yield* sql.execute(insert, row)
        const twice = yield* sql.execute(insert, row).pipe(Effect.flip)
        return {
          applied,
          twice: twice.message,
          corrections: yield* sql.query(
            "SELECT order_id, correction, superseded_at_version FROM order_hub_corrections"
          ),
          orders: yield* sql.query("SELECT order_id, version FROM orders")
        }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([102])
    expect(result.twice).toMatch(/UNIQUE/)
    expect(result.corrections).toEqual([{ order_id: "SO-1", correction: 1, superseded_at_version: null }])
    expect(result.orders).toEqual([{ order_id: "SO-1", version: 3 }])
  })
})
