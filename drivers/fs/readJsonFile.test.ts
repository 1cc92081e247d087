import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { makeFileHighWaterMark } from "../mqtt/FileHighWaterMark.ts"
import { makeFileNumberReservations } from "../numbering/FileNumberReservations.ts"
import { readJsonFile } from "./readJsonFile.ts"

const Mark = Schema.Struct({ seq: Schema.Int })
const dir = () => mkdtempSync(join(tmpdir(), "pb-json-"))
const read = (path: string) =>
  Effect.runPromise(Effect.result(readJsonFile(path, Mark, (detail) => `mark ${path} unreadable: ${detail}`)))

describe("readJsonFile", () => {
  it("reads a missing file as undefined and a good one decoded", async () => {
    const path = join(dir(), "mark.json")
    expect(await read(path)).toMatchObject({ _tag: "Success", success: undefined })
    writeFileSync(path, JSON.stringify({ seq: 41 }))
    expect(await read(path)).toMatchObject({ _tag: "Success", success: { seq: 41 } })
  })

  it("fails as Corrupt, with the caller's advice, for broken JSON and for JSON of the wrong shape", async () => {
    const path = join(dir(), "mark.json")
    writeFileSync(path, '{"seq": 4')
    expect(await read(path)).toMatchObject({
      _tag: "Failure",
      failure: { reason: "Corrupt", message: expect.stringMatching(/^mark .*mark\.json unreadable: /) }
    })
    writeFileSync(path, JSON.stringify({ seq: 1.5 }))
    expect(await read(path)).toMatchObject({ _tag: "Failure", failure: { reason: "Corrupt" } })
  })

  it("fails with the I/O error, not as Corrupt, for a path it cannot read", async () => {
    const result = await read(dir())
    expect(result).toMatchObject({ _tag: "Failure" })
    expect(result._tag === "Failure" && result.failure.reason).not.toBe("Corrupt")
  })

  it("serves the station's high-water mark and number reservations files", async () => {
    const base = dir()
    const mark = makeFileHighWaterMark(join(base, "sync-highwater.json"))
    expect(await Effect.runPromise(mark.read)).toBeUndefined()
    await Effect.runPromise(mark.write({ epoch: "e1", seq: 7 }))
    expect(await Effect.runPromise(mark.read)).toEqual({ epoch: "e1", seq: 7 })
    writeFileSync(join(base, "sync-highwater.json"), "[]")
    expect(await Effect.runPromise(Effect.result(mark.read))).toMatchObject({
      failure: { reason: "Corrupt", message: expect.stringContaining("move it away to start over") }
    })

    const numbers = makeFileNumberReservations(join(base, "number-reservations.json"))
    expect(await Effect.runPromise(numbers.read)).toEqual({})
    await Effect.runPromise(numbers.reserve("sscc", 2000))
    expect(await Effect.runPromise(makeFileNumberReservations(join(base, "number-reservations.json")).read)).toEqual({
      sscc: 2000
    })
  })
})
