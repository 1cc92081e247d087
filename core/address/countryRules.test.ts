import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { compiledPattern } from "./compiledPattern.ts"
import { countryRules } from "./countryRules.generated.ts"
import { normalisePostalCode } from "./normalisePostalCode.ts"

const euEea = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split(" ")
const g20 = "AR AU BR CA CN FR DE IN ID IT JP KR MX RU SA ZA TR GB US".split(" ")
const destinations = "CH NZ SG HK TW IL AE UA RS BA MK AL ME MC AD SM VA GI JE GG IM TH MY PH VN CL CO PE".split(" ")
const mustHave = [...new Set([...euEea, ...g20, ...destinations])]

describe("countryRules.generated.ts", () => {
  it("matches what generate.mjs builds from core/address/data (regenerate when this fails)", () => {
    const script = fileURLToPath(new URL("./generate.mjs", import.meta.url))
    const fresh: unknown = JSON.parse(execFileSync(process.execPath, [script, "--print-json"], { encoding: "utf8" }))
    expect(JSON.parse(JSON.stringify(countryRules))).toEqual(fresh)
  })

  it("covers the EU/EEA, the G20 and the common destinations", () => {
    expect(mustHave.length).toBeGreaterThanOrEqual(60)
    expect(mustHave.filter((code) => countryRules[code] === undefined)).toEqual([])
  })

  it("has postal code patterns and region prefixes that compile, and examples that pass their own pattern", () => {
    for (const rule of Object.values(countryRules)) {
      for (const example of rule.postalCodeExamples) {
        expect(normalisePostalCode(rule, example), `${rule.code} ${example}`).toBe(example.toUpperCase())
      }
      for (const region of rule.regions) {
        if (region.postalCodePrefix !== undefined)
          expect(() => compiledPattern(region.postalCodePrefix!, "prefix")).not.toThrow()
      }
    }
  })

  it("keeps Google's conventions for Germany and the US", () => {
    expect(countryRules.DE).toMatchObject({ name: "GERMANY", localName: "Deutschland", postalCodePattern: "\\d{5}" })
    expect(countryRules.US?.regions.find((region) => region.key === "CA")).toMatchObject({
      name: "California",
      postalCodePrefix: "9[0-5]|96[01]"
    })
  })
})
