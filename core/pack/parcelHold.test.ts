import { describe, expect, it } from "vitest"
import { fixture } from "../../fixtures/SeededStation.ts"
import type { Order } from "../orders/Order.ts"
import { parcelHold } from "./parcelHold.ts"

/** SO-100001's address in the sample orders: Anna Schmidt, Hauptstraße 12, 10115 Berlin. */
const labelledFor = (fixture("orders.json") as Array<Order>).find((order) => order.orderId === "SO-100001")!.shipTo
const mugs = { lineId: "1", sku: "ALP-MUG-01", quantity: 2, unitPrice: 12.9 }
const socks = { lineId: "2", sku: "ALP-SOCK-M", quantity: 1, unitPrice: 16.5 }
const packedFor = [mugs, socks]

/** A parcel packed for `packedFor` at `labelledFor`, its order now `order` (null: gone). */
const row = (
  order: { readonly status: string; readonly shipTo?: unknown; readonly lines?: unknown } | null,
  parcel: { readonly lines?: unknown } = { lines: packedFor }
) => ({
  data: JSON.stringify({ shipTo: labelledFor, ...parcel }),
  order_status: order?.status ?? null,
  order_ship_to: order === null ? null : JSON.stringify(order.shipTo ?? labelledFor),
  order_lines: order === null ? null : JSON.stringify(order.lines ?? packedFor)
})

describe("parcelHold", () => {
  it("holds a parcel whose order was cancelled, whatever else changed: it is not packed again", () => {
    const moved = { ...labelledFor, city: "Potsdam" }
    expect(parcelHold(row({ status: "cancelled" }))).toBe("order-cancelled-after-packing")
    expect(parcelHold(row({ status: "cancelled", shipTo: moved, lines: [mugs] }))).toBe("order-cancelled-after-packing")
    expect(parcelHold(row({ status: "packed", shipTo: moved, lines: [mugs] }))).toBe("parcel-lines-outdated")
    expect(parcelHold(row({ status: "packed", shipTo: moved }))).toBe("label-address-outdated")
  })

  it("holds a parcel whose order asks for other items or numbers", () => {
    const packed = (lines: unknown) => parcelHold(row({ status: "packed", lines }))
    expect(packed([{ ...mugs, quantity: 1 }, socks])).toBe("parcel-lines-outdated")
    expect(packed([{ ...mugs, sku: "ALP-MUG-02" }, socks])).toBe("parcel-lines-outdated")
    expect(packed([mugs])).toBe("parcel-lines-outdated")
    expect(packed([mugs, socks, { ...socks, lineId: "3" }])).toBe("parcel-lines-outdated")
    // The same items on each line, in another order of the list, at other prices or with a GTIN: nothing to repack.
    expect(
      packed([
        { ...socks, unitPrice: 9.9 },
        { ...mugs, gtin: "4260123450014" }
      ])
    ).toBeUndefined()
  })

  it("lets a parcel go whose order is as it was packed, is gone, or whose lines the parcel does not know", () => {
    expect(parcelHold(row({ status: "packed" }))).toBeUndefined()
    expect(parcelHold(row(null))).toBeUndefined()
    expect(parcelHold(row({ status: "packed", lines: [mugs] }, {}))).toBeUndefined()
  })

  it("judges a parcel whose order renumbered its lines by its items, however the lines split them", () => {
    const packed = (lines: unknown) => parcelHold(row({ status: "packed", lines }))
    // Shopware's order edit: every line a new id, the same items in the same numbers.
    expect(
      packed([
        { ...mugs, lineId: "a7f3" },
        { ...socks, lineId: "c91e" }
      ])
    ).toBeUndefined()
    // The two mugs on two lines of one each, or two lines of one mug merged into one of two: the same parcel.
    expect(packed([{ ...mugs, quantity: 1 }, { ...mugs, lineId: "3", quantity: 1 }, socks])).toBeUndefined()
    expect(
      parcelHold(
        row({ status: "packed" }, { lines: [{ ...mugs, quantity: 1 }, { ...mugs, lineId: "3", quantity: 1 }, socks] })
      )
    ).toBeUndefined()
    // Renumbered and another number of an item, or lines the parcel's units cannot be told apart by: held.
    expect(
      packed([
        { ...mugs, lineId: "a7f3", quantity: 3 },
        { ...socks, lineId: "c91e" }
      ])
    ).toBe("parcel-lines-outdated")
    expect(packed([{ ...mugs, quantity: 1 }, { ...mugs, lineId: "3", quantity: 2 }, socks])).toBe(
      "parcel-lines-outdated"
    )
    // Two lines under one id: the parcel's units could not be told which line they refund against.
    expect(packed([{ ...mugs, lineId: "9", quantity: 1 }, { ...mugs, lineId: "9", quantity: 1 }, socks])).toBe(
      "parcel-lines-outdated"
    )
  })
})
