import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../../../core/store/Migrations.ts"
import { Sql } from "../../../../core/store/Sql.ts"
import { StationClock } from "../../../../core/time/Clock.ts"
import { layerSqlite } from "../../../../drivers/sqlite/SqliteSql.ts"
import { catchUpPass } from "../../../../fixtures/shops/catchUpPass.ts"
import { shopLineId } from "../../../../fixtures/shops/FakeShopCore.ts"
import { NOW, testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import { shopwareId, startFakeShopware } from "../../../../fixtures/shops/shopware/FakeShopware.ts"
import { testShopHubOptions } from "../../../../fixtures/shops/testShopHubOptions.ts"
import { hubMigrations } from "../../../core/notify/migrations/hubMigrations.ts"
import { makeShopHub, webhookReadsPerRequest } from "../../../core/shop/ShopHub.ts"
import { sampleOrder, shopConformanceSuite } from "../shopConformance.suite.ts"
import { makeShopwareConnector } from "./ShopwareConnector.ts"

/** The hub's clock as the connectors read it (a Retry-After date, token lifetimes): held at one time. */
const hubClock = StationClock.manual(NOW).clock

const credentials = {
  clientId: "SWIA0123456789ABCDEF",
  clientSecret: "shopware-integration-secret",
  appSecret: "shopware-app-secret-01"
}

/** The connector these tests run, against the fake shop at `url`. */
const shopwareConnector = (url: string) =>
  makeShopwareConnector({
    clock: hubClock,
    settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
    credentials,
    url,
    webhookUrl: undefined,
    timeoutMs: 1_000
  })

shopConformanceSuite("Shopware 6", async () => {
  const fake = await startFakeShopware(credentials)
  const connector = shopwareConnector(fake.url())
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
      const connector = shopwareConnector(fake.url())
      const ahead = await fake.placeOrder(sampleOrder(81))
      fake.breakFields(ahead.order.id, { updatedAt: "2099-01-01T00:00:00.000+00:00" })
      const first = await fake.placeOrder(sampleOrder(82))
      const nowMs = first.order.updatedAtMs
      const page = await Effect.runPromise(connector.ordersChangedSince(undefined, nowMs - 60_000, nowMs))
      expect(page.orders).toHaveLength(2)
      const shopTime = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00")
      // The order far ahead was changed (its updatedAt is set): the bound of the changed orders stays where it was.
      expect(JSON.parse(page.cursor)).toEqual({
        created: shopTime(first.order.createdAtMs),
        updated: shopTime(nowMs - 60_000),
        page: 1
      })
    } finally {
      await fake.close()
    }
  })
})

describe("a Shopware webhook that names many orders", () => {
  it("reads a bounded number within the request and leaves the rest to a catch-up poll made due at once", async () => {
    const fake = await startFakeShopware(credentials)
    const dir = mkdtempSync(join(tmpdir(), "pb-shopware-many-"))
    try {
      const connector = shopwareConnector(fake.url())
      const named = webhookReadsPerRequest * 3 + 2
      const placed = []
      for (let n = 0; n < named; n++) placed.push((await fake.placeOrder(sampleOrder(200 + n))).order)
      // The hub's clock is the shop's time of the last order: the test does not depend on the day it runs.
      const nowMs = Math.max(...placed.map((order) => order.updatedAtMs)) + 1_000
      const body = JSON.stringify({
        data: {
          event: "order.written",
          payload: placed.map((order) => ({
            entity: "order",
            operation: "update",
            primaryKey: shopwareId(0xa, order.id)
          }))
        },
        source: { eventId: "bulk-edit-1" }
      })
      const signature = createHmac("sha256", credentials.appSecret).update(body).digest("hex")
      const searches = () => fake.requests.get("POST /api/search/order") ?? 0
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations)
          const hub = makeShopHub(sql, Effect.succeed(nowMs), testShopHubOptions([connector]))
          // A catch-up just ran (before these orders were written, as far as the hub knows): the next is a minute away.
          yield* sql.execute(
            "INSERT INTO shop_connectors (connector_id, poll_cursor, next_poll_ms) VALUES ('shopware', NULL, ?)",
            [nowMs + 60_000]
          )
          const before = searches()
          const answer = yield* hub.receiveWebhook("shopware", {
            headers: { "shopware-shop-signature": signature },
            body: new TextEncoder().encode(body)
          })
          const readInRequest = searches() - before
          const caughtUp = yield* hub.pollOnce(connector)
          const taken = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM shop_orders")
          return { answer, readInRequest, caughtUp, taken: Number(taken[0]?.n) }
        }).pipe(
          Effect.provide(
            Layer.mergeAll(layerSqlite({ filename: join(dir, "hub.db") }), StationClock.manual(nowMs).layer)
          )
        )
      )
      expect(result.answer).toEqual({
        status: 200,
        body: {
          outcomes: Array.from({ length: webhookReadsPerRequest }, () => "upserted"),
          leftToCatchUp: named - webhookReadsPerRequest
        }
      })
      expect(result.readInRequest).toBe(webhookReadsPerRequest)
      expect(result.caughtUp).toBe(named)
      expect(result.taken).toBe(named)
    } finally {
      await fake.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("Shopware catch-up paging", () => {
  it("goes on from a cursor an older hub stored in the middle of a pass, from its bound", async () => {
    const fake = await startFakeShopware(credentials)
    try {
      const startMs = Date.UTC(2026, 5, 1, 8)
      const placed = []
      for (let n = 0; n < 60; n++) {
        fake.now = () => startMs + n * 1_000
        placed.push((await fake.placeOrder(sampleOrder(600 + n))).order)
      }
      fake.now = () => startMs + 90_000
      fake.change(placed[0]!.id)
      // The older hub paged by number through the orders sorted by creation, from one bound for both lists.
      const stored = { since: "2026-06-01T07:59:00.000Z", page: 2, max: "2026-06-01T08:00:49.000+00:00" }
      const pages = await catchUpPass(shopwareConnector(fake.url()), JSON.stringify(stored), 0, startMs + 120_000)
      const read = pages.flatMap((page) => page.orders.map((order) => order.shopOrderId))
      expect(new Set(read)).toEqual(new Set(placed.map((order) => shopwareId(0xa, order.id))))
      expect(JSON.parse(pages.at(-1)?.cursor ?? "")).toEqual({
        created: "2026-06-01T08:00:59.000+00:00",
        updated: "2026-06-01T08:01:30.000+00:00",
        page: 1
      })
    } finally {
      await fake.close()
    }
  })
})
