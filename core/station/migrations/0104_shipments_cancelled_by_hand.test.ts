import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

describe("migration 0104 (shipments cancelled by hand)", () => {
  it("keeps a by-hand cancellation waiting at 0103, and adds a record that takes one close per parcel and refuses edits", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m104-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 103))
        yield* sql.execute(
          `INSERT INTO carrier_cancellations (parcel_id, order_id, carrier, tracking_number, reason, next_attempt_at_ms,
             created_at_ms, by_hand) VALUES ('P-1', 'SO-1', 'dhl-paket', 'JJD0000000001', 'box damaged', 0, 0, 'why')`
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 104))
        const close = (parcelId: string) =>
          Effect.exit(
            sql.execute(
              `INSERT INTO shipments_cancelled_by_hand (parcel_id, order_id, carrier, tracking_number, reference, badge_id,
                 closed_at_ms) VALUES (?, 'SO-1', 'dhl-paket', 'JJD0000000001', 'Storno 4711', 'B-9001', 1)`,
              [parcelId]
            )
          )
        const first = yield* close("P-1")
        const twice = yield* close("P-1")
        const update = yield* Effect.exit(sql.execute("UPDATE shipments_cancelled_by_hand SET reference = 'x'"))
        const remove = yield* Effect.exit(sql.execute("DELETE FROM shipments_cancelled_by_hand"))
        return {
          applied,
          first,
          twice,
          update,
          remove,
          waiting: yield* sql.query("SELECT parcel_id, by_hand FROM carrier_cancellations"),
          closed: yield* sql.query("SELECT parcel_id, reference FROM shipments_cancelled_by_hand")
        }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([104])
    expect(result.waiting).toEqual([{ parcel_id: "P-1", by_hand: "why" }])
    expect(Exit.isSuccess(result.first)).toBe(true)
    expect(Exit.isFailure(result.twice)).toBe(true)
    expect(String(Exit.isFailure(result.update) && result.update.cause)).toMatch(/append-only/)
    expect(String(Exit.isFailure(result.remove) && result.remove.cause)).toMatch(/append-only/)
    expect(result.closed).toEqual([{ parcel_id: "P-1", reference: "Storno 4711" }])
  })
})
