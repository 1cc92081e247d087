import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { planRange, takeNumber } from "../../core/numbering/NumberRanges.ts"
import { makeMemoryReservations, NumberReservations } from "../../core/numbering/NumberReservations.ts"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { migrate } from "../../core/store/Migrations.ts"
import { Sql } from "../../core/store/Sql.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { checkNumberRanges } from "./Doctor.ts"
import { loadConfig } from "./loadConfig.ts"

describe("packbench doctor on number ranges", () => {
  it("says how much of each block is left, warns when it runs low and fails when it is used up", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-doctor-numbers-"))
    const config = loadConfig({
      cwd: dataDir,
      env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_STATION_INDEX: "1", PACKBENCH_STATIONS: "4" }
    })
    const layer = Layer.mergeAll(
      layerSqlite({ filename: join(dataDir, "station.db") }),
      StationClock.manual(0).layer,
      Layer.succeed(NumberReservations, makeMemoryReservations())
    )
    const take = (name: string, count: number) =>
      Effect.gen(function* () {
        const sql = yield* Sql
        for (let i = 0; i < count; i++) yield* sql.transaction(takeNumber(name, name))
      })
    const stages = await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(stationMigrations)
        const slot = { index: 1, of: 4 }
        yield* planRange("tracking:ups", { start: 0, end: 400 }, slot)
        yield* planRange("sscc", { start: 1, end: 1_000_000_001 }, slot)
        yield* take("tracking:ups", 85)
        const plenty = checkNumberRanges(config)
        yield* take("tracking:ups", 6)
        const low = checkNumberRanges(config)
        yield* take("tracking:ups", 9)
        return { plenty, low, usedUp: checkNumberRanges(config) }
      }).pipe(Effect.provide(layer))
    )
    const ups = (checks: ReadonlyArray<{ name: string }>) =>
      checks.find((check) => check.name === "numbers tracking:ups")
    expect(stages.plenty.map((check) => [check.name, check.ok, check.warning ?? false])).toEqual([
      ["numbers sscc", true, false],
      ["numbers tracking:ups", true, false]
    ])
    expect(ups(stages.plenty)).toMatchObject({ detail: "15 of 100 left (block 100-199, slot 1 of 4)" })
    expect(ups(stages.low)).toMatchObject({
      ok: true,
      warning: true,
      detail: "running low: 9 of 100 left (block 100-199, slot 1 of 4); ask the office for a new range"
    })
    expect(ups(stages.usedUp)).toMatchObject({ ok: false, detail: expect.stringMatching(/^used up: 0 of 100 left/) })
  })
})
