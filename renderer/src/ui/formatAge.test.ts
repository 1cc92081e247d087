import { describe, expect, it } from "vitest"
import { formatAge } from "./formatAge.ts"

describe("formatAge", () => {
  it("uses the largest sensible units", () => {
    expect(formatAge(0)).toBe("0 s")
    expect(formatAge(45_900)).toBe("45 s")
    expect(formatAge(180_000)).toBe("3 min")
    expect(formatAge(200_000)).toBe("3 min 20 s")
    expect(formatAge(7_500_000)).toBe("2 h 5 min")
    expect(formatAge(7_200_000)).toBe("2 h")
  })

  it("never shows a negative age from clock skew", () => {
    expect(formatAge(-5000)).toBe("0 s")
  })
})
