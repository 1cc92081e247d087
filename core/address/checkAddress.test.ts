import { describe, expect, it } from "vitest"
import type { Address } from "./Address.ts"
import { findCarrier } from "./AddressCarrier.ts"
import type { CountryRule } from "./CountryRule.ts"
import { checkAddress } from "./checkAddress.ts"
import { compiledPattern } from "./compiledPattern.ts"
import { countryRules } from "./countryRules.generated.ts"
import { hasPostalPlaces, placesOf } from "./postalPlaces.ts"

const codesOf = (address: unknown, options: Parameters<typeof checkAddress>[1] = {}) =>
  checkAddress(address, options).errors.map((error) => `${error.field}:${error.code}`)

/** A complete, valid address for the country, built from the data's own postal code example. */
const exampleAddress = (rule: CountryRule): Address => {
  const postalCode = rule.postalCodeExamples[0]
  const region =
    rule.regions.find(
      (candidate) =>
        postalCode !== undefined &&
        candidate.postalCodePrefix !== undefined &&
        compiledPattern(candidate.postalCodePrefix, "prefix").test(postalCode.toUpperCase())
    ) ?? rule.regions.find((candidate) => candidate.postalCodePrefix === undefined)
  // Where the station knows the places of each postal code, the example's town is the real one.
  const place =
    postalCode !== undefined && hasPostalPlaces(rule.code) ? placesOf(rule.code, postalCode)?.[0] : undefined
  return {
    name: "Alex Example",
    street1: "Main Street 1",
    city: place ?? "Town",
    country: rule.code,
    ...(postalCode === undefined ? {} : { postalCode }),
    ...(region !== undefined
      ? { region: region.latinName ?? region.key }
      : rule.required.includes("S")
        ? { region: "Region" }
        : {})
  }
}

const latinCountries =
  "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO CH GB US CA AU NZ JP KR IN BR MX AR ID SA ZA TR SG TW IL AE UA RS MC AD SM TH MY PH VN CL CO".split(
    " "
  )

describe("postal code, place, house number and Postnummer (DE, AT)", () => {
  const de = { name: "Anna Schmidt", street1: "Hauptstraße 12", postalCode: "10115", city: "Berlin", country: "DE" }

  it("matches the postal code to its place, as people write places", () => {
    expect(codesOf(de)).toEqual([])
    expect(codesOf({ ...de, city: "Hamburg" })).toEqual(["city:postal-code-city-mismatch"])
    expect(checkAddress({ ...de, city: "Hamburg" }, { locale: "de" }).errors[0]?.message).toBe(
      "Die Postleitzahl 10115 gehört zu Berlin, nicht zu Hamburg: eins von beiden stimmt nicht."
    )
    expect(checkAddress({ ...de, city: "Hamburg" }, { locale: "en" }).errors[0]?.message).toBe(
      "The postal code 10115 is Berlin, not Hamburg: one of the two is wrong."
    )
    expect(codesOf({ ...de, postalCode: "60313", city: "Frankfurt a. M." })).toEqual([])
    expect(codesOf({ ...de, postalCode: "60313", city: "frankfurt am main" })).toEqual([])
    expect(codesOf({ ...de, postalCode: "87435", city: "Kempten" })).toEqual([])
    expect(codesOf({ ...de, postalCode: "40212", city: "Duesseldorf" })).toEqual([])
    expect(codesOf({ ...de, postalCode: "00000" })).toEqual(["postalCode:postal-code-unknown"])
    expect(codesOf({ ...de, postalCode: "80331", city: "München" })).toEqual([])
    const vienna = {
      name: "Lukas Huber",
      street1: "Mariahilfer Straße 88",
      postalCode: "1070",
      city: "Wien",
      country: "AT"
    }
    expect(codesOf(vienna)).toEqual([])
    expect(codesOf({ ...vienna, city: "Graz" })).toEqual(["city:postal-code-city-mismatch"])
    expect(codesOf({ ...vienna, postalCode: "1001" })).toEqual(["postalCode:postal-code-unknown"])
  })

  it("wants a house number in DE, AT and CH, and a 6-10 digit Postnummer for a Packstation or Postfiliale", () => {
    expect(codesOf({ ...de, street1: "Marienplatz", postalCode: "80331", city: "München" })).toEqual([
      "street1:house-number-missing"
    ])
    expect(
      codesOf({ name: "Sophie Meier", street1: "Bahnhofstrasse", postalCode: "8001", city: "Zürich", country: "CH" })
    ).toEqual(["street1:house-number-missing"])
    expect(codesOf({ ...de, street1: "Marienplatz 8", postalCode: "80331", city: "München" })).toEqual([])
    const packstation = {
      name: "Lea Fischer",
      street1: "Packstation 123",
      postalCode: "20095",
      city: "Hamburg",
      country: "DE"
    }
    expect(codesOf(packstation)).toEqual(["street2:postnummer-missing"])
    expect(codesOf({ ...packstation, street2: "Postnummer 12345" })).toEqual(["street2:postnummer-missing"])
    expect(codesOf({ ...packstation, street2: "Postnummer 12345678" })).toEqual([])
    expect(codesOf({ ...packstation, name: "Lea Fischer 1234567890" })).toEqual([])
    expect(codesOf({ ...packstation, street2: "Postnummer 12345678901" })).toEqual(["street2:postnummer-missing"])
    expect(codesOf({ ...packstation, street1: "Postfiliale 512", street2: "987654" })).toEqual([])
  })
})

describe("checkAddress per country", () => {
  it.each(latinCountries)("%s: the data's example address passes", (code) => {
    const rule = countryRules[code]!
    const result = checkAddress(exampleAddress(rule))
    expect(result.errors).toEqual([])
    expect(result.ok).toBe(true)
    expect(result.formatted.at(-1)).toContain(rule.name.toUpperCase())
  })

  it.each(latinCountries.filter((code) => countryRules[code]?.postalCodePattern !== undefined))(
    "%s: a malformed postal code and a missing street are refused",
    (code) => {
      const { street1: _street, ...rest } = exampleAddress(countryRules[code]!)
      expect(codesOf({ ...rest, postalCode: "#12" })).toEqual(
        expect.arrayContaining(["street1:required", "postalCode:postal-code-format"])
      )
    }
  )
})

describe("checkAddress", () => {
  const berlin = {
    name: "Erika Mustermann",
    street1: "Heidestraße 17",
    postalCode: "10115",
    city: "Berlin",
    country: "DE"
  }

  it("normalises the postal code on the label", () => {
    const result = checkAddress({
      name: "J. Smith",
      street1: "1 High St",
      postalCode: "sw1a1aa",
      city: "London",
      country: "gb"
    })
    expect(result.ok).toBe(true)
    expect(result.formatted).toContain("SW1A 1AA")
  })

  it("refuses unknown and missing countries", () => {
    expect(codesOf({ ...berlin, country: "XY" })).toEqual(["country:unknown-country"])
    expect(codesOf({ ...berlin, country: "Deutschland" })).toEqual(["country:unknown-country"])
    expect(codesOf({ ...berlin, country: undefined })).toEqual(["country:required"])
  })

  it("requires the fields the country requires and a recipient", () => {
    expect(codesOf({ country: "US" })).toEqual([
      "street1:required",
      "city:required",
      "region:required",
      "postalCode:required",
      "name:required"
    ])
    expect(
      codesOf({ company: "Muster GmbH", street1: "Weg 1", postalCode: "10115", city: "Berlin", country: "DE" })
    ).toEqual([])
  })

  it("checks that the postal code belongs to the US state or Canadian province", () => {
    const us = { name: "J", street1: "1 Main St", city: "Mountain View", country: "US" }
    expect(codesOf({ ...us, region: "CA", postalCode: "94043" })).toEqual([])
    expect(codesOf({ ...us, region: "NY", postalCode: "94043" })).toEqual(["postalCode:postal-code-region-mismatch"])
    expect(codesOf({ ...us, region: "Narnia", postalCode: "94043" })).toEqual(["region:unknown-region"])
    const ca = { name: "J", street1: "1 Rue", city: "Montréal", country: "CA" }
    expect(codesOf({ ...ca, region: "QC", postalCode: "H3Z 2Y7" })).toEqual([])
    expect(codesOf({ ...ca, region: "Ontario", postalCode: "H3Z 2Y7" })).toEqual([
      "postalCode:postal-code-region-mismatch"
    ])
  })

  it("refuses post-office boxes only for carriers that refuse them", () => {
    const poBox = { ...berlin, street1: "Postfach 10 01 23" }
    expect(codesOf(poBox, { carrier: findCarrier("ups")! })).toEqual(["street1:po-box-refused"])
    expect(codesOf(poBox, { carrier: findCarrier("deutsche-post")! })).toEqual([])
    expect(codesOf(poBox)).toEqual([])
  })

  it("allows a Packstation only for carriers that deliver there", () => {
    const packstation = { ...berlin, street1: "Packstation 123", street2: "Postnummer 12345678" }
    expect(codesOf(packstation, { carrier: findCarrier("dhl")! })).toEqual([])
    expect(codesOf(packstation, { carrier: findCarrier("dpd")! })).toEqual(["street1:po-box-refused"])
    expect(codesOf(packstation, { carrier: { id: "x", name: "X", refusesPoBox: false } })).toEqual([
      "street1:po-box-refused"
    ])
  })

  it("names the field with characters the printer cannot print and suggests the Latin address", () => {
    const result = checkAddress({
      name: "山田太郎",
      street1: "1-2-3 Marunouchi",
      region: "Tokyo",
      postalCode: "1000005",
      country: "JP"
    })
    expect(result.errors.map((error) => `${error.field}:${error.code}`)).toEqual(["name:unsupported-characters"])
    expect(result.errors[0]?.message).toContain("山")
    expect(result.errors[0]?.message).toContain("Latin script")
    const chinese = checkAddress({
      name: "Li",
      street1: "长安街1号",
      city: "北京",
      region: "Beijing Shi",
      postalCode: "100000",
      country: "CN"
    })
    expect(chinese.errors.map((error) => error.field)).toEqual(["street1", "city"])
    expect(checkAddress({ ...berlin, name: "Łukasz Żółć" }).ok).toBe(true)
    expect(checkAddress({ ...berlin, name: "Nguyễn" }).errors.map((error) => error.code)).toEqual([
      "unsupported-characters"
    ])
    expect(checkAddress({ ...berlin, name: "Nguyễn" }, { charset: "any" }).ok).toBe(true)
    expect(checkAddress(berlin, { charset: (character) => character !== "ß" }).errors[0]?.field).toBe("street1")
  })

  it("refuses lines longer than the label allows", () => {
    const long = { ...berlin, street1: "Hauptstraße 1, Hinterhaus, Aufgang C, 4. OG" }
    expect(codesOf(long)).toEqual(["street1:line-too-long"])
    expect(codesOf(long, { maxLineLength: 60 })).toEqual([])
    expect(codesOf(berlin, { maxLineLength: 10 })).toEqual([
      "name:line-too-long",
      "street1:line-too-long",
      "postalCode:line-too-long"
    ])
  })

  it("reports fields that are not text and inputs that are not objects", () => {
    expect(codesOf({ ...berlin, postalCode: 10115 })).toEqual(["postalCode:invalid-input", "postalCode:required"])
    expect(codesOf(null)).toEqual([":invalid-input"])
    expect(codesOf(["DE"])).toEqual([":invalid-input"])
    expect(checkAddress("DE").formatted).toEqual([])
  })

  it("speaks German when asked", () => {
    const result = checkAddress({ ...berlin, postalCode: "1011" }, { locale: "de" })
    expect(result.errors).toEqual([
      {
        field: "postalCode",
        code: "postal-code-format",
        message: "„1011“ ist keine gültige Postleitzahl für Deutschland (z. B. 26133, 53225)."
      }
    ])
    expect(checkAddress({ ...berlin, postalCode: "1011" }).errors[0]?.message).toBe(
      '"1011" is not a valid postal code for Germany (e.g. 26133, 53225).'
    )
  })

  it("leaves the country line off a domestic address", () => {
    expect(checkAddress(berlin, { originCountry: "DE" }).formatted).toEqual([
      "Erika Mustermann",
      "Heidestraße 17",
      "10115 BERLIN"
    ])
    expect(checkAddress(berlin, { originCountry: "AT" }).formatted.at(-1)).toBe("GERMANY / DEUTSCHLAND")
  })
})
