import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeStrict } from "../decode/DecodeProblem.ts"
import { DurationText, parseDuration } from "./DurationText.ts"

describe("duration texts", () => {
  it("reads every unit, with or without a space", () => {
    expect(parseDuration("72h")).toBe(72 * 3_600_000)
    expect(parseDuration("90m")).toBe(90 * 60_000)
    expect(parseDuration("30 s")).toBe(30_000)
    expect(parseDuration("2d")).toBe(2 * 86_400_000)
    expect(parseDuration("1.5h")).toBe(5_400_000)
    expect(parseDuration("500ms")).toBe(500)
  })

  it("refuses what is not a finite, positive amount with a unit", () => {
    for (const text of ["", "72", "h", "-1h", "1e3h", "Infinityh", "NaN m", "1,5h", "12345678h", "3 weeks"]) {
      expect(parseDuration(text), text).toBeUndefined()
    }
  })

  it("keeps a configured duration within its bounds and says which", async () => {
    const decode = (text: string) =>
      Effect.runPromise(
        Effect.result(
          decodeStrict(Schema.Struct({ delay: DurationText({ minMs: 60_000, maxMs: 86_400_000 }) }))({ delay: text })
        )
      )
    expect((await decode("2h"))._tag).toBe("Success")
    const tooLong = await decode("2d")
    expect(tooLong._tag === "Failure" && tooLong.failure).toEqual([
      { path: "delay", message: expect.stringContaining("from 1m to 1d") }
    ])
    const garbage = await decode("soon")
    expect(garbage._tag === "Failure" && garbage.failure[0]?.message).toContain('such as "72h"')
  })
})
