import { createHmac } from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { shopLineId } from "../../../../fixtures/shops/FakeShopCore.ts"
import { testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import { shopwareId, startFakeShopware } from "../../../../fixtures/shops/shopware/FakeShopware.ts"
import { sampleOrder, shopConformanceSuite } from "../shopConformance.suite.ts"
import { makeShopwareConnector } from "./ShopwareConnector.ts"

const credentials = {
  clientId: "SWIA0123456789ABCDEF",
  clientSecret: "shopware-integration-secret",
  appSecret: "shopware-app-secret-01"
}

shopConformanceSuite("Shopware 6", async () => {
  const fake = await startFakeShopware(credentials)
  const connector = makeShopwareConnector({
    settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
    credentials,
    url: fake.url(),
    webhookUrl: undefined,
    timeoutMs: 1_000
  })
  return {
    fake,
    connector,
    shopLineId: (order, lineId) => shopwareId(0xb, shopLineId(order, lineId)),
    shopOrderId: (order) => shopwareId(0xa, order.id),
    webhook: (order, forged) => {
      const body = JSON.stringify({
        data: {
          payload: [{ entity: "order", operation: "insert", primaryKey: shopwareId(0xa, order.id), updatedFields: [] }],
          event: "order.written"
        },
        source: { url: "https://shop.example.com", appVersion: "1.0.0", shopId: "s", eventId: "e1" },
        timestamp: 1
      })
      return {
        headers: {
          "shopware-shop-signature": createHmac("sha256", forged ? "wrong-secret-000" : credentials.appSecret)
            .update(body)
            .digest("hex")
        },
        body: new TextEncoder().encode(body)
      }
    },
    tracksUnits: false,
    close: fake.close
  }
})

describe("a Shopware order stamped far ahead of the hub's clock", () => {
  it("does not move the catch-up's cursor past the orders that follow it", async () => {
    const fake = await startFakeShopware(credentials)
    try {
      const connector = makeShopwareConnector({
        settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
        credentials,
        url: fake.url(),
        webhookUrl: undefined,
        timeoutMs: 1_000
      })
      const ahead = await fake.placeOrder(sampleOrder(81))
      fake.breakFields(ahead.order.id, { updatedAt: "2099-01-01T00:00:00.000+00:00" })
      const first = await fake.placeOrder(sampleOrder(82))
      const nowMs = first.order.updatedAtMs
      const page = await Effect.runPromise(connector.ordersChangedSince(undefined, nowMs - 60_000, nowMs))
      expect(page.orders).toHaveLength(2)
      const firstChange = new Date(first.order.createdAtMs).toISOString().replace("Z", "+00:00")
      expect(JSON.parse(page.cursor)).toEqual({ since: firstChange, page: 1, max: firstChange })
    } finally {
      await fake.close()
    }
  })
})
