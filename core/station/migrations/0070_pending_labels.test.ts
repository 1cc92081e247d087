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

describe("migrations 0070-0071 (pending labels, pack session)", () => {
  it("adds both tables to a database that stopped at 0050, keeping its parcels, and allows one pack session", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m70-")), "station.db")
    const layer = Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 50))
        yield* sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, tracking_number, box_id, weight_grams, data,
             packed_at_ms) VALUES ('P-1', 'SO-1', 'label-pending', 'ups', NULL, 'S', 500, '{}', 0)`
        )
        const applied = yield* migrate(stationMigrations)
        yield* sql.execute(
          `INSERT INTO pending_labels (parcel_id, carrier, request, packed, next_attempt_at_ms, last_error, created_at_ms)
           VALUES ('P-1', 'ups', '{}', '{}', 0, 'offline', 0)`
        )
        const pending = yield* sql.query("SELECT parcel_id, attempts FROM pending_labels")
        yield* sql.execute(
          "INSERT INTO pack_session (bench, order_id, data, updated_at_ms) VALUES (1, 'SO-1', '{}', 0)"
        )
        const second = yield* Effect.exit(
          sql.execute("INSERT INTO pack_session (bench, order_id, data, updated_at_ms) VALUES (2, 'SO-2', '{}', 0)")
        )
        return { applied, pending, second }
      }).pipe(Effect.provide(layer))
    )
    expect(result.applied).toEqual(expect.arrayContaining([70, 71]))
    expect(result.pending).toEqual([{ parcel_id: "P-1", attempts: 0 }])
    expect(result.second._tag).toBe("Failure")
  })
})
