import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { addressFields } from "./Address.ts"
import { checkAddress } from "./checkAddress.ts"
import { countryRules } from "./countryRules.generated.ts"
import { findRegion, formatAddress } from "./formatAddress.ts"

const countryCodes = Object.keys(countryRules)
const fieldValue = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constant(""), fc.anything())

describe("checkAddress properties", () => {
  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(Object.fromEntries(addressFields.map((field) => [field, fieldValue])), { requiredKeys: [] }),
          fc.record({
            country: fc.constantFrom(...countryCodes),
            postalCode: fc.string(),
            region: fc.string(),
            city: fc.string()
          })
        ),
        fc.constantFrom("en" as const, "de" as const),
        (input, locale) => {
          const result = checkAddress(input, { locale })
          expect(result.ok).toBe(result.errors.length === 0)
        }
      ),
      { numRuns: 500 }
    )
  })

  it("never loses a non-empty field when formatting", () => {
    const text = fc.string({ minLength: 1, maxLength: 12 }).filter((value) => value.trim() !== "")
    fc.assert(
      fc.property(
        fc.constantFrom(...countryCodes),
        fc.record(
          { name: text, company: text, street1: text, street2: text, postalCode: text, city: text, region: text },
          { requiredKeys: [] }
        ),
        (country, address) => {
          const rule = countryRules[country]!
          // Formatting normalises spacing (postal codes "1016  DV" -> "1016 DV"), so compare with runs of spaces folded.
          const fold = (value: string) => value.trim().replace(/\s+/g, " ").toUpperCase()
          const block = formatAddress(address, rule).map(fold).join("\n")
          for (const [field, value] of Object.entries(address)) {
            // A recognised region may be printed under its official key or Latin name instead ("D" -> San Luis).
            const region = field === "region" ? findRegion(rule, value) : undefined
            const spellings = [value, region?.key, region?.latinName].flatMap((spelling) =>
              spelling === undefined ? [] : [fold(spelling)]
            )
            // A postal code may gain the space its country's format puts in it (Bermuda "AA00" -> "AA 00").
            const compact = (value: string) => value.replace(/\s+/g, "")
            const found =
              spellings.some((spelling) => block.includes(spelling)) ||
              (field === "postalCode" && compact(block).includes(compact(fold(value))))
            expect(found, `${field} ${JSON.stringify(value)}`).toBe(true)
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})
