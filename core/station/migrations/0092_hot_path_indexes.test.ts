import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql, type SqlValue } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

/** The plan SQLite picks for `statement`: each step's detail, e.g. "SEARCH i USING INDEX …" or "SCAN i". */
const planOf = (statement: string, parameters: ReadonlyArray<SqlValue>) =>
  Effect.gen(function* () {
    const rows = yield* (yield* Sql).query<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, parameters)
    return rows.map((row) => row.detail)
  })

describe("migration 0092 (hot path indexes)", () => {
  it("lets every scan, handover and returns lookup find its rows through an index, not a scan of the table", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m92-")), "station.db")
    const lookups: ReadonlyArray<readonly [string, ReadonlyArray<SqlValue>]> = [
      [
        "SELECT i.sku FROM parcel_items i JOIN parcels p ON p.parcel_id = i.parcel_id WHERE i.serial = ? AND p.status <> 'voided'",
        ["SN-1"]
      ],
      [
        `SELECT i.parcel_id FROM parcel_items i JOIN parcels p ON p.parcel_id = i.parcel_id
         WHERE p.order_id = ? AND p.status <> 'voided' ORDER BY i.rowid`,
        ["SO-1"]
      ],
      ["SELECT * FROM handover_batches WHERE status = 'open' ORDER BY opened_at_ms DESC LIMIT 1", []],
      [
        "SELECT s.parcel_id FROM handover_scans s JOIN parcels p ON p.parcel_id = s.parcel_id WHERE s.batch_id = ? ORDER BY s.rowid",
        ["B-1"]
      ],
      ["SELECT * FROM returns WHERE status = 'open' ORDER BY received_at_ms DESC, rowid DESC LIMIT 1", []],
      [
        "SELECT rma_id FROM rma WHERE rma_id IN (?, ?) OR json_extract(data, '$.returnTrackingNumber') IN (?, ?)",
        ["A", "B", "A", "B"]
      ],
      [
        "SELECT sku FROM sku_aliases WHERE UPPER(alias) = ? UNION ALL SELECT sku FROM catalog_items WHERE UPPER(sku) = ?",
        ["MUG1", "MUG1"]
      ],
      ["SELECT data FROM catalog_items WHERE sku IN (?)", ["ALP-MUG-01"]],
      ["SELECT data FROM catalog_items WHERE sku IN (?) OR gtin14 IN (?, ?)", ["A", "1", "2"]]
    ]
    const plans = await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 91))
        const before = yield* Effect.forEach(lookups, ([statement, parameters]) => planOf(statement, parameters))
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 92))
        const after = yield* Effect.forEach(lookups, ([statement, parameters]) => planOf(statement, parameters))
        return { before, applied, after }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    // Walking a partial index of the open rows only is what it is for; any other SCAN reads every row.
    const scans = (plan: ReadonlyArray<string>) =>
      plan.filter(
        (step) =>
          /^SCAN (?!CONSTANT)/.test(step) && !/USING (COVERING )?INDEX (handover_batches_open|returns_open)$/.test(step)
      )
    // Before the migration most of these read every row; the two catalog lookups were already indexed.
    expect(plans.before.filter((plan) => scans(plan).length > 0).length).toBeGreaterThanOrEqual(6)
    expect(plans.applied).toEqual([92])
    expect(plans.after.map(scans)).toEqual(lookups.map(() => []))
  })
})
