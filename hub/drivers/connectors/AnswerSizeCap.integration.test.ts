import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { startFakeShopify } from "../../../fixtures/shops/shopify/FakeShopify.ts"
import { NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { startFakeShopware } from "../../../fixtures/shops/shopware/FakeShopware.ts"
import { testShopHubOptions } from "../../../fixtures/shops/testShopHubOptions.ts"
import { startFakeWooCommerce } from "../../../fixtures/shops/woocommerce/FakeWooCommerce.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"
import { makeShopHub } from "../../core/shop/ShopHub.ts"
import { sampleOrder } from "./shopConformance.suite.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"
import { makeShopwareConnector } from "./shopware/ShopwareConnector.ts"
import { makeSignedWebhookConnector } from "./webhook/SignedWebhookConnector.ts"
import { makeWooCommerceConnector } from "./woocommerce/WooCommerceConnector.ts"

/** The hub's clock as the connectors read it (a Retry-After date, token lifetimes): held at one time. */
const hubClock = StationClock.manual(NOW).clock

/**
 * A shop answering with more than the connector reads (gigabytes in the field; a few KB over a small bound here,
 * the bound being the connector's option): the call fails `Malformed` naming the bound, and the hub stays up.
 */

const catchUp = (connector: ShopConnector) =>
  Effect.runPromise(Effect.result(connector.ordersChangedSince(undefined, 0, Date.UTC(2100, 0, 1))))

const small = 2_000
const large = 1_000_000

const shopwareCredentials = {
  clientId: "SWIA0123456789ABCDEF",
  clientSecret: "shopware-integration-secret",
  appSecret: "shopware-app-secret-01"
}
const shopwareConnector = (url: string, maxAnswerBytes: number) =>
  makeShopwareConnector({
    clock: hubClock,
    settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
    credentials: shopwareCredentials,
    url,
    webhookUrl: undefined,
    timeoutMs: 1_000,
    maxAnswerBytes
  })

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
          clock: hubClock,
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
          clock: hubClock,
          settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
          credentials: wooCredentials,
          url,
          completedStatus: "completed",
          timeoutMs: 1_000,
          maxAnswerBytes
        })
    },
    {
      shop: "Shopware",
      start: () => startFakeShopware(shopwareCredentials),
      connector: (url: string, maxAnswerBytes: number) => shopwareConnector(url, maxAnswerBytes)
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
        clock: hubClock,
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

  it("Shopware in the hub's catch-up: the pass fails naming the shop and the bound, moves no cursor, and is tried again", async () => {
    const fake = await startFakeShopware(shopwareCredentials)
    const dir = mkdtempSync(join(tmpdir(), "pb-answer-cap-"))
    try {
      const placed = []
      for (const n of [1, 2, 3]) placed.push((await fake.placeOrder(sampleOrder(n))).order)
      // The hub's clock is the shop's time of its last order: the test does not depend on the day it runs.
      const nowMs = Math.max(...placed.map((order) => order.updatedAtMs)) + 1_000
      const bounded = shopwareConnector(fake.url(), small)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations)
          const connectorState = () =>
            Effect.map(
              sql.query<{
                poll_cursor: string | null
                poll_failures: number
                next_poll_ms: number
                last_error: string
              }>("SELECT poll_cursor, poll_failures, next_poll_ms, last_error FROM shop_connectors"),
              (rows) => rows[0]
            )
          const overTaken = yield* makeShopHub(sql, Effect.succeed(nowMs), testShopHubOptions([bounded])).pollOnce(
            bounded
          )
          const over = yield* connectorState()
          // The same connector's next pass, due after its backoff, with room for the page: every order comes.
          const roomy = shopwareConnector(fake.url(), large)
          const later = Number(over?.next_poll_ms)
          const underTaken = yield* makeShopHub(sql, Effect.succeed(later), testShopHubOptions([roomy])).pollOnce(roomy)
          const orders = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM shop_orders")
          return { overTaken, over, later, underTaken, orders: Number(orders[0]?.n), under: yield* connectorState() }
        }).pipe(
          Effect.provide(
            Layer.mergeAll(layerSqlite({ filename: join(dir, "hub.db") }), StationClock.manual(nowMs).layer)
          )
        )
      )
      expect(result.overTaken).toBe(0)
      expect(result.over).toMatchObject({ poll_cursor: null, poll_failures: 1 })
      expect(result.over?.last_error).toBe(
        `polling: Malformed: Shopware ${fake.url()} answered with more than ${small} bytes; not read`
      )
      expect(result.later).toBeGreaterThan(nowMs)
      expect(result.underTaken).toBe(3)
      expect(result.orders).toBe(3)
      expect(result.under).toMatchObject({ poll_failures: 0 })
      expect(result.under?.poll_cursor).not.toBeNull()
    } finally {
      await fake.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
