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

describe("migration 0094 (held messages by id)", () => {
  it("lets a station at 0093 look a held message up by its id through an index", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m94-")), "station.db")
    const plan = (sql: Sql["Service"]) =>
      sql
        .query<{ detail: string }>("EXPLAIN QUERY PLAN SELECT stream, seq FROM sync_inbox_held WHERE msg_id = ?", [
          "m1"
        ])
        .pipe(Effect.map((rows) => rows.map((row) => row.detail).join("; ")))
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 93))
        const columns = yield* sql.query<{ name: string }>("SELECT name FROM pragma_table_info('sync_inbox_held')")
        const before = yield* plan(sql)
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 94))
        return { columns: columns.map((column) => column.name), before, applied, after: yield* plan(sql) }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.columns).toContain("msg_id")
    expect(result.before).toContain("SCAN sync_inbox_held")
    expect(result.applied).toEqual([94])
    expect(result.after).toContain("USING INDEX sync_inbox_held_by_msg_id")
  })
})
