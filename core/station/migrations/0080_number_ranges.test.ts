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

describe("migration 0080 (number ranges)", () => {
  it("moves each carrier's range of a database at 0071 over as its own block, and guards the bounds", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m80-")), "station.db")
    const layer = Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 71))
        yield* sql.execute(
          "INSERT INTO tracking_ranges (carrier, next, end_exclusive) VALUES ('dhl-paket', 100042, 200000), ('ups', 100000, 200000)"
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 80))
        const rows = yield* sql.query("SELECT * FROM number_ranges ORDER BY name")
        const tables = yield* sql.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        const pastEnd = yield* Effect.exit(
          sql.execute("UPDATE number_ranges SET next = 200001, reserved_to = 200001 WHERE name = 'tracking:ups'")
        )
        const badSlot = yield* Effect.exit(
          sql.execute("UPDATE number_ranges SET slot = 3, slots = 3 WHERE name = 'tracking:ups'")
        )
        return { applied, rows, tables: tables.map((table) => table.name), pastEnd, badSlot }
      }).pipe(Effect.provide(layer))
    )
    expect(result.applied).toEqual([80])
    expect(result.rows).toEqual([
      {
        name: "tracking:dhl-paket",
        range_start: 100042,
        range_end: 200000,
        slot: 0,
        slots: 1,
        block_start: 100042,
        block_end: 200000,
        next: 100042,
        reserved_to: 100042
      },
      {
        name: "tracking:ups",
        range_start: 100000,
        range_end: 200000,
        slot: 0,
        slots: 1,
        block_start: 100000,
        block_end: 200000,
        next: 100000,
        reserved_to: 100000
      }
    ])
    expect(result.tables).not.toContain("tracking_ranges")
    expect(result.pastEnd._tag).toBe("Failure")
    expect(result.badSlot._tag).toBe("Failure")
  })
})
