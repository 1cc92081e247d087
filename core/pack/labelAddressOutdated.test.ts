import { describe, expect, it } from "vitest"
import { fixture } from "../../fixtures/SeededStation.ts"
import type { Order } from "../orders/Order.ts"
import { labelAddressOutdated } from "./labelAddressOutdated.ts"

/** SO-100001's address in the sample orders: Anna Schmidt, Hauptstraße 12, 10115 Berlin. */
const labelledFor = (fixture("orders.json") as Array<Order>).find((order) => order.orderId === "SO-100001")!.shipTo
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
