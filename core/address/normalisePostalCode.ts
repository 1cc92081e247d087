/** Brings a typed postal code into its country's written form (case, spaces, hyphens). */
import type { CountryRule } from "./CountryRule.ts"
import { compiledPattern } from "./compiledPattern.ts"

const separators = /[\s-]/g

/** Lays `compact` out with the spaces/hyphens of `example`, counted from the end ("SW1A1AA" + "EC1Y 8SY"). */
const shapedLike = (compact: string, example: string): string => {
  let shaped = ""
  let taken = compact.length
  for (let index = example.length - 1; index >= 0 && taken > 0; index--) {
    const character = example[index]!
    if (character === " " || character === "-") shaped = character + shaped
    else shaped = compact[--taken]! + shaped
  }
  return compact.slice(0, taken) + shaped
}

const withoutPrefix = (code: string, prefix: string | undefined): string => {
  const trimmed = prefix?.trim()
  if (trimmed === undefined || trimmed === "" || !code.startsWith(trimmed)) return code
  return code.slice(trimmed.length).replace(/^[\s-]+/, "")
}

/**
 * The postal code in the country's canonical spelling, or undefined when it does not fit the country's format.
 * Case, spacing and a typed-along postal prefix ("CH-8001") are forgiven; the layout of the country's examples
 * is preferred, so "sw1a1aa" becomes "SW1A 1AA" and "1234ab" becomes "1234 AB".
 */
export const normalisePostalCode = (rule: CountryRule, raw: string): string | undefined => {
  const cleaned = raw.normalize("NFKC").trim().toUpperCase().replace(/\s+/g, " ")
  if (rule.postalCodePattern === undefined) return cleaned === "" ? undefined : cleaned
  const pattern = compiledPattern(rule.postalCodePattern, "whole")
  const unprefixed = withoutPrefix(withoutPrefix(cleaned, rule.postalCodePrefix), `${rule.code}-`)
  const compact = unprefixed.replace(separators, "")
  const candidates = [
    ...rule.postalCodeExamples.map((example) => shapedLike(compact, example)),
    cleaned,
    unprefixed,
    compact
  ]
  return candidates.find((candidate) => pattern.test(candidate))
}
