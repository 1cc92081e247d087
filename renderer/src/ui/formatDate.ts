/** Dates and times on the station's screens, written as each language writes them, on the 24-hour clock. */
import type { Locale } from "../../../core/api/StationApi.ts"

/**
 * The conventions each language is written in. English is British English: a warehouse in Europe reads "12/07/2026"
 * as 12 July, so its dates name the month ("07 Dec 2026"), and its times, like the German ones, use the 24-hour clock
 * (`hourCycle` below), never "2:30 PM".
 */
const conventions: Readonly<Record<Locale, { readonly tag: string; readonly month: "2-digit" | "short" }>> = {
  de: { tag: "de-DE", month: "2-digit" },
  en: { tag: "en-GB", month: "short" }
}

const format = (locale: Locale, ms: number, options: Intl.DateTimeFormatOptions): string =>
  new Intl.DateTimeFormat(conventions[locale].tag, { ...options, hourCycle: "h23" }).format(ms)

const day = (locale: Locale) =>
  ({ day: "2-digit", month: conventions[locale].month, year: "numeric" }) satisfies Intl.DateTimeFormatOptions

/**
 * A date with two-digit day ("07.12.2026" in German, where `toLocaleDateString` wrote "7.12.2026"; "07 Dec 2026" in
 * English), in `timeZone` or the browser's own, which is the station's.
 */
export const formatDate = (locale: Locale, ms: number, timeZone?: string): string =>
  format(locale, ms, { ...day(locale), timeZone })

/** A date as `formatDate` writes it with the time to the second ("07.12.2026, 14:05:09"). */
export const formatDateTime = (locale: Locale, ms: number, timeZone?: string): string =>
  format(locale, ms, { ...day(locale), hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone })

/** A date with the time to the minute, where a line has little room ("07.12.26, 14:05"; "07 Dec 2026, 14:05"). */
export const formatDateTimeShort = (locale: Locale, ms: number, timeZone?: string): string =>
  format(locale, ms, {
    ...day(locale),
    ...(locale === "de" ? { year: "2-digit" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    timeZone
  })

/** The time of day to the second ("14:05:09"), the same in both languages. */
export const formatTime = (locale: Locale, ms: number, timeZone?: string): string =>
  format(locale, ms, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone })

/** A day without its year, as a chart's axis writes it ("7.12." in German, "7 Dec" in English), in `timeZone`. */
export const formatDayMonth = (locale: Locale, ms: number, timeZone?: string): string =>
  format(locale, ms, { day: "numeric", month: locale === "de" ? "numeric" : "short", timeZone })
