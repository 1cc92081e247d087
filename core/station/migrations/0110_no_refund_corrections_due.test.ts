import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { writeReturnsBeforeNoRefund } from "../../../fixtures/returnsBeforeNoRefund.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

const NOW_MS = 1_795_000_000_000

describe("migration 0110 (version 1 holds of units decided with no refund owed a correction)", () => {
  it("lists the version 1 hold-for-review at 0 of the unit 0108 made no-refund, not the refund nor the real hold", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m110-")), "station.db")
    const [, noRefund] = await writeReturnsBeforeNoRefund(filename, NOW_MS)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 109))
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 110))
        const due = yield* sql.query("SELECT corrected_event_id, item_ref FROM refund_corrections_due")
        return { applied, due }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(NOW_MS).layer)))
    )
    expect(result.applied).toEqual([110])
    expect(result.due).toEqual([{ corrected_event_id: noRefund!.id, item_ref: "R-2-01" }])
  })
})
