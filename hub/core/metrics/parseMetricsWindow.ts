/** Reads the `from`/`to` window of a metrics request, 30 days up to now by default. */
import type { MetricsWindow } from "../../../core/metrics/CustomerMetrics.ts"
import { parseInstant } from "../../../core/time/parseInstant.ts"

export const defaultWindowDays = 30
const dayMs = 86_400_000
/** The last millisecond of 9999, the last a day of the CSV's file name and columns can be written for. */
const latestMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const expected = "expected epoch milliseconds, a day (2026-11-01) or a time with its offset (2026-11-01T06:00:00+01:00)"

/**
 * A bound as epoch milliseconds, a day ("2026-11-01", its UTC midnight) or an instant with its offset. Read strictly:
 * `Date.parse` would take February 30 for March 2, and a time without an offset in the hub's own time zone.
 */
const parseBound = (text: string): number | undefined => {
  if (/^\d{1,15}$/.test(text)) {
    const ms = Number(text)
    return ms <= latestMs ? ms : undefined
  }
  return parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
}

/**
 * The window of a metrics request (`?from=&to=`): either bound may be left out; the default is the
 * `defaultWindowDays` up to now. Bad input is answered with what was wrong, never with a guessed window.
 */
export const parseMetricsWindow = (
  from: string | null,
  to: string | null,
  nowMs: number
): { readonly ok: true; readonly window: MetricsWindow } | { readonly ok: false; readonly message: string } => {
  const toMs = to === null || to === "" ? nowMs : parseBound(to)
  if (toMs === undefined) return { ok: false, message: `to=${to}: ${expected}` }
  const fromMs = from === null || from === "" ? toMs - defaultWindowDays * dayMs : parseBound(from)
  if (fromMs === undefined) return { ok: false, message: `from=${from}: ${expected}` }
  if (fromMs >= toMs) return { ok: false, message: "from must be before to" }
  return { ok: true, window: { fromMs, toMs } }
}
