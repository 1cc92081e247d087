import { describe, expect, it } from "vitest"
import { parseInstant } from "./parseInstant.ts"

describe("parseInstant", () => {
  it("reads an instant with Z or an offset, to the millisecond", () => {
    expect(parseInstant("2026-12-04T00:00:00+01:00")).toBe(Date.UTC(2026, 11, 3, 23))
    expect(parseInstant("2026-12-04T00:00:00Z")).toBe(Date.UTC(2026, 11, 4))
    expect(parseInstant("2026-12-04T10:15-05:30")).toBe(Date.UTC(2026, 11, 4, 15, 45))
    expect(parseInstant("2026-07-01T12:00:00.250Z")).toBe(Date.UTC(2026, 6, 1, 12, 0, 0, 250))
  })

  it("refuses a time without an offset, a date alone, impossible days and hours, and anything else", () => {
    for (const text of [
      "2026-12-04T00:00:00",
      "2026-12-04",
      "2026-02-30T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-12-04T24:00:00Z",
      "2026-12-04T00:00:00+25:00",
      "1969-12-31T23:59:59Z",
      "1764806400000",
      "yesterday",
      "",
      `2026-12-04T00:00:00Z${" ".repeat(50)}`
    ]) {
      expect(parseInstant(text), text).toBeUndefined()
    }
  })
})
