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

describe("migrations 0030-0032 (pack, tracking ranges, handover)", () => {
  it("adds the pack tables to a database that stopped at 0021, keeping its rows", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m30-")), "station.db")
    const layer = Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 21))
        yield* sql.execute(
          "INSERT INTO orders (order_id, version, status, data, updated_at_ms) VALUES ('SO-1', 1, 'open', '{}', 0)"
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 32))
        const tables = yield* sql.query<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        yield* sql.execute("INSERT INTO tracking_ranges (carrier, next, end_exclusive) VALUES ('ups', 5, 6)")
        const overrun = yield* Effect.exit(sql.execute("UPDATE tracking_ranges SET next = 7 WHERE carrier = 'ups'"))
        const orders = yield* sql.query("SELECT order_id FROM orders")
        return { applied, tables: tables.map((table) => table.name), overrun, orders }
      }).pipe(Effect.provide(layer))
    )
    expect(result.applied).toEqual(stationMigrations.filter((m) => m.id > 21 && m.id <= 32).map((m) => m.id))
    expect(result.applied).toEqual(expect.arrayContaining([30, 31, 32]))
    expect(result.tables).toEqual(
      expect.arrayContaining([
        "parcels",
        "parcel_items",
        "totes",
        "pack_counters",
        "tracking_ranges",
        "handover_batches",
        "handover_scans"
      ])
    )
    expect(result.overrun._tag).toBe("Failure")
    expect(result.orders).toEqual([{ order_id: "SO-1" }])
  })
})
