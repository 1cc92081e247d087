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

describe("migration 0060 (boxes)", () => {
  it("adds the box table to a database that stopped at 0050, and refuses a live box without data", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m60-")), "station.db")
    const layer = Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 50))
        yield* sql.execute("INSERT INTO catalog_items (sku, gtin14, data, version) VALUES ('SKU-1', '1', '{}', 3)")
        const applied = yield* migrate(stationMigrations)
        yield* sql.execute("INSERT INTO boxes (box_id, position, data) VALUES ('S', 1, '{}')")
        yield* sql.execute("INSERT INTO boxes (box_id, position, data, version, retired) VALUES ('XL', 0, NULL, 7, 1)")
        const liveWithoutData = yield* Effect.exit(
          sql.execute("INSERT INTO boxes (box_id, position, data) VALUES ('M', 2, NULL)")
        )
        const boxes = yield* sql.query("SELECT box_id, version, retired FROM boxes ORDER BY box_id")
        const catalog = yield* sql.query("SELECT sku, version FROM catalog_items")
        return { applied, liveWithoutData, boxes, catalog }
      }).pipe(Effect.provide(layer))
    )
    expect(result.applied).toEqual(stationMigrations.filter((m) => m.id > 50).map((m) => m.id))
    expect(result.applied).toContain(60)
    expect(result.liveWithoutData._tag).toBe("Failure")
    expect(result.boxes).toEqual([
      { box_id: "S", version: 0, retired: 0 },
      { box_id: "XL", version: 7, retired: 1 }
    ])
    expect(result.catalog).toEqual([{ sku: "SKU-1", version: 3 }])
  })
})
