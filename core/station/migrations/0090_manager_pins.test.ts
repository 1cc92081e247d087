import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { fixture } from "../../../fixtures/SeededStation.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { backfillPinHashes } from "../ReferenceData.ts"
import { stationMigrations } from "./index.ts"

const SAMPLE = "fixtures/data (sample data)"

const stationAt71 = (seededFrom: string) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    yield* migrate(stationMigrations.filter((migration) => migration.id <= 71))
    yield* sql.execute("INSERT INTO badges (badge_id, name, role) VALUES ('B-9001', 'Katrin Vogel', 'manager')")
    yield* sql.execute("INSERT INTO badges (badge_id, name, role) VALUES ('B-1001', 'Jonas Becker', 'packer')")
    yield* sql.execute("INSERT INTO station_meta (key, value) VALUES ('seeded', ?)", [seededFrom])
  })

const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock>) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(
        Layer.merge(
          layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-m90-")), "station.db") }),
          StationClock.manual(0).layer
        )
      )
    )
  )

describe("migration 0090 (manager PINs)", () => {
  it("gives an old station's badges a PIN column and a wrong-PIN count; the sample manager gets the demo PIN's hash", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* stationAt71(SAMPLE)
        const applied = yield* migrate(stationMigrations)
        const before = yield* sql.query("SELECT badge_id, pin_hash FROM badges ORDER BY badge_id")
        const filled = yield* backfillPinHashes(SAMPLE, fixture("badges.json"))
        const again = yield* backfillPinHashes(SAMPLE, fixture("badges.json"))
        const after = yield* sql.query<{ badge_id: string; pin_hash: string | null }>(
          "SELECT badge_id, pin_hash FROM badges ORDER BY badge_id"
        )
        yield* sql.execute("INSERT INTO pin_attempts (badge_id, failures, locked_until_ms) VALUES ('B-9001', 1, 0)")
        return { applied, before, filled, again, after }
      })
    )
    expect(result.applied).toContain(90)
    expect(result.before).toEqual([
      { badge_id: "B-1001", pin_hash: null },
      { badge_id: "B-9001", pin_hash: null }
    ])
    expect(result.filled).toBe(true)
    expect(result.again).toBe(false)
    expect(result.after[0]).toEqual({ badge_id: "B-1001", pin_hash: null })
    expect(result.after[1]?.pin_hash).toMatch(/^scrypt\$/)
  })

  it("leaves a station seeded from another badge list alone", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* stationAt71("the site's own export")
        yield* migrate(stationMigrations)
        const filled = yield* backfillPinHashes(SAMPLE, fixture("badges.json"))
        return { filled, hashes: yield* sql.query("SELECT pin_hash FROM badges WHERE pin_hash IS NOT NULL") }
      })
    )
    expect(result).toEqual({ filled: false, hashes: [] })
  })
})
