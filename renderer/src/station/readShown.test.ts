import { describe, expect, it } from "vitest"
import { ApiCallError } from "../api/ApiCallError.ts"
import { makeTranslator } from "../i18n/Translator.ts"
import { describeReadFailure, readShown } from "./readShown.ts"

const isEmpty = (rows: ReadonlyArray<string>) => rows.length === 0
const storeDown = new ApiCallError("sync.quarantine", "store-unavailable", "The station database refused the operation")

describe("what a card shows for its read", () => {
  it("says loading before the first answer, not none", () => {
    expect(readShown({ data: undefined, error: undefined }, isEmpty)).toEqual({ kind: "loading" })
  })

  it("says none only for an answer that is empty", () => {
    expect(readShown({ data: [], error: undefined }, isEmpty)).toEqual({ kind: "none" })
    expect(readShown({ data: ["a"], error: undefined }, isEmpty)).toEqual({ kind: "data", data: ["a"] })
  })

  it("shows a failed first read as failed, never as none or loading", () => {
    expect(readShown({ data: undefined, error: storeDown }, isEmpty)).toEqual({
      kind: "failed",
      error: storeDown,
      last: undefined
    })
  })

  it("keeps the last good rows under a failed reload, and no none for a last read that was empty", () => {
    expect(readShown({ data: ["a"], error: storeDown }, isEmpty)).toEqual({
      kind: "failed",
      error: storeDown,
      last: ["a"]
    })
    expect(readShown({ data: [], error: storeDown }, isEmpty)).toEqual({
      kind: "failed",
      error: storeDown,
      last: undefined
    })
  })
})

describe("the line of a failed read", () => {
  it("is the translated reason, in German and English", () => {
    expect(describeReadFailure(makeTranslator("de"), storeDown, false)).toBe(
      "Die Datenbank der Station ist nicht erreichbar."
    )
    expect(describeReadFailure(makeTranslator("en"), new Error("socket closed"), false)).toBe("Station not reachable.")
  })

  it("says the rows below are the last ones read when it keeps them", () => {
    expect(describeReadFailure(makeTranslator("en"), storeDown, true)).toBe(
      "The station database is not reachable. Shown is what was read last."
    )
    expect(describeReadFailure(makeTranslator("de"), storeDown, true)).toBe(
      "Die Datenbank der Station ist nicht erreichbar. Angezeigt ist der zuletzt gelesene Stand."
    )
  })
})
