import { describe, expect, it } from "vitest"
import { labelAddressOutdated } from "./labelAddressOutdated.ts"

const labelledFor = {
  name: "Anna Schmidt",
  street1: "Hauptstraße 12",
  postalCode: "10115",
  city: "Berlin",
  country: "DE"
}
const row = (shipTo: unknown, orderShipTo: unknown) => ({
  data: JSON.stringify(shipTo === undefined ? { ssccUrn: "urn:x" } : { shipTo }),
  order_ship_to: orderShipTo === undefined ? null : JSON.stringify(orderShipTo)
})

describe("labelAddressOutdated", () => {
  it("is true only when the order's address differs from the one the label was made for, field by field", () => {
    expect(labelAddressOutdated(row(labelledFor, { ...labelledFor }))).toBe(false)
    expect(labelAddressOutdated(row(labelledFor, { ...labelledFor, street1: "Hauptstraße 14" }))).toBe(true)
    expect(labelAddressOutdated(row(labelledFor, { ...labelledFor, company: "Schmidt GmbH" }))).toBe(true)
    expect(labelAddressOutdated(row({ ...labelledFor, street2: "3. OG" }, labelledFor))).toBe(true)
  })

  it("lets a parcel pass that does not know its label's address, or whose order is gone", () => {
    expect(labelAddressOutdated(row(undefined, { ...labelledFor, city: "Potsdam" }))).toBe(false)
    expect(labelAddressOutdated(row(labelledFor, undefined))).toBe(false)
  })
})
