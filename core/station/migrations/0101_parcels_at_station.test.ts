import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { AT_STATION_PAGE } from "../../pack/HeldParcels.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

describe("migration 0101 (parcels at the station)", () => {
  it("lets a station at 0100 read its held parcels through an index of the parcels still there, not every parcel", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m101-")), "station.db")
    const plan = (sql: Sql["Service"]) =>
      sql
        .query<{ detail: string }>(`EXPLAIN QUERY PLAN ${AT_STATION_PAGE}`, [1_795_000_000_000, "P-1", 100])
        .pipe(Effect.map((rows) => rows.map((row) => row.detail).join("; ")))
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 100))
        const before = yield* plan(sql)
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 101))
        return { before, applied, after: yield* plan(sql) }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.before).toContain("SCAN p")
    expect(result.applied).toEqual([101])
    expect(result.after).toContain("SEARCH p USING INDEX parcels_at_station ((packed_at_ms,parcel_id)<(?,?))")
    expect(result.after).not.toContain("SCAN")
    expect(result.after).not.toContain("TEMP B-TREE")
  })
})
