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

describe("migration 0093 (events by event time)", () => {
  it("lets a station at 0091 select a device-time window through an index instead of reading the whole log", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m93-")), "station.db")
    const plan = (sql: Sql["Service"]) =>
      sql
        .query<{ detail: string }>(
          "EXPLAIN QUERY PLAN SELECT * FROM events WHERE event_wall_ms >= ? AND event_wall_ms < ? ORDER BY event_wall_ms, seq",
          [1, 2]
        )
        .pipe(Effect.map((rows) => rows.map((row) => row.detail).join("; ")))
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 92))
        const before = yield* plan(sql)
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 93))
        return { before, applied, after: yield* plan(sql) }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.before).toContain("SCAN events")
    expect(result.applied).toEqual([93])
    expect(result.after).toContain("USING INDEX events_by_event_time")
    expect(result.after).not.toContain("SCAN events")
  })
})
