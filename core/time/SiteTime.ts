/** The site's time zone and how times are shown in it. */
import { Schema } from "effect"

/** Where the site is when no time zone is configured: the sample shop's warehouse in Hamburg. */
export const DEFAULT_SITE_TIME_ZONE = "Europe/Berlin"

/** An IANA time zone name the runtime's time zone database knows ("Europe/Berlin"); "UTC" counts too. */
export const isTimeZone = (name: string): boolean => {
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false
  try {
    new Intl.DateTimeFormat("en", { timeZone: name })
    return true
  } catch {
    return false
  }
}

export const TimeZoneName = Schema.String.check(
  Schema.makeFilter((name) =>
    isTimeZone(name) ? undefined : `expected an IANA time zone name such as "Europe/Berlin" or "Europe/Vienna"`
  )
)

/**
 * A wall-clock time as people at the site read it: `YYYY-MM-DD HH:mm` in the site's zone and the zone's offset,
 * e.g. "2026-07-01 14:30 UTC+2", so a paper that travels (a manifest the driver signs) is never ambiguous.
 */
export const formatSiteTime = (wallMs: number, timeZone: string): string => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "shortOffset"
    })
      .formatToParts(new Date(wallMs))
      .map((part) => [part.type, part.value])
  )
  const offset = String(parts.timeZoneName)
    .replace("GMT", "UTC")
    .replace(/^UTC[+-]0$/, "UTC")
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${offset}`
}
