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

describe("migration 0103 (shipments to cancel by hand)", () => {
  it("keeps a cancellation waiting at 0102 as one the station sends itself", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m103-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 102))
        yield* sql.execute(
          `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, reason, next_attempt_at_ms,
             created_at_ms) VALUES ('P-1', 'SO-1', 'dhl-paket', 'JJD0000000001', 'box damaged', 0, 0)`
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 103))
        return {
          applied,
          rows: yield* sql.query("SELECT parcel_id, tracking_number, refused, by_hand FROM carrier_cancellations")
        }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([103])
    expect(result.rows).toEqual([{ parcel_id: "P-1", tracking_number: "JJD0000000001", refused: null, by_hand: null }])
  })
})
