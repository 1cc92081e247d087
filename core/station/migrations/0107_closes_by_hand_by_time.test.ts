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

describe("migration 0107 (by-hand closes by close time)", () => {
  it("keeps the closes of a database from before and reads the card's window by the close time", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m107-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 106))
        yield* sql.execute(
          `INSERT INTO shipments_cancelled_by_hand (parcel_id, close_no, order_id, carrier, tracking_number, reason,
             portal_answer, reference, note, badge_id, closed_at_ms)
           VALUES ('P-1', 1, 'SO-1', 'dhl-paket', 'JJD0000000001', 'box damaged', 'cancelled', 'Storno 4711', NULL,
             'B-9001', 1000)`
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 107))
        const closes = yield* sql.query<{ parcel_id: string }>(
          "SELECT parcel_id FROM shipments_cancelled_by_hand WHERE closed_at_ms > 0"
        )
        const plan = yield* sql.query<{ detail: string }>(
          `EXPLAIN QUERY PLAN SELECT * FROM shipments_cancelled_by_hand c WHERE c.closed_at_ms > ?
           ORDER BY c.closed_at_ms DESC, c.parcel_id DESC, c.close_no DESC LIMIT 10`,
          [0]
        )
        return { applied, closes, plan: plan.map((row) => row.detail).join("; ") }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)))
    )
    expect(result.applied).toEqual([107])
    expect(result.closes).toEqual([{ parcel_id: "P-1" }])
    expect(result.plan).toContain("USING INDEX shipments_cancelled_by_hand_by_time")
  })
})
