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
      message: "from=last week: expected epoch milliseconds or an ISO date"
    })
    expect(parseMetricsWindow(null, "2026-13-45", now)).toEqual({
      ok: false,
      message: "to=2026-13-45: expected epoch milliseconds or an ISO date"
    })
    expect(parseMetricsWindow("2026-11-02", "2026-11-01", now)).toEqual({
      ok: false,
      message: "from must be before to"
    })
  })
})
