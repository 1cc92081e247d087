import { createHmac } from "node:crypto"
import { shopLineId } from "../../../../fixtures/shops/FakeShopCore.ts"
import { startFakeShopify } from "../../../../fixtures/shops/shopify/FakeShopify.ts"
import { testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import { shopConformanceSuite } from "../shopConformance.suite.ts"
import { makeShopifyConnector } from "./ShopifyConnector.ts"

const credentials = { accessToken: "shpat_test_0123456789", webhookSecret: "shopify-app-secret-0123" }

shopConformanceSuite("Shopify", async () => {
  const fake = await startFakeShopify({ ...credentials, shopDomain: "alpenglow.myshopify.com" })
  const connector = makeShopifyConnector({
    settings: testSettings,
    credentials,
    shopDomain: "alpenglow.myshopify.com",
    apiVersion: "2026-04",
    endpoint: fake.url(),
    timeoutMs: 1_000,
    notifyCustomer: false,
    log: () => undefined
  })
  return {
    fake,
    connector,
    shopLineId: (order, lineId) => `gid://shopify/LineItem/${shopLineId(order, lineId)}`,
    shopOrderId: (order) => `gid://shopify/Order/${order.id}`,
    webhook: (order, forged) => {
      const body = JSON.stringify({ id: order.id, admin_graphql_api_id: `gid://shopify/Order/${order.id}` })
      return {
        headers: {
          "x-shopify-topic": "orders/create",
          "x-shopify-webhook-id": "w-1",
          "x-shopify-hmac-sha256": createHmac("sha256", forged ? "wrong-secret-000" : credentials.webhookSecret)
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
