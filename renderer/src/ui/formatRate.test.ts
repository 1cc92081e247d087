import { describe, expect, it } from "vitest"
import { formatRate } from "./formatRate.ts"

describe("formatRate", () => {
  it("writes a rate with one decimal in the bench's language: a comma in German", () => {
    expect(formatRate("de", 0.1)).toBe("0,1")
    expect(formatRate("de", 1234.56)).toBe("1.234,6")
    expect(formatRate("en", 1234.56)).toBe("1,234.6")
    expect(formatRate("de", 0)).toBe("0,0")
  })
})
