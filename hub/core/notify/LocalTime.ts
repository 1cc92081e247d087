/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl (ES2023), so core stays free of Node and of
 * date libraries. Enough for quiet hours and delivery dates; not a calendar library.
 */

export interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  /** 0 = Sunday … 6 = Saturday, as Date#getUTCDay. */
  readonly weekday: number
}

/** The fields of a local wall time Intl is asked for: a 24-hour clock to the second. */
export const WALL_TIME_PARTS = {
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit"
} as const satisfies Intl.DateTimeFormatOptions

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string) => {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-GB", { timeZone, ...WALL_TIME_PARTS })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/** Local wall time of `ms` by Intl: a few microseconds a call, so `localParts` asks it once per zone and quarter hour. */
const partsByIntl = (ms: number, timeZone: string): LocalParts => {
  const parts: Record<string, number> = {}
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value)
  }
  const year = parts.year ?? 1970
  const month = parts.month ?? 1
  const day = parts.day ?? 1
  return {
    year,
    month,
    day,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay()
  }
}

/** The zone's offset from UTC at `ms` (whole seconds), as Intl reports the wall time there. */
const offsetByIntl = (ms: number, timeZone: string): number => {
  const local = partsByIntl(ms, timeZone)
  const wallAsUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)
  return wallAsUtc - (ms - (((ms % 1_000) + 1_000) % 1_000))
}

/** Zone rules change offsets at whole quarter hours of UTC (every offset in use is a multiple of 15 minutes). */
const QUARTER_HOUR_MS = 15 * 60_000

/** Per zone and quarter hour: its offset, or `undefined` when the offset changes inside it. Bounded: cleared when full. */
const offsets = new Map<string, Map<number, number | undefined>>()
const QUARTERS_KEPT_PER_ZONE = 512

const quarterOffset = (quarter: number, timeZone: string): number | undefined => {
  let zone = offsets.get(timeZone)
  if (zone === undefined) {
    zone = new Map()
    offsets.set(timeZone, zone)
  }
  if (zone.has(quarter)) return zone.get(quarter)
  // The offset is taken as the quarter's only when it is the same at its first and its last millisecond; a quarter
  // with a change inside it (none under today's rules) is answered by Intl each time.
  const start = offsetByIntl(quarter * QUARTER_HOUR_MS, timeZone)
  const end = offsetByIntl((quarter + 1) * QUARTER_HOUR_MS - 1, timeZone)
  if (zone.size >= QUARTERS_KEPT_PER_ZONE) zone.clear()
  zone.set(quarter, start === end ? start : undefined)
  return start === end ? start : undefined
}

export const localParts = (ms: number, timeZone: string): LocalParts => {
  if (!Number.isFinite(ms)) return partsByIntl(ms, timeZone)
  const offsetMs = quarterOffset(Math.floor(ms / QUARTER_HOUR_MS), timeZone)
  if (offsetMs === undefined) return partsByIntl(ms, timeZone)
  const wall = new Date(ms + offsetMs)
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: wall.getUTCDay()
  }
}

/** The UTC instant of a local wall time. Two rounds settle the offset, DST changes included. */
export const localToUtcMs = (
  local: { readonly year: number; readonly month: number; readonly day: number; readonly hour: number },
  timeZone: string
): number => {
  const wanted = Date.UTC(local.year, local.month - 1, local.day, local.hour)
  let guess = wanted
  for (let round = 0; round < 2; round++) {
    const seen = localParts(guess, timeZone)
    const seenAsUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second)
    guess += wanted - seenAsUtc
  }
  return guess
}

/** `YYYY-MM-DD` of a local calendar day. */
export const isoDate = (local: { readonly year: number; readonly month: number; readonly day: number }): string =>
  `${local.year}-${String(local.month).padStart(2, "0")}-${String(local.day).padStart(2, "0")}`

/** The calendar day `days` after a local day (pure date arithmetic, no zone involved). */
export const addDays = (
  local: { readonly year: number; readonly month: number; readonly day: number },
  days: number
): { readonly year: number; readonly month: number; readonly day: number; readonly weekday: number } => {
  const date = new Date(Date.UTC(local.year, local.month - 1, local.day + days))
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    weekday: date.getUTCDay()
  }
}
