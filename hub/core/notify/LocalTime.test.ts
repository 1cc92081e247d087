import { describe, expect, it } from "vitest"
import { localParts, localToUtcMs, WALL_TIME_PARTS } from "./LocalTime.ts"

/** The wall time Intl gives for `ms` in `timeZone`, asked afresh: what `localParts` must always agree with. */
const byIntl = (ms: number, timeZone: string) => {
  const parts: Record<string, number> = {}
  const format = new Intl.DateTimeFormat("en-GB", { timeZone, ...WALL_TIME_PARTS })
  for (const part of format.formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value)
  }
  return parts
}

const zones = [
  "Europe/Berlin",
  "Europe/London",
  "America/New_York",
  "America/St_Johns",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "UTC"
]

describe("localParts", () => {
  it("agrees with Intl to the second around every DST change of 2026 and 2027 and at random instants", () => {
    const instants: Array<number> = []
    // Each hour of the days around Europe's, North America's and the southern hemisphere's changes, minute by minute
    // across the changing hours, plus a fixed-seed spread over the years 1900 to 2100.
    for (const day of [
      "2026-03-08",
      "2026-03-29",
      "2026-04-05",
      "2026-10-04",
      "2026-10-25",
      "2026-11-01",
      "2027-03-28"
    ]) {
      const midnight = Date.parse(`${day}T00:00:00Z`)
      for (let minute = -24 * 60; minute <= 24 * 60; minute += 7) instants.push(midnight + minute * 60_000 + 1_234)
    }
    let seed = 42
    for (let i = 0; i < 2_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      instants.push(Date.UTC(1900, 0, 1) + Math.floor((seed / 2_147_483_648) * 200 * 365.25 * 86_400_000))
    }
    for (const timeZone of zones) {
      for (const ms of instants) {
        const got = localParts(ms, timeZone)
        const want = byIntl(ms, timeZone)
        expect({ ms, timeZone, ...got, weekday: undefined }).toEqual({
          ms,
          timeZone,
          year: want.year,
          month: want.month,
          day: want.day,
          hour: want.hour,
          minute: want.minute,
          second: want.second,
          weekday: undefined
        })
        expect(got.weekday).toBe(new Date(Date.UTC(got.year, got.month - 1, got.day)).getUTCDay())
      }
    }
  })

  it("finds the instant of a local hour on both sides of Berlin's spring and autumn changes", () => {
    expect(new Date(localToUtcMs({ year: 2026, month: 3, day: 29, hour: 1 }, "Europe/Berlin")).toISOString()).toBe(
      "2026-03-29T00:00:00.000Z"
    )
    expect(new Date(localToUtcMs({ year: 2026, month: 3, day: 29, hour: 4 }, "Europe/Berlin")).toISOString()).toBe(
      "2026-03-29T02:00:00.000Z"
    )
    expect(new Date(localToUtcMs({ year: 2026, month: 10, day: 25, hour: 4 }, "Europe/Berlin")).toISOString()).toBe(
      "2026-10-25T03:00:00.000Z"
    )
  })
})
