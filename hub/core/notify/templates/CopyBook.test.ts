/** The copy helpers' date formatting: the dates it keeps formatted read exactly as ICU writes them. */
import { describe, expect, it } from "vitest"
import { formatLocalDate } from "./CopyBook.ts"

const isoDay = (offset: number) => new Date(Date.UTC(2026, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10)

describe("formatLocalDate", () => {
  it("writes each day as the language does, the first time and again, past the number of dates it keeps", () => {
    const german = formatLocalDate("de-DE")
    const english = formatLocalDate("en-GB")
    expect(german("2026-12-07")).toBe("Montag, 7. Dezember 2026")
    expect(english("2026-12-07")).toBe("Monday, 7 December 2026")
    const icu = new Intl.DateTimeFormat("de-DE", {
      timeZone: "UTC",
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric"
    })
    // Two passes over 700 days: more than it keeps, so the second pass reads kept dates and formats cleared ones.
    for (let pass = 0; pass < 2; pass++) {
      for (let offset = 0; offset < 700; offset++) {
        const day = isoDay(offset)
        expect(german(day)).toBe(icu.format(new Date(`${day}T00:00:00Z`)))
      }
    }
    expect(german("2026-12-07")).toBe("Montag, 7. Dezember 2026")
    expect(english("2026-12-07")).toBe("Monday, 7 December 2026")
  })
})
