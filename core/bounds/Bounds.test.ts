import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Bounds, capRawScan, clockProblem, EmailAddress, Grams, Quantity, WallMs } from "./Bounds.ts"

const accepts = (schema: Schema.Decoder<unknown>, value: unknown) =>
  Schema.decodeUnknownResult(schema)(value)._tag === "Success"

describe("Bounds", () => {
  it("refuses non-finite and implausible numbers", () => {
    expect(accepts(WallMs, Date.UTC(2026, 5, 1))).toBe(true)
    expect(accepts(WallMs, Number.POSITIVE_INFINITY)).toBe(false)
    expect(accepts(WallMs, Number.NaN)).toBe(false)
    expect(accepts(WallMs, 0)).toBe(false)
    expect(accepts(Grams, 31_500)).toBe(true)
    expect(accepts(Grams, -1)).toBe(false)
    expect(accepts(Grams, 1e9)).toBe(false)
    expect(accepts(Quantity, 3)).toBe(true)
    expect(accepts(Quantity, 0)).toBe(false)
    expect(accepts(Quantity, 1_000_000_000)).toBe(false)
    expect(accepts(EmailAddress, "a@example.com")).toBe(true)
    expect(accepts(EmailAddress, "a@example.com\r\nBcc: spy@evil.example")).toBe(false)
  })

  it("flags a stated time more than a day from the receiver's clock", () => {
    const now = Date.UTC(2026, 5, 1, 12)
    expect(clockProblem(now + 23 * 3_600_000, now)).toBeUndefined()
    expect(clockProblem(now - 23 * 3_600_000, now)).toBeUndefined()
    expect(clockProblem(now + 25 * 3_600_000, now)).toBe("is 1500 min ahead of this clock")
    expect(clockProblem(now - 25 * 3_600_000, now)).toBe("is 1500 min behind this clock")
    expect(clockProblem(Number.POSITIVE_INFINITY, now)).toBe("is not a finite number")
  })

  it("keeps a refused scan's first 256 characters and its length", () => {
    const raw = "Z".repeat(1_048_576)
    expect(capRawScan(raw)).toEqual({ raw: "Z".repeat(Bounds.maxRawScanChars), rawLength: 1_048_576 })
    expect(capRawScan("0123")).toEqual({ raw: "0123", rawLength: 4 })
  })
})
