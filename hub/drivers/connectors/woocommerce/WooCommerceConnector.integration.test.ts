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
import { testShopHubOptions } from "../../../../fixtures/shops/testShopHubOptions.ts"
import { startFakeWooCommerce } from "../../../../fixtures/shops/woocommerce/FakeWooCommerce.ts"
import { hubMigrations } from "../../../core/notify/migrations/hubMigrations.ts"
import type { ShopConnector } from "../../../core/shop/ShopConnector.ts"
import { makeShopHub, type ShopHub } from "../../../core/shop/ShopHub.ts"
import { sampleOrder, shopConformanceSuite } from "../shopConformance.suite.ts"
import { makeWooCommerceConnector } from "./WooCommerceConnector.ts"

/** The hub's clock as the connectors read it (a Retry-After date, token lifetimes): held at one time. */
const hubClock = StationClock.manual(NOW).clock

const credentials = {
  consumerKey: "ck_0123456789abcdef",
  consumerSecret: "cs_0123456789abcdef",
  webhookSecret: "woo-webhook-secret-1"
}

/** The connector these tests run, against the fake shop at `url`. */
const wooConnector = (url: string) =>
  makeWooCommerceConnector({
    clock: hubClock,
    settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
    credentials,
    url,
    completedStatus: "completed",
    timeoutMs: 1_000
  })

/** `body` as WooCommerce posts it to a webhook: its topic, ids and the signature over the raw bytes. */
const signedWebhook = (topic: string, delivery: string, body: string, secret = credentials.webhookSecret) => ({
  headers: {
    "x-wc-webhook-topic": topic,
    "x-wc-webhook-id": "7",
    "x-wc-webhook-delivery-id": delivery,
    "x-wc-webhook-signature": createHmac("sha256", secret).update(body).digest("base64")
  },
  body: new TextEncoder().encode(body)
})

/** `body` against a fresh fake WooCommerce, its connector and a scratch directory, all gone after it. */
const withFakeShop = async (
  prefix: string,
  body: (fake: Awaited<ReturnType<typeof startFakeWooCommerce>>, connector: ShopConnector, dir: string) => Promise<void>
) => {
  const fake = await startFakeWooCommerce(credentials)
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    await body(fake, wooConnector(fake.url()), dir)
  } finally {
    await fake.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

shopConformanceSuite("WooCommerce", async () => {
  const fake = await startFakeWooCommerce(credentials)
  const connector = wooConnector(fake.url())
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
      return signedWebhook("order.created", "d-1", body, forged ? "wrong-secret-000" : credentials.webhookSecret)
    },
    tracksUnits: true,
    close: fake.close
  }
})

describe("WooCommerce address update against a shop that keeps the old address", () => {
  it("is refused with the reason when the order comes back without the address sent", async () => {
    const fake = await startFakeWooCommerce(credentials)
    try {
      const connector = wooConnector(fake.url())
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

/** The hub's shop side over a SQLite file with the one connector, at a time the test sets. */
const runHub = <A, E>(
  connector: ShopConnector,
  nowMs: number,
  filename: string,
  effect: (hub: ShopHub, sql: Sql["Service"]) => Effect.Effect<A, E>
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* Sql
      yield* migrate(hubMigrations)
      const hub = makeShopHub(sql, Effect.succeed(nowMs), testShopHubOptions([connector]))
      return yield* effect(hub, sql)
    }).pipe(Effect.provide(Layer.mergeAll(layerSqlite({ filename }), StationClock.manual(nowMs).layer)))
  )

describe("WooCommerce orders with a field the hub cannot read", () => {
  it("quarantines an order whose creation date is not a date, by catch-up and by webhook, and takes the others", async () => {
    await withFakeShop("pb-woo-broken-", async (fake, connector, dir) => {
      const broken = await fake.placeOrder(sampleOrder(51))
      const fine = await fake.placeOrder(sampleOrder(52))
      const garbled = await fake.placeOrder(sampleOrder(53))
      // WooCommerce answers a date it does not have as null (wc_rest_prepare_date_response).
      fake.breakFields(broken.order.id, { date_created_gmt: null })
      fake.breakFields(garbled.order.id, { date_modified_gmt: "not a date" })
      const nowMs = Math.max(broken.order.updatedAtMs, fine.order.updatedAtMs, garbled.order.updatedAtMs)
      const webhookBody = JSON.stringify({
        id: 9001,
        number: "9001",
        status: "processing",
        currency: "EUR",
        date_created_gmt: "2026-02-30 25:61:00",
        date_modified_gmt: new Date(nowMs).toISOString().slice(0, 19),
        total: "12.90",
        customer_id: 0,
        billing: { first_name: "Mia", last_name: "Berg", email: "mia@example.com" },
        shipping: {
          first_name: "Mia",
          last_name: "Berg",
          company: "",
          address_1: "Hafenstraße 1",
          address_2: "",
          city: "Hamburg",
          state: "",
          postcode: "20457",
          country: "DE"
        },
        line_items: [{ id: 1, sku: "ALP-MUG-01", quantity: 1, total: "12.90", total_tax: "0.00", meta_data: [] }],
        shipping_lines: [],
        meta_data: []
      })
      const result = await runHub(connector, nowMs, join(dir, "hub.db"), (hub, sql) =>
        Effect.gen(function* () {
          const polled = yield* hub.pollOnce(connector)
          const cursor = yield* sql.query<{ poll_cursor: string }>("SELECT poll_cursor FROM shop_connectors")
          const webhook = yield* hub.receiveWebhook("woo", signedWebhook("order.created", "d-broken", webhookBody))
          return {
            polled,
            cursor: JSON.parse(cursor[0]?.poll_cursor ?? "{}"),
            webhook,
            taken: yield* sql.query<{ shop_order_id: string }>("SELECT shop_order_id FROM shop_orders"),
            quarantined: yield* sql.query<{ shop_order_id: string; reason: string }>(
              "SELECT shop_order_id, reason FROM shop_quarantine ORDER BY shop_order_id"
            )
          }
        })
      )
      expect(result.polled).toBe(3)
      // The next catch-up starts a second before the newest readable change, not at "not a date".
      expect(result.cursor).toEqual({
        since: new Date(Math.max(broken.order.updatedAtMs, fine.order.updatedAtMs) - 1000).toISOString().slice(0, 19),
        page: 1,
        max: new Date(Math.max(broken.order.updatedAtMs, fine.order.updatedAtMs)).toISOString().slice(0, 19)
      })
      expect(result.webhook).toEqual({ status: 200, body: { outcomes: ["quarantined"] } })
      expect(result.taken).toEqual([{ shop_order_id: String(fine.order.id) }])
      expect(result.quarantined).toEqual([
        { shop_order_id: String(broken.order.id), reason: 'placed-at "null" is not a date' },
        { shop_order_id: String(garbled.order.id), reason: "change time NaN is not a plausible time" },
        { shop_order_id: "9001", reason: 'placed-at "2026-02-30 25:61:00" is not a date' }
      ])
    })
  })
})

describe("WooCommerce changes within one second", () => {
  it("takes the state the shop has when a webhook of the same second came late or out of order", async () => {
    await withFakeShop("pb-woo-second-", async (fake, connector, dir) => {
      const placed = await fake.placeOrder(sampleOrder(61))
      // The checkout saves the order as pending, and the gateway's payment makes it processing in the same second:
      // WooCommerce's change times are whole seconds, so both webhooks carry the same date_modified_gmt.
      const rendered = async (status: string) => {
        placed.order.status = status
        const login = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`).toString("base64")
        const response = await fetch(`${fake.url()}/wp-json/wc/v3/orders/${placed.order.id}`, {
          headers: { authorization: `Basic ${login}` }
        })
        return response.text()
      }
      const pending = await rendered("pending")
      const processing = await rendered("processing")
      expect(JSON.parse(pending).date_modified_gmt).toBe(JSON.parse(processing).date_modified_gmt)
      const result = await runHub(connector, placed.order.updatedAtMs, join(dir, "hub.db"), (hub, sql) =>
        Effect.gen(function* () {
          const first = yield* hub.receiveWebhook("woo", signedWebhook("order.updated", "d-1", pending))
          const second = yield* hub.receiveWebhook("woo", signedWebhook("order.updated", "d-2", processing))
          yield* hub.pollOnce(connector)
          const messages = yield* sql.query<{ topic: string }>("SELECT topic FROM shop_messages ORDER BY seq")
          const stored = yield* sql.query<{ state: string }>("SELECT state FROM shop_orders")
          return { first, second, messages, stored }
        })
      )
      expect(result.first).toEqual({ status: 200, body: { outcomes: ["awaiting-payment"] } })
      // A body cannot say it is the later of two in one second: the catch-up reads the order as the shop has it.
      expect(result.second).toEqual({ status: 200, body: { outcomes: ["stale"] } })
      expect(result.stored).toEqual([{ state: "open" }])
      expect(result.messages.map((message) => message.topic)).toEqual(["packbench/v1/HAM1/all/inbox/order.upsert"])
    })
  })
})

describe("WooCommerce orders stamped far ahead of the hub's clock", () => {
  it("quarantines such an order without moving the catch-up past the orders that follow it", async () => {
    await withFakeShop("pb-woo-ahead-", async (fake, connector, dir) => {
      const ahead = await fake.placeOrder(sampleOrder(71))
      // A shop whose clock once ran years ahead (or an import that wrote such a date) keeps that change time.
      fake.breakFields(ahead.order.id, { date_modified_gmt: "2099-01-01T00:00:00" })
      const first = await fake.placeOrder(sampleOrder(72))
      const firstPollMs = Math.max(ahead.order.updatedAtMs, first.order.updatedAtMs)
      const filename = join(dir, "hub.db")
      const polled = await runHub(connector, firstPollMs, filename, (hub, sql) =>
        Effect.gen(function* () {
          const taken = yield* hub.pollOnce(connector)
          const cursor = yield* sql.query<{ poll_cursor: string }>("SELECT poll_cursor FROM shop_connectors")
          return { taken, cursor: JSON.parse(cursor[0]?.poll_cursor ?? "{}") as { since: string } }
        })
      )
      expect(polled.taken).toBe(2)
      // The next catch-up starts a second before the newest change that is plausible, not in 2099.
      expect(polled.cursor.since).toBe(new Date(first.order.updatedAtMs - 1000).toISOString().slice(0, 19))
      const later = await fake.placeOrder(sampleOrder(73))
      const result = await runHub(connector, later.order.updatedAtMs, filename, (hub, sql) =>
        Effect.gen(function* () {
          yield* sql.execute("UPDATE shop_connectors SET next_poll_ms = 0")
          yield* hub.pollOnce(connector)
          return {
            taken: yield* sql.query<{ shop_order_id: string }>("SELECT shop_order_id FROM shop_orders ORDER BY 1"),
            quarantined: yield* sql.query<{ shop_order_id: string; reason: string }>(
              "SELECT shop_order_id, reason FROM shop_quarantine"
            )
          }
        })
      )
      expect(result.taken).toEqual([
        { shop_order_id: String(first.order.id) },
        { shop_order_id: String(later.order.id) }
      ])
      expect(result.quarantined).toEqual([
        {
          shop_order_id: String(ahead.order.id),
          reason: `change time ${Date.parse("2099-01-01T00:00:00Z")} is not a plausible time`
        }
      ])
    })
  })
})

describe("WooCommerce catch-up paging", () => {
  /** The pages of one catch-up pass from `cursor`: the orders' ids, the cursor as stored, and `more`. */
  const pass = async (connector: ShopConnector, cursor: string | undefined, sinceMs: number, nowMs: number) =>
    (await catchUpPass(connector, cursor, sinceMs, nowMs)).map((page) => ({
      ids: page.orders.map((order) => order.shopOrderId),
      cursor: JSON.parse(page.cursor),
      more: page.more
    }))

  it("reads more orders changed in one second than a page holds by page number, then asks from the newest change", async () => {
    await withFakeShop("pb-woo-one-second-", async (fake, connector) => {
      const secondMs = Date.UTC(2026, 5, 1, 8)
      fake.now = () => secondMs
      const bulk = []
      for (let n = 1; n <= 60; n++) bulk.push((await fake.placeOrder(sampleOrder(300 + n))).order)
      fake.now = () => secondMs + 5_000
      const later = (await fake.placeOrder(sampleOrder(400))).order
      const pages = await pass(connector, undefined, secondMs - 60_000, secondMs + 60_000)
      // The first page moves the cursor to the second before its newest change; the same page again gives no newer
      // time, so the second page of that `since` follows; it reaches a later change, asked from again at the end.
      expect(pages.map((page) => [page.cursor, page.more])).toEqual([
        [{ since: "2026-06-01T07:59:59", page: 1, max: "2026-06-01T08:00:00" }, true],
        [{ since: "2026-06-01T07:59:59", page: 2, max: "2026-06-01T08:00:00" }, true],
        [{ since: "2026-06-01T08:00:04", page: 1, max: "2026-06-01T08:00:05" }, false]
      ])
      expect(new Set(pages.flatMap((page) => page.ids))).toEqual(
        new Set([...bulk, later].map((order) => String(order.id)))
      )
    })
  })

  it("goes on from a cursor an older hub stored in the middle of a pass", async () => {
    await withFakeShop("pb-woo-old-cursor-", async (fake, connector) => {
      const startMs = Date.UTC(2026, 5, 1, 8)
      const placed = []
      for (let n = 0; n < 60; n++) {
        fake.now = () => startMs + n * 1_000
        placed.push((await fake.placeOrder(sampleOrder(500 + n))).order)
      }
      // The older hub paged by number: it had read page 1 of the orders changed after 07:59:00.
      const stored = { since: "2026-06-01T07:59:00", page: 2, max: "2026-06-01T08:00:49" }
      const pages = await pass(connector, JSON.stringify(stored), startMs - 60_000, startMs + 120_000)
      expect(pages).toEqual([
        {
          ids: placed.slice(50).map((order) => String(order.id)),
          cursor: { since: "2026-06-01T08:00:58", page: 1, max: "2026-06-01T08:00:59" },
          more: false
        }
      ])
    })
  })
})
