import { createHmac } from "node:crypto"
import { shopLineId } from "../../../../fixtures/shops/FakeShopCore.ts"
import { testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import { shopwareId, startFakeShopware } from "../../../../fixtures/shops/shopware/FakeShopware.ts"
import { shopConformanceSuite } from "../shopConformance.suite.ts"
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
