/** A rate (events a second) on the station's screens, with one decimal written as the bench's language writes it. */
import type { Locale } from "../../../core/api/StationApi.ts"

/** "0,1" in German, where `toFixed(1)` wrote "0.1" on a German screen. */
export const formatRate = (locale: Locale, perSec: number): string =>
  new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(perSec)
