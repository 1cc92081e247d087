/** Dates and times on the station's screens, written as each language writes them. */
import type { Locale } from "../../../core/api/StationApi.ts"

/**
 * A date with two-digit day and month ("07.12.2026" in German, where `toLocaleDateString` wrote "7.12.2026"), in
 * `timeZone` or the browser's own, which is the station's.
 */
export const formatDate = (locale: Locale, ms: number, timeZone?: string): string =>
  new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric", timeZone }).format(ms)

/** A date as `formatDate` writes it with the time to the second ("07.12.2026, 08:05:09"). */
export const formatDateTime = (locale: Locale, ms: number, timeZone?: string): string =>
  new Intl.DateTimeFormat(locale, {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone
  }).format(ms)
