import { describe, expect, it } from "vitest"
import { parseMetricsWindow } from "./parseMetricsWindow.ts"

const now = Date.UTC(2026, 10, 23, 12, 0)

describe("metrics window", () => {
  it("defaults to the 30 days up to now and reads epoch milliseconds and ISO dates", () => {
    expect(parseMetricsWindow(null, null, now)).toEqual({
      ok: true,
      window: { fromMs: now - 30 * 86_400_000, toMs: now }
    })
    expect(parseMetricsWindow("2026-11-01", "1795000000000", now)).toEqual({
      ok: true,
      window: { fromMs: Date.UTC(2026, 10, 1), toMs: 1_795_000_000_000 }
    })
    expect(parseMetricsWindow("2026-11-01T06:00:00+01:00", "", now)).toEqual({
      ok: true,
      window: { fromMs: Date.UTC(2026, 10, 1, 5), toMs: now }
    })
  })

  it("refuses what it cannot read, and an empty or reversed window, saying which bound", () => {
    expect(parseMetricsWindow("last week", null, now)).toEqual({
      ok: false,
      message:
        "from=last week: expected epoch milliseconds, a day (2026-11-01) or a time with its offset (2026-11-01T06:00:00+01:00)"
    })
    expect(parseMetricsWindow(null, "2026-13-45", now)).toEqual({
      ok: false,
      message:
        "to=2026-13-45: expected epoch milliseconds, a day (2026-11-01) or a time with its offset (2026-11-01T06:00:00+01:00)"
    })
    expect(parseMetricsWindow("2026-11-02", "2026-11-01", now)).toEqual({
      ok: false,
      message: "from must be before to"
    })
  })

  it("refuses days that do not exist, times without an offset and instants past year 9999, never guessing one", () => {
    const refused = (bound: string) => ({
      ok: false,
      message: `to=${bound}: expected epoch milliseconds, a day (2026-11-01) or a time with its offset (2026-11-01T06:00:00+01:00)`
    })
    // Date.parse reads February 30 as March 2 and a time without an offset in the hub's own time zone.
    for (const bound of ["2026-02-30", "2026-02-31T00:00:00Z", "2026-11-01T10:00", "2026-11-01 10:00", "1969-12-31"]) {
      expect(parseMetricsWindow(null, bound, now), bound).toEqual(refused(bound))
    }
    expect(parseMetricsWindow(null, "999999999999999", now)).toEqual(refused("999999999999999"))
    expect(parseMetricsWindow(null, "2024-02-29", now)).toEqual({
      ok: true,
      window: { fromMs: Date.UTC(2024, 1, 29) - 30 * 86_400_000, toMs: Date.UTC(2024, 1, 29) }
    })
    expect(parseMetricsWindow(null, "2026-11-01T10:00Z", now)).toEqual({
      ok: true,
      window: { fromMs: Date.UTC(2026, 10, 1, 10) - 30 * 86_400_000, toMs: Date.UTC(2026, 10, 1, 10) }
    })
  })
})
