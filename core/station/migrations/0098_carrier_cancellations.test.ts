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

describe("migration 0098 (shipments to cancel at their carrier)", () => {
  it("adds an empty table of cancellations to a station at 0097, keeping its voided parcels as they were", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m98-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 97))
        yield* sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, tracking_number, box_id, weight_grams, data,
             packed_at_ms) VALUES ('P-1', 'SO-1', 'voided', 'dhl-paket', 'JJD0000000001', 'S', 500, '{}', 0)`
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 98))
        const before = yield* sql.query("SELECT * FROM carrier_cancellations")
        yield* sql.execute(
          `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, reason, next_attempt_at_ms,
             created_at_ms) VALUES ('P-1', 'SO-1', 'dhl-paket', 'JJD0000000001', 'box damaged', 0, 0)`
        )
        return {
          applied,
          before,
          rows: yield* sql.query("SELECT parcel_id, attempts, last_error, refused FROM carrier_cancellations"),
          parcels: yield* sql.query("SELECT parcel_id, status FROM parcels")
        }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([98])
    expect(result.before).toEqual([])
    expect(result.rows).toEqual([{ parcel_id: "P-1", attempts: 0, last_error: null, refused: null }])
    expect(result.parcels).toEqual([{ parcel_id: "P-1", status: "voided" }])
  })
})
