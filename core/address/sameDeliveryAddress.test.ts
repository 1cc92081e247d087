import { describe, expect, it } from "vitest"
import type { Address } from "./Address.ts"
import { sameDeliveryAddress } from "./sameDeliveryAddress.ts"

const sent: Address = {
  name: "Mia Berg",
  street1: "Hafenstraße 11",
  postalCode: "20457",
  city: "Hamburg",
  country: "DE"
}

describe("sameDeliveryAddress", () => {
  it("takes a shop's echo in its own form for the same address", () => {
    const echoes: ReadonlyArray<Address> = [
      sent,
      { ...sent, name: "  MIA   BERG ", city: "HAMBURG", country: "de" },
      { ...sent, street1: "HAFENSTRASSE  11" },
      { ...sent, postalCode: "204 57" },
      { ...sent, company: "", street2: "" },
      { ...sent, company: "  ", street2: " " },
      { ...sent, region: "HH" },
      { ...sent, street1: "Hafenstraße\u00a011" }
    ]
    for (const echo of echoes) {
      expect(sameDeliveryAddress(sent, echo)).toBe(true)
      expect(sameDeliveryAddress(echo, sent)).toBe(true)
    }
  })

  it("forgives the spaces and hyphens of a postal code, but not its letters' order", () => {
    const london: Address = {
      name: "Ann Lee",
      street1: "1 Old St",
      postalCode: "EC1Y 8SY",
      city: "London",
      country: "GB"
    }
    expect(sameDeliveryAddress(london, { ...london, postalCode: "ec1y8sy" })).toBe(true)
    expect(sameDeliveryAddress(london, { ...london, postalCode: "EC1Y 8YS" })).toBe(false)
  })

  it("takes a change of any field that decides where the parcel goes for another address", () => {
    const changes: ReadonlyArray<Address> = [
      { ...sent, street1: "Hafenweg 11" },
      { ...sent, street1: "Hafenstraße 13" },
      { ...sent, street1: "Hafenstraße 11a" },
      { ...sent, street2: "Hinterhaus" },
      { ...sent, postalCode: "20459" },
      { ...sent, city: "Hamburg-Altona" },
      { ...sent, country: "AT" },
      { ...sent, name: "Jonas Berg" },
      { ...sent, company: "Berg GmbH" },
      { name: "Mia Berg", postalCode: "20457", city: "Hamburg", country: "DE" }
    ]
    for (const change of changes) {
      expect(sameDeliveryAddress(sent, change)).toBe(false)
      expect(sameDeliveryAddress(change, sent)).toBe(false)
    }
  })
})
