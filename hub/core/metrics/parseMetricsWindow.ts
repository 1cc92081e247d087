/** Reads the `from`/`to` window of a metrics request, 30 days up to now by default. */
import type { MetricsWindow } from "../../../core/metrics/CustomerMetrics.ts"

export const defaultWindowDays = 30
const dayMs = 86_400_000

/** A bound as epoch milliseconds or an ISO date ("2026-11-01", or with a time); a date alone is that UTC midnight. */
const parseBound = (text: string): number | undefined => {
  if (/^\d{1,15}$/.test(text)) return Number(text)
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)
  return Number.isNaN(ms) ? undefined : ms
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
  if (toMs === undefined) return { ok: false, message: `to=${to}: expected epoch milliseconds or an ISO date` }
  const fromMs = from === null || from === "" ? toMs - defaultWindowDays * dayMs : parseBound(from)
  if (fromMs === undefined) return { ok: false, message: `from=${from}: expected epoch milliseconds or an ISO date` }
  if (fromMs >= toMs) return { ok: false, message: "from must be before to" }
  return { ok: true, window: { fromMs, toMs } }
}
