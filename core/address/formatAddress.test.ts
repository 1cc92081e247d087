import { describe, expect, it } from "vitest"
import type { Address } from "./Address.ts"
import type { CountryRule } from "./CountryRule.ts"
import { countryRules } from "./countryRules.generated.ts"
import { formatAddress } from "./formatAddress.ts"

const rule = (code: string): CountryRule => {
  const found = countryRules[code]
  if (found === undefined) throw new Error(`no rule for ${code}`)
  return found
}

const format = (address: Address & { country: string }, originCountry?: string): ReadonlyArray<string> =>
  formatAddress(address, rule(address.country), originCountry === undefined ? {} : { originCountry })

describe("formatAddress", () => {
  it("DE: name, company, street, postal code before the city, English and German country name", () => {
    expect(
      format({
        name: "Erika Mustermann",
        company: "Muster GmbH",
        street1: "Heidestraße 17",
        street2: "Hinterhaus",
        postalCode: "51147",
        city: "Köln",
        country: "DE"
      })
    ).toEqual([
      "Erika Mustermann",
      "Muster GmbH",
      "Heidestraße 17",
      "Hinterhaus",
      "51147 KÖLN",
      "GERMANY / DEUTSCHLAND"
    ])
  })

  it("DE from a German warehouse gets no country line", () => {
    expect(
      format(
        { name: "Erika Mustermann", street1: "Heidestraße 17", postalCode: "51147", city: "Köln", country: "DE" },
        "de"
      )
    ).toEqual(["Erika Mustermann", "Heidestraße 17", "51147 KÖLN"])
  })

  it("AT: company before the name", () => {
    expect(
      format({
        name: "Max Huber",
        company: "Huber KG",
        street1: "Kärntner Straße 1",
        postalCode: "1010",
        city: "Wien",
        country: "AT"
      })
    ).toEqual(["Huber KG", "Max Huber", "Kärntner Straße 1", "1010 WIEN", "AUSTRIA / ÖSTERREICH"])
  })

  it("CH: the CH- prefix before the postal code, city as written", () => {
    expect(
      format({
        name: "Heidi Muster",
        street1: "Bahnhofstrasse 1",
        postalCode: "ch-8001",
        city: "Zürich",
        country: "CH"
      })
    ).toEqual(["Heidi Muster", "Bahnhofstrasse 1", "CH-8001 Zürich", "SWITZERLAND / SCHWEIZ"])
  })

  it("GB: post town and postcode on their own lines in capitals", () => {
    expect(
      format({ name: "Jane Smith", street1: "10 Downing Street", postalCode: "sw1a2aa", city: "London", country: "GB" })
    ).toEqual(["Jane Smith", "10 Downing Street", "LONDON", "SW1A 2AA", "UNITED KINGDOM"])
  })

  it("US: city, state abbreviation and ZIP on one line", () => {
    expect(
      format({
        name: "John Doe",
        company: "Acme Inc.",
        street1: "1600 Amphitheatre Pkwy",
        postalCode: "94043",
        city: "Mountain View",
        region: "California",
        country: "US"
      })
    ).toEqual(["John Doe", "Acme Inc.", "1600 Amphitheatre Pkwy", "MOUNTAIN VIEW, CA 94043", "UNITED STATES"])
  })

  it("FR: company first, city in capitals", () => {
    expect(
      format({
        name: "Marie Dupont",
        company: "Dupont SARL",
        street1: "8 rue de la Paix",
        postalCode: "75002",
        city: "Paris",
        country: "FR"
      })
    ).toEqual(["Dupont SARL", "Marie Dupont", "8 rue de la Paix", "75002 PARIS", "FRANCE"])
  })

  it("JP in Latin script: the Latin format, prefecture typed in kanji printed by its Latin name, no Japanese country name", () => {
    expect(
      format({
        name: "Taro Yamada",
        street1: "1-2-3 Marunouchi",
        city: "Chiyoda-ku",
        region: "東京都",
        postalCode: "1000005",
        country: "JP"
      })
    ).toEqual(["Taro Yamada", "1-2-3 Marunouchi, Chiyoda-ku, TOKYO", "100-0005", "JAPAN"])
  })

  it("JP in Latin script with the prefecture in Latin", () => {
    expect(
      format({
        name: "Taro Yamada",
        street1: "1-2-3 Marunouchi",
        city: "Chiyoda-ku",
        region: "tokyo",
        postalCode: "100-0005",
        country: "JP"
      })
    ).toEqual(["Taro Yamada", "1-2-3 Marunouchi, Chiyoda-ku, TOKYO", "100-0005", "JAPAN"])
  })

  it("IE: county and Eircode on one line", () => {
    expect(
      format({
        name: "Mary Murphy",
        street1: "1 Main Street",
        city: "Dublin 2",
        region: "Co. Dublin",
        postalCode: "d02x285",
        country: "IE"
      })
    ).toEqual(["Mary Murphy", "1 Main Street", "DUBLIN 2", "Co. Dublin D02 X285", "IRELAND"])
  })

  it("IE without a county: the Eircode alone", () => {
    expect(
      format({ name: "Mary Murphy", street1: "1 Main Street", city: "Dublin 2", postalCode: "D02 X285", country: "IE" })
    ).toEqual(["Mary Murphy", "1 Main Street", "DUBLIN 2", "D02 X285", "IRELAND"])
  })

  it("NL: postcode with a space, Dutch country name", () => {
    expect(
      format({ name: "Jan de Vries", street1: "Damrak 1", postalCode: "1012lg", city: "Amsterdam", country: "NL" })
    ).toEqual(["Jan de Vries", "Damrak 1", "1012 LG AMSTERDAM", "NETHERLANDS / NEDERLAND"])
  })

  it("keeps a field the country's format has no place for", () => {
    expect(
      format(
        {
          name: "Erika",
          street1: "Hauptstraße 1",
          postalCode: "80331",
          city: "München",
          region: "Bayern",
          country: "DE"
        },
        "DE"
      )
    ).toEqual(["Erika", "Hauptstraße 1", "80331 MÜNCHEN", "Bayern"])
  })

  it("leaves the local country name out when the line would be too long", () => {
    const bosnia = rule("BA")
    expect(bosnia.localName).toBeDefined()
    const lines = formatAddress({ name: "A", street1: "B 1", postalCode: "71000", city: "Sarajevo" }, bosnia, {
      maxLineLength: 20
    })
    expect(lines.at(-1)).toBe(bosnia.name)
  })
})
