import { describe, expect, it } from "vitest"
import type { CountryRule } from "./CountryRule.ts"
import { countryRules } from "./countryRules.generated.ts"
import { normalisePostalCode } from "./normalisePostalCode.ts"

const rule = (code: string): CountryRule => {
  const found = countryRules[code]
  if (found === undefined) throw new Error(`no rule for ${code}`)
  return found
}

describe("normalisePostalCode", () => {
  it.each([
    ["GB", "sw1a1aa", "SW1A 1AA"],
    ["GB", "  ec1y   8sy ", "EC1Y 8SY"],
    ["DE", " 01067 ", "01067"],
    ["NL", "1234ab", "1234 AB"],
    ["CA", "h3z2y7", "H3Z 2Y7"],
    ["US", "950141234", "95014-1234"],
    ["US", "95014", "95014"],
    ["CH", "CH-8001", "8001"],
    ["PL", "00950", "00-950"],
    ["IE", "d02x285", "D02 X285"],
    ["JP", "1000005", "100-0005"],
    ["PT", "1000 001", "1000-001"]
  ])("%s %j -> %j", (country, raw, expected) => {
    expect(normalisePostalCode(rule(country), raw)).toBe(expected)
  })

  it.each([
    ["DE", "1234"],
    ["DE", "123456"],
    ["DE", "ABCDE"],
    ["GB", "SW1A"],
    ["NL", "1234 A"],
    ["US", "9501"],
    ["AT", "10100"],
    ["CA", "D3Z 2Y7"]
  ])("%s %j is not a postal code", (country, raw) => {
    expect(normalisePostalCode(rule(country), raw)).toBeUndefined()
  })

  it("accepts anything non-empty where the country has no postal code format", () => {
    const hongKong = rule("HK")
    expect(hongKong.postalCodePattern).toBeUndefined()
    expect(normalisePostalCode(hongKong, " 999077 ")).toBe("999077")
  })
})
