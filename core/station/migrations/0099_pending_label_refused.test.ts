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

describe("migration 0099 (a waiting label the carrier refused)", () => {
  it("keeps a label waiting on a station at 0098 as asked for, with what it knew of the carrier", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m99-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 98))
        yield* sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, tracking_number, box_id, weight_grams, data,
             packed_at_ms) VALUES ('P-1', 'SO-1', 'label-pending', 'dhl-paket', NULL, 'S', 500, '{}', 0)`
        )
        yield* sql.execute(
          `INSERT INTO pending_labels (parcel_id, carrier, request, packed, attempts, next_attempt_at_ms, last_error,
             created_at_ms, may_have_reached_carrier) VALUES ('P-1', 'dhl-paket', '{}', '{}', 7, 0,
             'dhl-paket refused the label: postal code unknown', 0, 1)`
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 99))
        return {
          applied,
          rows: yield* sql.query(
            "SELECT parcel_id, attempts, may_have_reached_carrier, withheld, refused FROM pending_labels"
          )
        }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([99])
    expect(result.rows).toEqual([
      { parcel_id: "P-1", attempts: 7, may_have_reached_carrier: 1, withheld: null, refused: null }
    ])
  })
})
