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

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (timeZone: string) => {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    })
    formatters.set(timeZone, formatter)
  }
  return formatter
}

export const localParts = (ms: number, timeZone: string): LocalParts => {
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
