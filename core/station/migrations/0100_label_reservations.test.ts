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

describe("migration 0100 (parcel ids reserved for label requests)", () => {
  it("adds an empty table of reservations, and keeps a cancellation waiting at 0099 with its tracking number", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m100-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 99))
        yield* sql.execute(
          `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, reason, next_attempt_at_ms,
             created_at_ms) VALUES ('P-1', 'SO-1', 'dhl-paket', 'JJD0000000001', 'box damaged', 0, 0)`
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 100))
        yield* sql.execute(
          `INSERT INTO label_reservations (parcel_id, order_id, carrier, request, sscc_urn, reserved_at_ms)
           VALUES ('P-2', 'SO-2', 'dhl-paket', '{}', NULL, 0)`
        )
        return {
          applied,
          cancellations: yield* sql.query(
            "SELECT parcel_id, tracking_number, label_request FROM carrier_cancellations"
          ),
          reservations: yield* sql.query("SELECT parcel_id, order_id FROM label_reservations")
        }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([100])
    expect(result.cancellations).toEqual([{ parcel_id: "P-1", tracking_number: "JJD0000000001", label_request: null }])
    expect(result.reservations).toEqual([{ parcel_id: "P-2", order_id: "SO-2" }])
  })
})
