import { describe, expect, it } from "vitest"
import { removeBurst } from "./removeBurst.ts"

describe("removeBurst", () => {
  it("cuts the burst that ends at the caret, keeping what the person typed around it", () => {
    expect(removeBurst("ab4260123450014cd", "4260123450014", 15)).toEqual({ value: "abcd", caret: 2 })
    expect(removeBurst("4260123450014", "4260123450014", null)).toEqual({ value: "", caret: 0 })
  })

  it("falls back to the last occurrence when the caret is elsewhere", () => {
    expect(removeBurst("1234 x 1234", "1234", 0)).toEqual({ value: "1234 x ", caret: 7 })
  })

  it("leaves a field alone that does not hold the burst", () => {
    expect(removeBurst("hello", "4260123450014", 5)).toBeUndefined()
    expect(removeBurst("hello", "", 5)).toBeUndefined()
  })
})
