import { describe, expect, it } from "vitest"
import { formatDate, formatDateTime, formatDateTimeShort, formatDayMonth, formatTime } from "./formatDate.ts"

/** 7 December 2026, 08:05:09 in Berlin (UTC+1). */
const morning = Date.UTC(2026, 11, 7, 7, 5, 9)
/** 7 December 2026, 14:30:00 in Berlin: the afternoon a 12-hour clock writes as "2:30 PM". */
const afternoon = Date.UTC(2026, 11, 7, 13, 30, 0)

describe("formatDate", () => {
  it("writes a German date with two-digit day and month, as de-DE does", () => {
    expect(formatDate("de", morning, "Europe/Berlin")).toBe("07.12.2026")
  })

  it("writes the English date with the month's name: 12/07 reads as 12 July to a European", () => {
    expect(formatDate("en", morning, "Europe/Berlin")).toBe("07 Dec 2026")
  })

  it("writes the day in the zone given, not in UTC", () => {
    expect(formatDate("de", Date.UTC(2026, 11, 6, 23, 30), "Europe/Berlin")).toBe("07.12.2026")
  })
})

describe("formatDateTime", () => {
  it("writes a German date and a 24-hour time with seconds", () => {
    expect(formatDateTime("de", morning, "Europe/Berlin")).toBe("07.12.2026, 08:05:09")
  })

  it("writes the English date and a 24-hour time: a warehouse runs on the 24-hour clock in both languages", () => {
    expect(formatDateTime("en", morning, "Europe/Berlin")).toBe("07 Dec 2026, 08:05:09")
    expect(formatDateTime("en", afternoon, "Europe/Berlin")).toBe("07 Dec 2026, 14:30:00")
  })
})

describe("formatTime", () => {
  it("writes the time of day on the 24-hour clock with seconds in both languages", () => {
    expect(formatTime("de", afternoon, "Europe/Berlin")).toBe("14:30:00")
    expect(formatTime("en", afternoon, "Europe/Berlin")).toBe("14:30:00")
    expect(formatTime("en", Date.UTC(2026, 11, 6, 23, 5, 0), "Europe/Berlin")).toBe("00:05:00")
  })
})

describe("formatDateTimeShort", () => {
  it("writes the date and the hour and minute on the 24-hour clock", () => {
    expect(formatDateTimeShort("de", afternoon, "Europe/Berlin")).toBe("07.12.26, 14:30")
    expect(formatDateTimeShort("en", afternoon, "Europe/Berlin")).toBe("07 Dec 2026, 14:30")
  })
})

describe("formatDayMonth", () => {
  it("writes a day without its year, the English one with the month's name", () => {
    expect(formatDayMonth("de", morning, "UTC")).toBe("7.12.")
    expect(formatDayMonth("en", morning, "UTC")).toBe("7 Dec")
  })
})
