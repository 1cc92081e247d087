import { createHmac } from "node:crypto"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { StationClock } from "../../../../core/time/Clock.ts"
import { type FakeOrder, shopLineId } from "../../../../fixtures/shops/FakeShopCore.ts"
import { startFakeShopify } from "../../../../fixtures/shops/shopify/FakeShopify.ts"
import { NOW, testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import { mapShopOrder } from "../../../core/shop/mapShopOrder.ts"
import type { ShopConnector } from "../../../core/shop/ShopConnector.ts"
import { sampleOrder, shopConformanceSuite } from "../shopConformance.suite.ts"
import { makeShopifyConnector } from "./ShopifyConnector.ts"

/** The hub's clock as the connectors read it (a Retry-After date, token lifetimes): held at one time. */
const hubClock = StationClock.manual(NOW).clock

const credentials = { accessToken: "shpat_test_0123456789", webhookSecret: "shopify-app-secret-0123" }

/** The connector these tests run, against the fake shop at `endpoint`. */
const shopifyConnector = (endpoint: string) =>
  makeShopifyConnector({
    clock: hubClock,
    settings: testSettings,
    credentials,
    shopDomain: "alpenglow.myshopify.com",
    apiVersion: "2026-04",
    endpoint,
    timeoutMs: 1_000,
    notifyCustomer: false,
    log: () => undefined
  })

shopConformanceSuite("Shopify", async () => {
  const fake = await startFakeShopify({ ...credentials, shopDomain: "alpenglow.myshopify.com" })
  const connector = shopifyConnector(fake.url())
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

describe("Shopify orders the connector must not send to a station", () => {
  const rig = async () => {
    const fake = await startFakeShopify({ ...credentials, shopDomain: "alpenglow.myshopify.com" })
    const connector = shopifyConnector(fake.url())
    return { fake, connector }
  }

  /** The order as the webhook path (read by id) and the catch-up path (the orders query) bring it. */
  const bothPaths = (connector: ShopConnector, order: FakeOrder) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const read = yield* connector.readOrder(`gid://shopify/Order/${order.id}`)
        const page = yield* connector.ordersChangedSince(undefined, order.updatedAtMs - 60_000, order.updatedAtMs)
        return [read, page.orders.find((draft) => draft.shopOrderId === `gid://shopify/Order/${order.id}`)]
      })
    )

  it("refuses an order with more line items than one read returns, instead of taking its first 100 lines", async () => {
    const { fake, connector } = await rig()
    try {
      const lines = Array.from({ length: 150 }, (_, index) => ({
        lineId: String(index + 1),
        sku: `ALP-${String(index + 1).padStart(3, "0")}`,
        quantity: 1,
        unitPrice: 1
      }))
      const placed = await fake.placeOrder({
        ...sampleOrder(41),
        lines,
        payment: { method: "card", currency: "EUR", total: 200 }
      })
      for (const draft of await bothPaths(connector, placed.order)) {
        expect(draft).toBeDefined()
        expect(mapShopOrder(draft!, testSettings, placed.order.updatedAtMs)).toEqual({
          ok: false,
          reason: "it has more line items than the 100 the connector reads at once"
        })
      }
    } finally {
      await fake.close()
    }
  })

  it("refuses a test order (Shopify's test payment), which must never be packed and shipped", async () => {
    const { fake, connector } = await rig()
    try {
      const real = await fake.placeOrder(sampleOrder(42))
      const test = await fake.placeOrder(sampleOrder(43), { test: true })
      for (const draft of await bothPaths(connector, test.order)) {
        expect(mapShopOrder(draft!, testSettings, test.order.updatedAtMs)).toEqual({
          ok: false,
          reason: "Shopify marks it a test order: it is not shipped"
        })
      }
      for (const draft of await bothPaths(connector, real.order)) {
        expect(mapShopOrder(draft!, testSettings, real.order.updatedAtMs).ok).toBe(true)
      }
    } finally {
      await fake.close()
    }
  })
})

describe("a Shopify order stamped far ahead of the hub's clock", () => {
  it("does not move the catch-up's cursor past the orders that follow it", async () => {
    const fake = await startFakeShopify({ ...credentials, shopDomain: "alpenglow.myshopify.com" })
    try {
      const connector = shopifyConnector(fake.url())
      const ahead = await fake.placeOrder(sampleOrder(81))
      fake.breakFields(ahead.order.id, { updatedAt: "2099-01-01T00:00:00Z" })
      const first = await fake.placeOrder(sampleOrder(82))
      const nowMs = first.order.updatedAtMs
      const page = await Effect.runPromise(connector.ordersChangedSince(undefined, nowMs - 60_000, nowMs))
      expect(page.orders).toHaveLength(2)
      expect(JSON.parse(page.cursor)).toEqual({
        since: new Date(first.order.updatedAtMs).toISOString(),
        after: null,
        max: new Date(first.order.updatedAtMs).toISOString()
      })
    } finally {
      await fake.close()
    }
  })
})
