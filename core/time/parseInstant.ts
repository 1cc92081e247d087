/** Reads an ISO 8601 instant with its offset (`2026-12-04T00:00:00+01:00`, `…Z`) as epoch milliseconds, strictly. */

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/

/**
 * The instant `text` names, or undefined when it is not a complete ISO 8601 date-time with `Z` or a `±hh:mm` offset
 * (a time without an offset names no instant: it depends on where it is read), or names a day or hour that does not
 * exist (2026-02-30, 24:00), or lies outside years 1970-9999.
 */
export const parseInstant = (text: string): number | undefined => {
  if (text.length > 40) return undefined
  const match = INSTANT.exec(text)
  if (match === null) return undefined
  const [, year, month, day, hour, minute, second, , zone, offsetHours, offsetMinutes] = match
  const y = Number(year)
  const m = Number(month)
  const d = Number(day)
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) return undefined
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return undefined
  if (zone !== "Z" && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}
