/** Parsing and validating durations written as text ("72h") in config files and environment variables. */
import { Schema } from "effect"

/** A duration as a person writes it in a config file or an environment variable: "72h", "90m", "30s", "2d". */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PATTERN = /^(\d{1,7}(?:\.\d{1,3})?)\s?(ms|s|m|h|d)$/

/** Milliseconds of a duration text, or undefined when it is not one. */
export const parseDuration = (text: string): number | undefined => {
  const match = PATTERN.exec(text.trim())
  if (match === null) return undefined
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS])
}

const describe = (ms: number): string => {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
  }
  return `${ms}ms`
}

/** A duration text within [minMs, maxMs], refused with the accepted form and range otherwise. */
export const DurationText = (bounds: { readonly minMs: number; readonly maxMs: number }) =>
  Schema.String.check(
    Schema.makeFilter((text) => {
      const ms = parseDuration(text)
      if (ms === undefined) return `expected a duration such as "72h", "90m" or "30s" (units ms, s, m, h, d)`
      if (ms < bounds.minMs || ms > bounds.maxMs) {
        return `expected a duration from ${describe(bounds.minMs)} to ${describe(bounds.maxMs)}`
      }
      return undefined
    })
  )
