import { describe, expect, it } from "vitest"
import { formatDate, formatDateTime } from "./formatDate.ts"

/** 7 December 2026, 08:05:09 in Berlin (UTC+1). */
const morning = Date.UTC(2026, 11, 7, 7, 5, 9)

describe("formatDate", () => {
  it("writes a German date with two-digit day and month, as de-DE does", () => {
    expect(formatDate("de", morning, "Europe/Berlin")).toBe("07.12.2026")
  })

  it("writes the English date with the same digits", () => {
    expect(formatDate("en", morning, "Europe/Berlin")).toBe("12/07/2026")
  })

  it("writes the day in the zone given, not in UTC", () => {
    expect(formatDate("de", Date.UTC(2026, 11, 6, 23, 30), "Europe/Berlin")).toBe("07.12.2026")
  })
})

describe("formatDateTime", () => {
  it("writes a German date and a 24-hour time with seconds", () => {
    expect(formatDateTime("de", morning, "Europe/Berlin")).toBe("07.12.2026, 08:05:09")
  })

  it("writes the English date and time", () => {
    expect(formatDateTime("en", morning, "Europe/Berlin")).toBe("12/07/2026, 08:05:09 AM")
  })
})
