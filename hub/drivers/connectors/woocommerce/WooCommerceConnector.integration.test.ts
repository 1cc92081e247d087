import { createHmac } from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { shopLineId } from "../../../../fixtures/shops/FakeShopCore.ts"
import { testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import { startFakeWooCommerce } from "../../../../fixtures/shops/woocommerce/FakeWooCommerce.ts"
import { sampleOrder, shopConformanceSuite } from "../shopConformance.suite.ts"
import { makeWooCommerceConnector } from "./WooCommerceConnector.ts"

const credentials = {
  consumerKey: "ck_0123456789abcdef",
  consumerSecret: "cs_0123456789abcdef",
  webhookSecret: "woo-webhook-secret-1"
}

shopConformanceSuite("WooCommerce", async () => {
  const fake = await startFakeWooCommerce(credentials)
  const connector = makeWooCommerceConnector({
    settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
    credentials,
    url: fake.url(),
    completedStatus: "completed",
    timeoutMs: 1_000
  })
  return {
    fake,
    connector,
    shopLineId: (order, lineId) => shopLineId(order, lineId),
    shopOrderId: (order) => String(order.id),
    webhook: (order, forged) => {
      const body = JSON.stringify({
        id: order.id,
        number: order.number,
        status: "processing",
        currency: "EUR",
        date_created_gmt: "2026-01-01T00:00:00",
        date_modified_gmt: "2026-01-01T00:00:00",
        total: "1.00",
        customer_id: 0,
        billing: { first_name: "", last_name: "", email: "a@example.com" },
        shipping: {
          first_name: "",
          last_name: "",
          company: "",
          address_1: "",
          address_2: "",
          city: "",
          state: "",
          postcode: "",
          country: "DE"
        },
        line_items: [],
        shipping_lines: [],
        meta_data: []
      })
      return {
        headers: {
          "x-wc-webhook-topic": "order.created",
          "x-wc-webhook-id": "7",
          "x-wc-webhook-delivery-id": "d-1",
          "x-wc-webhook-signature": createHmac("sha256", forged ? "wrong-secret-000" : credentials.webhookSecret)
            .update(body)
            .digest("base64")
        },
        body: new TextEncoder().encode(body)
      }
    },
    tracksUnits: true,
    close: fake.close
  }
})

describe("WooCommerce address update against a shop that keeps the old address", () => {
  it("is refused with the reason when the order comes back without the address sent", async () => {
    const fake = await startFakeWooCommerce(credentials)
    try {
      const connector = makeWooCommerceConnector({
        settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
        credentials,
        url: fake.url(),
        completedStatus: "completed",
        timeoutMs: 1_000
      })
      const placed = await fake.placeOrder(sampleOrder(31))
      fake.lockShipping(placed.order.id)
      const refused = await Effect.runPromise(
        Effect.flip(
          connector.updateAddress({
            idempotencyKey: "packbench-address-X-31-hold-1",
            orderId: "X-31",
            shopOrderId: String(placed.order.id),
            shipTo: { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20459", city: "Hamburg", country: "DE" }
          })
        )
      )
      expect(refused.reason).toBe("Rejected")
      expect(refused.message).toContain("did not take the new shipping address")
      expect(placed.order.order.shipTo.street1).toBe("Hafenstraße 1")
    } finally {
      await fake.close()
    }
  })
})
