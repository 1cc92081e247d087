import { describe, expect, it } from "vitest"
import { formatSiteTime, isTimeZone } from "./SiteTime.ts"

describe("site time", () => {
  it("prints the local time of the site's zone with its offset, on both sides of a DST change", () => {
    expect(formatSiteTime(Date.UTC(2026, 0, 15, 23, 30), "Europe/Berlin")).toBe("2026-01-16 00:30 UTC+1")
    expect(formatSiteTime(Date.UTC(2026, 6, 1, 12, 30), "Europe/Berlin")).toBe("2026-07-01 14:30 UTC+2")
    expect(formatSiteTime(Date.UTC(2026, 2, 29, 1, 0), "Europe/Berlin")).toBe("2026-03-29 03:00 UTC+2")
    expect(formatSiteTime(Date.UTC(2026, 6, 1, 12, 30), "UTC")).toBe("2026-07-01 12:30 UTC")
    expect(formatSiteTime(Date.UTC(2026, 6, 1, 12, 30), "America/New_York")).toBe("2026-07-01 08:30 UTC-4")
  })

  it("knows IANA names and refuses anything else", () => {
    expect(["Europe/Berlin", "Europe/Zurich", "UTC", "America/Argentina/Buenos_Aires"].map(isTimeZone)).toEqual([
      true,
      true,
      true,
      true
    ])
    expect(["", "Berlin", "Europe/Hamburg", "CET; rm -rf /", "x".repeat(65)].map(isTimeZone)).toEqual([
      false,
      false,
      false,
      false,
      false
    ])
  })
})
