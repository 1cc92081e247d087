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

describe("migration 0003 (sync trust)", () => {
  it("comes to a database that has every later migration, keeping its quarantine, and keeps one conflict per id", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m3-")), "station.db")
    const layer = Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        // 0094 indexes the column 0003 adds, so it comes after it whatever the order of the rest.
        yield* migrate(stationMigrations.filter((migration) => migration.id !== 3 && migration.id !== 94))
        yield* sql.execute(
          "INSERT INTO sync_inbox_quarantine (topic, payload, reason, received_at_ms) VALUES ('t', 'old', 'r', 0)"
        )
        const applied = yield* migrate(stationMigrations)
        const quarantine = yield* sql.query("SELECT payload, payload_sha256, payload_bytes FROM sync_inbox_quarantine")
        const conflict = (id: string) =>
          sql.execute(
            `INSERT INTO sync_conflicts (source, kind, epoch, seq, refused_id, topic, reason, first_seen_ms, last_seen_ms, seen)
             VALUES ('inbox:station', 'conflict', '', 6, ?, 't', 'r', 0, 0, 1)`,
            [id]
          )
        yield* conflict("m-6b")
        const again = yield* Effect.exit(conflict("m-6b"))
        yield* conflict("m-6c")
        return { applied, quarantine, again: again._tag }
      }).pipe(Effect.provide(layer))
    )
    expect(result.applied).toEqual([3, 94])
    expect(result.quarantine).toEqual([{ payload: "old", payload_sha256: null, payload_bytes: null }])
    expect(result.again).toBe("Failure")
  })
})
