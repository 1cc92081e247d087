import { describe, expect, it } from "vitest"
import { draftOrder, NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { localeOf, mapShopOrder, orderIdFor } from "./mapShopOrder.ts"
import type { ShopOrderDraft } from "./ShopOrderDraft.ts"

describe("mapShopOrder", () => {
  it("maps a shop order to the station's, line ids from the shop's, SKUs upper case, paid unit prices in cents", () => {
    const outcome = mapShopOrder(draftOrder(), testSettings, NOW)
    expect(outcome.ok).toBe(true)
    if (!outcome.ok) return
    const { order, shopLines, paidUnitCents } = outcome.mapped
    expect(order.orderId).toBe("SHOP-1001")
    expect(order.lines).toEqual([
      { lineId: "501", sku: "ALP-MUG-01", gtin: "4260123450014", quantity: 2, unitPrice: 12.5 },
      { lineId: "502", sku: "ALP-BTL-05", quantity: 1, unitPrice: 24.9 }
    ])
    expect(shopLines).toEqual({ 501: "gid://shopify/LineItem/501", 502: "gid://shopify/LineItem/502" })
    expect(paidUnitCents).toEqual({ 501: 1250, 502: 2490 })
    expect(order.customer).toMatchObject({ customerId: "shopify-main:77", locale: "de" })
    expect(order.payment).toEqual({ method: "shopify", currency: "EUR", total: 54.85 })
    expect(order).toMatchObject({ carrier: "dhl-paket", serviceLevel: "standard", brand: "alpenglow", status: "open" })
  })

  it("picks carrier and service by the shipping method and the brand by the sales channel", () => {
    const outcome = mapShopOrder(
      draftOrder({ shippingMethod: { code: undefined, title: "EXPRESS" }, salesChannel: "gid://shopify/Channel/2" }),
      testSettings,
      NOW
    )
    expect(outcome.ok && outcome.mapped.order).toMatchObject({
      carrier: "dhl-express",
      serviceLevel: "express",
      brand: "nordlicht"
    })
  })

  it("rounds a discounted unit price down to whole cents, so the units never claim more than was paid", () => {
    const outcome = mapShopOrder(
      draftOrder({
        lines: [{ shopLineId: "9", sku: "A-1", gtin: undefined, quantity: 3, paidUnitPrice: 10 / 3 }],
        totalPaid: 10
      }),
      testSettings,
      NOW
    )
    expect(outcome.ok && outcome.mapped.paidUnitCents).toEqual({ 9: 333 })
  })

  it.each([
    [
      "an infinite price",
      { lines: [{ shopLineId: "1", sku: "A", gtin: undefined, quantity: 1, paidUnitPrice: Number.POSITIVE_INFINITY }] },
      "unit price"
    ],
    [
      "a negative quantity",
      { lines: [{ shopLineId: "1", sku: "A", gtin: undefined, quantity: -1, paidUnitPrice: 1 }] },
      "quantity"
    ],
    [
      "a fractional quantity",
      { lines: [{ shopLineId: "1", sku: "A", gtin: undefined, quantity: 1.5, paidUnitPrice: 1 }] },
      "quantity"
    ],
    [
      "a line without SKU",
      { lines: [{ shopLineId: "1", sku: undefined, gtin: "4260123450014", quantity: 1, paidUnitPrice: 1 }] },
      "SKU"
    ],
    ["a NaN total", { totalPaid: Number.NaN }, "paid total"],
    ["lines above the total", { totalPaid: 10 }, "only 10"],
    [
      "two addresses in the e-mail",
      {
        customer: {
          shopCustomerId: "1",
          firstName: "A",
          lastName: "B",
          email: "a@example.com\r\nBcc: spy@evil.example",
          locale: undefined
        }
      },
      "e-mail"
    ],
    [
      "an e-mail address a bidi override shows as another",
      { customer: { ...draftOrder().customer, email: "mia\u202Emoc.liame@example.com" } },
      "e-mail"
    ],
    ["a change time far in the future", { updatedAtMs: NOW + 7 * 86_400_000 }, "change time"],
    ["a placement time far in the future", { placedAt: new Date(NOW + 7 * 86_400_000).toISOString() }, "placed-at"],
    ["a placement time before any shop of ours", { placedAt: "1970-01-01T00:00:00Z" }, "placed-at"],
    ["no lines", { lines: [] }, "no line"],
    ["a bad country", { shipTo: { ...draftOrder().shipTo, country: "Germany" } }, "country"],
    ["an order number the station cannot use", { orderNumber: "#" }, "order number"],
    ["a shop order id longer than an id", { shopOrderId: "1".repeat(129) }, "shop order id"],
    ["an empty shop order id", { shopOrderId: "" }, "shop order id"],
    ["a shop order id with a line break", { shopOrderId: "1001\nhub: forged" }, "shop order id"],
    [
      "a malformed GTIN",
      { lines: [{ shopLineId: "1", sku: "A", gtin: "12345", quantity: 1, paidUnitPrice: 1 }] },
      "GTIN"
    ]
  ] as const)("refuses %s with the reason", (_name, overrides, reason) => {
    const outcome = mapShopOrder(draftOrder(overrides as Partial<ShopOrderDraft>), testSettings, NOW)
    expect(outcome.ok).toBe(false)
    if (!outcome.ok) expect(outcome.reason).toContain(reason)
  })

  it("turns control characters in names into spaces", () => {
    const outcome = mapShopOrder(
      draftOrder({ shipTo: { ...draftOrder().shipTo, name: "Mia\u0000\nBerg" } }),
      testSettings,
      NOW
    )
    expect(outcome.ok && outcome.mapped.order.shipTo.name).toBe("Mia  Berg")
  })

  it("turns C1 controls and line separators into spaces and drops bidi overrides, which reorder what follows", () => {
    // U+0085 and U+2028/9 end a line where a text is shown; U+202E shows "Berg‬ straße 1" mirrored, and U+2066-9
    // isolate: in the customer's mail, on the tracking page, and as characters the label printer has not.
    const outcome = mapShopOrder(
      draftOrder({
        customer: { ...draftOrder().customer, firstName: "MiaLena  " },
        shipTo: { ...draftOrder().shipTo, name: "‮greB aiM‬", street1: "Hafen⁧straße⁩ 1‪‫‭" }
      }),
      testSettings,
      NOW
    )
    expect(outcome.ok && outcome.mapped.order.customer.firstName).toBe("Mia Lena")
    expect(outcome.ok && outcome.mapped.order.shipTo.name).toBe("greB aiM")
    expect(outcome.ok && outcome.mapped.order.shipTo.street1).toBe("Hafenstraße 1")
  })
})

describe("locale and order id", () => {
  it("takes the shop's language, else the country's", () => {
    expect(localeOf("de-AT", "AT")).toBe("de")
    expect(localeOf("en_GB", "DE")).toBe("en")
    expect(localeOf("fr", "CH")).toBe("de")
    expect(localeOf(undefined, "NL")).toBe("en")
  })

  it("makes station order ids in the station's alphabet", () => {
    expect(orderIdFor("wc", "10023")).toBe("WC-10023")
    expect(orderIdFor("SW", "#SO 100/7")).toBe("SW-SO-100-7")
    expect(orderIdFor("SHOP", "x".repeat(40))).toBeUndefined()
  })
})
