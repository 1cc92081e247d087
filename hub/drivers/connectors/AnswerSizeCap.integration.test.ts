import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { startFakeShopify } from "../../../fixtures/shops/shopify/FakeShopify.ts"
import { testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { startFakeWooCommerce } from "../../../fixtures/shops/woocommerce/FakeWooCommerce.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"
import { sampleOrder } from "./shopConformance.suite.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"
import { makeSignedWebhookConnector } from "./webhook/SignedWebhookConnector.ts"
import { makeWooCommerceConnector } from "./woocommerce/WooCommerceConnector.ts"

/**
 * A shop answering with more than the connector reads (gigabytes in the field; a few KB over a small bound here,
 * the bound being the connector's option): the call fails `Malformed` naming the bound, and the hub stays up.
 */

const catchUp = (connector: ShopConnector) =>
  Effect.runPromise(Effect.result(connector.ordersChangedSince(undefined, 0, Date.UTC(2100, 0, 1))))

const small = 2_000
const large = 1_000_000

describe("shop answers larger than the connector's bound", () => {
  const shopifyCredentials = { accessToken: "shpat_test_0123456789", webhookSecret: "shopify-app-secret-0123" }
  const wooCredentials = {
    consumerKey: "ck_0123456789abcdef",
    consumerSecret: "cs_0123456789abcdef",
    webhookSecret: "woo-webhook-secret-1"
  }
  const shops = [
    {
      shop: "Shopify",
      start: () => startFakeShopify({ ...shopifyCredentials, shopDomain: "alpenglow.myshopify.com" }),
      connector: (url: string, maxAnswerBytes: number) =>
        makeShopifyConnector({
          settings: testSettings,
          credentials: shopifyCredentials,
          shopDomain: "alpenglow.myshopify.com",
          apiVersion: "2026-04",
          endpoint: url,
          timeoutMs: 1_000,
          notifyCustomer: false,
          log: () => undefined,
          maxAnswerBytes
        })
    },
    {
      shop: "WooCommerce",
      start: () => startFakeWooCommerce(wooCredentials),
      connector: (url: string, maxAnswerBytes: number) =>
        makeWooCommerceConnector({
          settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
          credentials: wooCredentials,
          url,
          completedStatus: "completed",
          timeoutMs: 1_000,
          maxAnswerBytes
        })
    }
  ]

  for (const { shop, start, connector } of shops) {
    it(`${shop}: a catch-up page over the bound is Malformed; the same page under it is read`, async () => {
      const fake = await start()
      try {
        for (const n of [1, 2, 3]) await fake.placeOrder(sampleOrder(n))
        const over = await catchUp(connector(fake.url(), small))
        expect(over._tag === "Failure" && over.failure).toMatchObject({
          reason: "Malformed",
          message: expect.stringContaining(`more than ${small} bytes`)
        })
        const under = await catchUp(connector(fake.url(), large))
        expect(under._tag === "Success" && under.success.orders).toHaveLength(3)
      } finally {
        await fake.close()
      }
    })
  }

  it("the generic connector: an answer streamed past the bound without a length is Malformed", async () => {
    const server = createServer((_request, response) => {
      // Chunked, with no Content-Length: the bound is found only as the answer arrives.
      response.writeHead(200, { "content-type": "application/json" })
      response.write('{"orders":[],"cursor":"')
      const chunk = "x".repeat(1_000)
      let sent = 0
      const more = () => {
        if (sent++ === 20) return void response.end('","more":false}')
        response.write(chunk, () => setImmediate(more))
      }
      more()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const shopUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const connector = makeSignedWebhookConnector({
        settings: { ...testSettings, id: "generic", type: "webhook", orderIdPrefix: "GEN" },
        credentials: { secret: "generic-shop-secret-0123" },
        shopUrl,
        timeoutMs: 1_000,
        toleranceMs: 300_000,
        maxAnswerBytes: small
      })
      const over = await catchUp(connector)
      expect(over._tag === "Failure" && over.failure).toMatchObject({
        reason: "Malformed",
        message: expect.stringContaining(`more than ${small} bytes`)
      })
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
