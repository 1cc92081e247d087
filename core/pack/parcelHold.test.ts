import { describe, expect, it } from "vitest"
import { parcelHold } from "./parcelHold.ts"

const labelledFor = {
  name: "Anna Schmidt",
  street1: "Hauptstraße 12",
  postalCode: "10115",
  city: "Berlin",
  country: "DE"
}
const row = (orderStatus: string | null, orderShipTo: unknown = labelledFor) => ({
  data: JSON.stringify({ shipTo: labelledFor }),
  order_status: orderStatus,
  order_ship_to: orderStatus === null ? null : JSON.stringify(orderShipTo)
})

describe("parcelHold", () => {
  it("holds a parcel whose order was cancelled, whatever else changed: it is not packed again", () => {
    expect(parcelHold(row("cancelled"))).toBe("order-cancelled-after-packing")
    expect(parcelHold(row("cancelled", { ...labelledFor, city: "Potsdam" }))).toBe("order-cancelled-after-packing")
    expect(parcelHold(row("packed", { ...labelledFor, city: "Potsdam" }))).toBe("label-address-outdated")
  })

  it("lets a parcel go whose order is as it was packed, or gone", () => {
    expect(parcelHold(row("packed"))).toBeUndefined()
    expect(parcelHold(row(null))).toBeUndefined()
  })
})
