import { describe, expect, it } from "vitest"
import { RefusalCode } from "../../../core/api/StationApi.ts"
import { de } from "./de.ts"
import { describeRefusal, parseRefusal } from "./describeRefusal.ts"
import { makeTranslator } from "./Translator.ts"

describe("describeRefusal", () => {
  it("has a translation for every refusal code the bench documents", () => {
    const missing = RefusalCode.literals.filter((code) => !Object.hasOwn(de, `refusal.${code}`))
    expect(missing).toEqual([])
  })

  it("translates a known code and falls back to the station's reason for a new one", () => {
    const t = makeTranslator("en")
    expect(describeRefusal(t, { code: "wrong-item", reason: "x" })).toBe("Wrong item – not part of this order")
    expect(describeRefusal(t, { code: "from-the-future", reason: "Station says no" })).toBe("Station says no")
  })

  it("reads the code and reason out of a routed scan's message", () => {
    expect(parseRefusal("surplus: Order SO-1 needs only 2: this one is extra")).toEqual({
      code: "surplus",
      reason: "Order SO-1 needs only 2: this one is extra"
    })
    expect(parseRefusal("pack:order-open")).toBeUndefined()
  })
})
