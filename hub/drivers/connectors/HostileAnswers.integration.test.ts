import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { Order } from "../../../core/orders/Order.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { type FakeOrder, type FakeShopCore, shopLineId } from "../../../fixtures/shops/FakeShopCore.ts"
import { startFakeShopify } from "../../../fixtures/shops/shopify/FakeShopify.ts"
import { NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { shopwareId, startFakeShopware } from "../../../fixtures/shops/shopware/FakeShopware.ts"
import { testShopHubOptions } from "../../../fixtures/shops/testShopHubOptions.ts"
import { startFakeWooCommerce } from "../../../fixtures/shops/woocommerce/FakeWooCommerce.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { enqueuePush } from "../../core/shop/PushQueue.ts"
import type { RefundUnit } from "../../core/shop/RefundUnit.ts"
import type {
  AddressPush,
  FulfillmentPush,
  RawWebhook,
  RefundPush,
  ShopConnector,
  ShopError
} from "../../core/shop/ShopConnector.ts"
import { makeShopHub, type ShopHub } from "../../core/shop/ShopHub.ts"
import { sampleOrder } from "./shopConformance.suite.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"
import { makeShopwareConnector } from "./shopware/ShopwareConnector.ts"
import { makeSignedWebhookConnector } from "./webhook/SignedWebhookConnector.ts"
import { makeWooCommerceConnector } from "./woocommerce/WooCommerceConnector.ts"

/** The hub's clock as the connectors read it (a Retry-After date, token lifetimes): held at one time. */
const hubClock = StationClock.manual(NOW).clock

/**
 * Shops answering what a connector cannot use — a shop bug, a plugin, an upgrade, a proxy in front of the shop — to a
 * push and to a read. Each call fails `Malformed`, naming the shop, the request and the field; the hub keeps the push
 * queued and the catch-up cursor where it was, tries again after its backoff, and the push then reaches the shop once.
 * An answer that stays unusable hands the push to a manager at its third failure, and the Shop card names a catch-up
 * that failed three passes in a row (`testShopHubOptions`).
 */

/** A fake shop with its connector, as these tests drive them. */
interface Rig {
  readonly shop: string
  readonly fake: FakeShopCore & {
    readonly placeOrder: (order: Order) => Promise<{ readonly order: FakeOrder }>
    readonly breakFields: (id: number, fields: Record<string, unknown>) => void
  }
  readonly connector: ShopConnector
  /** The shop as the connector's messages name it. */
  readonly name: string
  readonly shopOrderId: (order: FakeOrder) => string
  readonly shopLineId: (order: FakeOrder, lineId: string) => string
  /** The order's webhook as the shop signs it (Shopify's and Shopware's name the order, which is then read). */
  readonly webhook: (order: FakeOrder) => RawWebhook
}

const shopwareCredentials = {
  clientId: "SWIA0123456789ABCDEF",
  clientSecret: "shopware-integration-secret",
  appSecret: "shopware-app-secret-01"
}
const shopifyCredentials = { accessToken: "shpat_test_0123456789", webhookSecret: "shopify-app-secret-0123" }
const wooCredentials = {
  consumerKey: "ck_0123456789abcdef",
  consumerSecret: "cs_0123456789abcdef",
  webhookSecret: "woo-webhook-secret-1"
}

const rigs: Record<"Shopware" | "Shopify" | "WooCommerce", () => Promise<Rig>> = {
  Shopware: async () => {
    const fake = await startFakeShopware(shopwareCredentials)
    return {
      shop: "Shopware",
      fake,
      connector: makeShopwareConnector({
        clock: hubClock,
        settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
        credentials: shopwareCredentials,
        url: fake.url(),
        webhookUrl: undefined,
        timeoutMs: 1_000
      }),
      name: `Shopware ${fake.url()}`,
      shopOrderId: (order) => shopwareId(0xa, order.id),
      shopLineId: (order, lineId) => shopwareId(0xb, shopLineId(order, lineId)),
      webhook: (order) => {
        const body = JSON.stringify({
          data: { payload: [{ entity: "order", operation: "update", primaryKey: shopwareId(0xa, order.id) }] },
          source: { eventId: "e-1" }
        })
        return {
          headers: {
            "shopware-shop-signature": createHmac("sha256", shopwareCredentials.appSecret).update(body).digest("hex")
          },
          body: new TextEncoder().encode(body)
        }
      }
    }
  },
  Shopify: async () => {
    const fake = await startFakeShopify({ ...shopifyCredentials, shopDomain: "alpenglow.myshopify.com" })
    return {
      shop: "Shopify",
      fake,
      connector: makeShopifyConnector({
        clock: hubClock,
        settings: testSettings,
        credentials: shopifyCredentials,
        shopDomain: "alpenglow.myshopify.com",
        apiVersion: "2026-04",
        endpoint: fake.url(),
        timeoutMs: 1_000,
        notifyCustomer: false,
        log: () => undefined
      }),
      name: "Shopify alpenglow.myshopify.com",
      shopOrderId: (order) => `gid://shopify/Order/${order.id}`,
      shopLineId: (order, lineId) => `gid://shopify/LineItem/${shopLineId(order, lineId)}`,
      webhook: (order) => {
        const body = JSON.stringify({ id: order.id, admin_graphql_api_id: `gid://shopify/Order/${order.id}` })
        return {
          headers: {
            "x-shopify-topic": "orders/updated",
            "x-shopify-webhook-id": `w-${order.id}`,
            "x-shopify-hmac-sha256": createHmac("sha256", shopifyCredentials.webhookSecret)
              .update(body)
              .digest("base64")
          },
          body: new TextEncoder().encode(body)
        }
      }
    }
  },
  WooCommerce: async () => {
    const fake = await startFakeWooCommerce(wooCredentials)
    return {
      shop: "WooCommerce",
      fake,
      connector: makeWooCommerceConnector({
        clock: hubClock,
        settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
        credentials: wooCredentials,
        url: fake.url(),
        completedStatus: "completed",
        timeoutMs: 1_000
      }),
      name: `WooCommerce ${fake.url()}`,
      shopOrderId: (order) => String(order.id),
      shopLineId: (order, lineId) => shopLineId(order, lineId),
      webhook: () => ({ headers: {}, body: new Uint8Array() })
    }
  }
}

let open: Rig | undefined
afterEach(async () => {
  await open?.fake.close()
  open = undefined
})

const start = async (shop: keyof typeof rigs) => {
  open = await rigs[shop]()
  // The shop's clock stamps its orders: the tests do not depend on the day they run.
  open.fake.now = () => NOW - 60_000
  return open
}

/** `steps` against a hub database of its own; `hubAt(ms)` is the hub with its clock at `ms`. */
const onHub = async <A>(
  connector: ShopConnector,
  steps: (sql: Sql["Service"], hubAt: (nowMs: number) => ShopHub) => Effect.Effect<A, unknown>
): Promise<A> => {
  const dir = mkdtempSync(join(tmpdir(), "pb-hostile-answers-"))
  try {
    return await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(hubMigrations)
        return yield* steps(sql, (nowMs) => makeShopHub(sql, Effect.succeed(nowMs), testShopHubOptions([connector])))
      }).pipe(
        Effect.provide(Layer.mergeAll(layerSqlite({ filename: join(dir, "hub.db") }), StationClock.manual(NOW).layer))
      )
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const pushRow = (sql: Sql["Service"]) =>
  Effect.map(
    sql.query<{ status: string; last_error: string | null; attempts: number }>(
      "SELECT status, last_error, attempts FROM shop_pushes"
    ),
    (rows) => rows[0]
  )

const connectorRow = (sql: Sql["Service"]) =>
  Effect.map(
    sql.query<{
      push_failures: number | null
      next_push_ms: number | null
      poll_cursor: string | null
      poll_failures: number | null
      next_poll_ms: number | null
      last_error: string | null
    }>("SELECT push_failures, next_push_ms, poll_cursor, poll_failures, next_poll_ms, last_error FROM shop_connectors"),
    (rows) => rows[0]
  )

const trackingNumber = "00340434161094042557"

/** A refund of one unit (12.90 EUR of line 1) or a parcel of it, queued as the hub queues them. */
const queuePush = (sql: Sql["Service"], rig: Rig, kind: "refund" | "fulfillment", order: FakeOrder) => {
  const base = { connectorId: rig.connector.settings.id, orderId: "X-1", dueMs: NOW }
  if (kind === "refund") {
    const unit: RefundUnit = {
      itemRef: "IR-1",
      orderId: "X-1",
      shopOrderId: rig.shopOrderId(order),
      lineId: "1",
      shopLineId: rig.shopLineId(order, "1"),
      unit: 1,
      amountCents: 1290,
      currency: "EUR",
      returnId: "R-1",
      siteId: "HAM1",
      stationId: "PACK-01"
    }
    return enqueuePush(
      sql,
      { ...base, kind, idempotencyKey: "packbench-ev-r1", subject: "IR-1", groupKey: "X-1/HAM1/R-1", payload: unit },
      NOW
    )
  }
  const parcel: FulfillmentPush = {
    idempotencyKey: "packbench-ev-p1",
    orderId: "X-1",
    shopOrderId: rig.shopOrderId(order),
    parcelId: "P-1",
    carrier: "dhl-paket",
    carrierName: "DHL",
    trackingNumber,
    trackingUrl: undefined,
    lines: [{ lineId: "1", shopLineId: rig.shopLineId(order, "1"), quantity: 1 }],
    completesOrder: false
  }
  return enqueuePush(
    sql,
    { ...base, kind, idempotencyKey: parcel.idempotencyKey, subject: "P-1", groupKey: "P-1", payload: parcel },
    NOW
  )
}

interface Hostile {
  /** The request as the fake counts it (`FakeShopCore.requests`), answered with `body`. */
  readonly route: string
  readonly body: unknown
  /** The request as the connector names it, and what is wrong with the answer. */
  readonly request: (shopOrderId: string) => string
  readonly problem: string
}

const pushCases: ReadonlyArray<readonly [keyof typeof rigs, "refund" | "fulfillment", Hostile]> = [
  [
    "Shopware",
    "refund",
    {
      route: "POST /api/search/order-transaction-capture",
      body: { total: 1, data: "x" },
      request: () => "POST /search/order-transaction-capture",
      problem: "data: Expected array"
    }
  ],
  [
    "Shopware",
    "fulfillment",
    {
      route: "POST /api/search/order",
      body: {
        total: 1,
        data: [{ deliveries: [{ id: "../order/1", trackingCodes: [], stateMachineState: { technicalName: "open" } }] }]
      },
      request: () => "POST /search/order",
      problem: "data[0].deliveries[0].id: Expected a Shopware id (32 lower-case hex digits)"
    }
  ],
  [
    "Shopify",
    "refund",
    {
      route: "PackbenchTransactions",
      body: { data: { order: { transactions: "x" } } },
      request: () => "PackbenchTransactions",
      problem: "data.order.transactions: Expected array"
    }
  ],
  [
    "Shopify",
    "fulfillment",
    {
      route: "PackbenchFulfillmentState",
      body: {
        data: {
          order: {
            fulfillments: [],
            fulfillmentOrders: {
              nodes: [
                {
                  id: "gid://shopify/FulfillmentOrder/1",
                  status: "OPEN",
                  lineItems: {
                    nodes: [
                      {
                        id: "gid://shopify/FulfillmentOrderLineItem/1",
                        remainingQuantity: -1,
                        lineItem: { id: "gid://shopify/LineItem/1" }
                      }
                    ]
                  }
                }
              ]
            }
          }
        }
      },
      request: () => "PackbenchFulfillmentState",
      problem:
        "data.order.fulfillmentOrders.nodes[0].lineItems.nodes[0].remainingQuantity: Expected a value between 0 and 999"
    }
  ],
  [
    "WooCommerce",
    "refund",
    {
      route: "GET orders/:id/refunds",
      body: { refunds: [] },
      request: (id) => `GET orders/${id}/refunds`,
      problem: "the answer: Expected array"
    }
  ],
  [
    "WooCommerce",
    "fulfillment",
    {
      route: "GET orders/:id",
      body: { id: 1, meta_data: "x" },
      request: (id) => `GET orders/${id}`,
      problem: "meta_data: Expected array"
    }
  ]
]

describe("a push whose answer the connector cannot use", () => {
  it.each(pushCases)(
    "%s %s: Malformed naming the shop, the request and the field; the push stays queued and goes through once later",
    async (shop, kind, hostile) => {
      const rig = await start(shop)
      const { order } = await rig.fake.placeOrder(sampleOrder(1))
      const result = await onHub(rig.connector, (sql, hubAt) =>
        Effect.gen(function* () {
          yield* queuePush(sql, rig, kind, order)
          rig.fake.faults.answer = { route: hostile.route, body: hostile.body, count: 1 }
          const first = yield* hubAt(NOW).drain(rig.connector)
          const pending = yield* pushRow(sql)
          const connector = yield* connectorRow(sql)
          const atShop = kind === "refund" ? order.refunds.length : order.fulfillments.length
          const retryAt = Number(connector?.next_push_ms)
          const early = yield* hubAt(retryAt - 1).drain(rig.connector)
          yield* hubAt(retryAt).drain(rig.connector)
          return { first, pending, connector, atShop, retryAt, early, done: yield* pushRow(sql) }
        })
      )
      const message = `Malformed: ${rig.name}: the answer to ${hostile.request(rig.shopOrderId(order))} cannot be used: ${hostile.problem}`
      expect(result.first).toBe("waiting")
      expect(result.pending).toMatchObject({ status: "queued", last_error: message })
      expect(result.connector).toMatchObject({ push_failures: 1, last_error: message })
      expect(result.retryAt).toBeGreaterThan(NOW)
      expect(result.atShop).toBe(0)
      expect(result.early).toBe("waiting")
      expect(result.done).toMatchObject({ status: "done", attempts: 2 })
      if (kind === "refund") expect(order.refunds.map((refund) => refund.amountCents)).toEqual([1290])
      else expect(order.fulfillments.map((fulfillment) => fulfillment.trackingNumber)).toEqual([trackingNumber])
    }
  )
})

describe("a push whose answer stays unusable", () => {
  it.each(pushCases)(
    "%s %s: handed to a manager after its third attempt, naming the field; a manager's retry sends it, and it reaches the shop once",
    async (shop, kind, hostile) => {
      const rig = await start(shop)
      const { order } = await rig.fake.placeOrder(sampleOrder(1))
      const result = await onHub(rig.connector, (sql, hubAt) =>
        Effect.gen(function* () {
          yield* queuePush(sql, rig, kind, order)
          rig.fake.faults.answer = { route: hostile.route, body: hostile.body, count: 1_000 }
          let atMs = NOW
          const outcomes: Array<string> = []
          for (let attempt = 1; attempt <= 3; attempt++) {
            outcomes.push(yield* hubAt(atMs).drain(rig.connector))
            atMs = Math.max(atMs, Number((yield* connectorRow(sql))?.next_push_ms))
          }
          const handedOver = yield* pushRow(sql)
          const card = (yield* hubAt(atMs).status).connectors[0]
          const asked = rig.fake.requests.get(hostile.route)
          const laterMs = atMs + 3_600_000
          const later = yield* hubAt(laterMs).drain(rig.connector)
          const askedLater = rig.fake.requests.get(hostile.route)
          delete rig.fake.faults.answer
          const retried = yield* hubAt(laterMs).decidePush({
            pushId: card?.failedPushes[0]?.pushId ?? "",
            action: "retry",
            actor: "B-9001 Max Manager",
            reason: "the shop's plugin is fixed"
          })
          yield* hubAt(laterMs).drain(rig.connector)
          return { outcomes, handedOver, card, asked, later, askedLater, retried, done: yield* pushRow(sql) }
        })
      )
      const message = `Malformed: ${rig.name}: the answer to ${hostile.request(rig.shopOrderId(order))} cannot be used: ${hostile.problem}`
      expect(result.outcomes).toEqual(["waiting", "waiting", "idle"])
      expect(result.handedOver).toMatchObject({ status: "failed", last_error: message, attempts: 3 })
      expect(result.card?.failedPushes).toEqual([
        expect.objectContaining({ kind, failedAs: "malformed", attempts: 3, lastError: message })
      ])
      // Handed over, it is not sent again until a manager says so.
      expect(result.later).toBe("idle")
      expect(result.askedLater).toBe(result.asked)
      expect(result.retried.ok).toBe(true)
      expect(result.done).toMatchObject({ status: "done", attempts: 4 })
      if (kind === "refund") expect(order.refunds.map((refund) => refund.amountCents)).toEqual([1290])
      else expect(order.fulfillments.map((fulfillment) => fulfillment.trackingNumber)).toEqual([trackingNumber])
    }
  )
})

const readCases: ReadonlyArray<readonly [keyof typeof rigs, Hostile]> = [
  [
    "Shopware",
    {
      route: "POST /api/search/order",
      body: { total: 1, data: { "0": {} } },
      request: () => "POST /search/order",
      problem: "data: Expected array"
    }
  ],
  [
    "Shopify",
    {
      route: "PackbenchOrders",
      body: { data: { orders: { pageInfo: { hasNextPage: false }, nodes: [] } } },
      request: () => "PackbenchOrders",
      problem: "data.orders.pageInfo.endCursor: Missing key"
    }
  ],
  [
    "WooCommerce",
    {
      route: "GET orders",
      body: { orders: [] },
      request: () => "GET orders",
      problem: "the answer: Expected array"
    }
  ]
]

describe("a catch-up page the connector cannot use", () => {
  it.each(readCases)(
    "%s: the pass fails Malformed naming the shop, the request and the field, keeps its cursor, and reads the order later",
    async (shop, hostile) => {
      const rig = await start(shop)
      await rig.fake.placeOrder(sampleOrder(2))
      const result = await onHub(rig.connector, (sql, hubAt) =>
        Effect.gen(function* () {
          rig.fake.faults.answer = { route: hostile.route, body: hostile.body, count: 1 }
          const first = yield* hubAt(NOW).pollOnce(rig.connector)
          const failed = yield* connectorRow(sql)
          const again = yield* hubAt(Number(failed?.next_poll_ms)).pollOnce(rig.connector)
          const orders = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM shop_orders")
          return { first, failed, again, orders: Number(orders[0]?.n), after: yield* connectorRow(sql) }
        })
      )
      expect(result.first).toBe(0)
      expect(result.failed).toMatchObject({
        poll_cursor: null,
        poll_failures: 1,
        last_error: `polling: Malformed: ${rig.name}: the answer to ${hostile.request("")} cannot be used: ${hostile.problem}`
      })
      expect(Number(result.failed?.next_poll_ms)).toBeGreaterThan(NOW)
      expect(result.again).toBe(1)
      expect(result.orders).toBe(1)
      expect(result.after?.poll_failures).toBe(0)
      expect(result.after?.poll_cursor).not.toBeNull()
    }
  )
})

describe("a catch-up page that stays unusable", () => {
  it.each(readCases)(
    "%s: the Shop card names the request and the field after the third pass, the cursor stays, and the order is read once the shop answers",
    async (shop, hostile) => {
      const rig = await start(shop)
      await rig.fake.placeOrder(sampleOrder(2))
      const result = await onHub(rig.connector, (sql, hubAt) =>
        Effect.gen(function* () {
          rig.fake.faults.answer = { route: hostile.route, body: hostile.body, count: 1_000 }
          let atMs = NOW
          const problems: Array<unknown> = []
          for (let pass = 1; pass <= 3; pass++) {
            yield* hubAt(atMs).pollOnce(rig.connector)
            problems.push((yield* hubAt(atMs).status).connectors[0]?.catchUpProblem ?? null)
            atMs = Number((yield* connectorRow(sql))?.next_poll_ms)
          }
          const stuck = yield* connectorRow(sql)
          delete rig.fake.faults.answer
          const taken = yield* hubAt(atMs).pollOnce(rig.connector)
          const card = (yield* hubAt(atMs).status).connectors[0]
          return { problems, stuck, taken, card }
        })
      )
      const message = `Malformed: ${rig.name}: the answer to ${hostile.request("")} cannot be used: ${hostile.problem}`
      expect(result.problems).toEqual([null, null, { reason: "malformed", message, failures: 3, sinceMs: NOW }])
      expect(result.stuck).toMatchObject({ poll_cursor: null, poll_failures: 3 })
      expect(result.taken).toBe(1)
      expect(result.card?.catchUpProblem).toBeNull()
    }
  )
})

const webhookReadCases: ReadonlyArray<readonly [keyof typeof rigs, Hostile]> = [
  [
    "Shopware",
    {
      route: "POST /api/search/order",
      body: { total: "one", data: [] },
      request: () => "POST /search/order",
      problem: "total: Expected number | undefined"
    }
  ],
  [
    "Shopify",
    {
      route: "PackbenchOrder",
      body: { data: null },
      request: () => "PackbenchOrder",
      problem: "data: Expected object"
    }
  ]
]

describe("an order a webhook names, read with an answer the connector cannot use", () => {
  it.each(webhookReadCases)(
    "%s: the hub answers 503 naming the shop, the request and the field, and takes the order when the shop sends it again",
    async (shop, hostile) => {
      const rig = await start(shop)
      const { order } = await rig.fake.placeOrder(sampleOrder(3))
      const result = await onHub(rig.connector, (sql, hubAt) =>
        Effect.gen(function* () {
          rig.fake.faults.answer = { route: hostile.route, body: hostile.body, count: 1 }
          const hub = hubAt(NOW)
          const refused = yield* hub.receiveWebhook(rig.connector.settings.id, rig.webhook(order))
          const failed = yield* connectorRow(sql)
          const again = yield* hub.receiveWebhook(rig.connector.settings.id, rig.webhook(order))
          return { refused, failed, again }
        })
      )
      expect(result.refused.status).toBe(503)
      expect(result.failed?.last_error).toBe(
        `reading order ${rig.shopOrderId(order)}: ${rig.name}: the answer to ${hostile.request("")} cannot be used: ${hostile.problem}`
      )
      expect(result.again).toEqual({ status: 200, body: { outcomes: ["upserted"] } })
    }
  )
})

const refundOf = (rig: Rig, order: FakeOrder): RefundPush => ({
  idempotencyKey: "packbench-ev-r2",
  orderId: "X-1",
  shopOrderId: rig.shopOrderId(order),
  currency: "EUR",
  lines: [{ lineId: "1", shopLineId: rig.shopLineId(order, "1"), quantity: 1, amountCents: 1290 }],
  amountCents: 1290,
  note: "Packbench return R-2"
})

const parcelOf = (rig: Rig, order: FakeOrder): FulfillmentPush => ({
  idempotencyKey: "packbench-ev-p2",
  orderId: "X-1",
  shopOrderId: rig.shopOrderId(order),
  parcelId: "P-2",
  carrier: "dhl-paket",
  carrierName: "DHL",
  trackingNumber,
  trackingUrl: undefined,
  lines: [{ lineId: "1", shopLineId: rig.shopLineId(order, "1"), quantity: 1 }],
  completesOrder: false
})

const correctionOf = (rig: Rig, order: FakeOrder): AddressPush => ({
  idempotencyKey: "packbench-address-X-1-hold-1",
  orderId: "X-1",
  shopOrderId: rig.shopOrderId(order),
  shipTo: { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20459", city: "Hamburg", country: "DE" }
})

type Call = (rig: Rig, order: FakeOrder) => Effect.Effect<unknown, ShopError>
const readIt: Call = (rig, order) => rig.connector.readOrder(rig.shopOrderId(order))
const refundIt: Call = (rig, order) => rig.connector.refund(refundOf(rig, order))
const fulfilIt: Call = (rig, order) => rig.connector.fulfill(parcelOf(rig, order))
const correctIt: Call = (rig, order) => rig.connector.updateAddress(correctionOf(rig, order))

/** Each answer a connector goes on to use, answered wrong: the call fails naming the field, and goes no further. */
const answerCases: ReadonlyArray<
  readonly [keyof typeof rigs, string, Call, Hostile & { readonly notSent: string | undefined }]
> = [
  [
    "Shopware",
    "a token that would break the Authorization header",
    readIt,
    {
      route: "POST /api/oauth/token",
      body: { token_type: "Bearer", expires_in: 600, access_token: "t-1\r\nX-Injected: 1" },
      request: () => "POST /oauth/token",
      problem: "access_token: Expected a bearer token",
      notSent: "POST /api/search/order"
    }
  ],
  [
    "Shopware",
    "a token without a lifetime in seconds",
    readIt,
    {
      route: "POST /api/oauth/token",
      body: { token_type: "Bearer", expires_in: "600", access_token: "t-1" },
      request: () => "POST /oauth/token",
      problem: "expires_in: Expected number",
      notSent: "POST /api/search/order"
    }
  ],
  [
    "Shopware",
    "no capture list",
    refundIt,
    {
      route: "POST /api/search/order-transaction-capture",
      body: {},
      request: () => "POST /search/order-transaction-capture",
      problem: "data: Missing key",
      notSent: "POST /api/order-transaction-capture-refund"
    }
  ],
  [
    "Shopware",
    "a capture id that is no Shopware id",
    refundIt,
    {
      route: "POST /api/search/order-transaction-capture",
      body: { total: 1, data: [{ id: "../order/1" }] },
      request: () => "POST /search/order-transaction-capture",
      problem: "data[0].id: Expected a Shopware id (32 lower-case hex digits)",
      notSent: "POST /api/order-transaction-capture-refund"
    }
  ],
  [
    "Shopware",
    "a refund's state that is no state",
    refundIt,
    {
      route: "POST /api/search/order-transaction-capture-refund",
      body: { total: 1, data: [{ stateMachineState: "completed" }] },
      request: () => "POST /search/order-transaction-capture-refund",
      problem: "data[0].stateMachineState: Expected object | null",
      notSent: "POST /api/search/order-transaction-capture"
    }
  ],
  [
    "Shopware",
    "tracking codes that are no list",
    fulfilIt,
    {
      route: "POST /api/search/order",
      body: { total: 1, data: [{ deliveries: [{ id: "c".repeat(32), trackingCodes: "x", stateMachineState: null }] }] },
      request: () => "POST /search/order",
      problem: "data[0].deliveries[0].trackingCodes: Expected array",
      notSent: "PATCH /api/order-delivery/:id"
    }
  ],
  [
    "Shopware",
    "an address id that is no Shopware id",
    correctIt,
    {
      route: "POST /api/search/order",
      body: { total: 1, data: [{ deliveries: [{ shippingOrderAddressId: "../../x", shippingOrderAddress: null }] }] },
      request: () => "POST /search/order",
      problem: "data[0].deliveries[0].shippingOrderAddressId: Expected a Shopware id (32 lower-case hex digits)",
      notSent: "PATCH /api/order-address/:id"
    }
  ],
  [
    "Shopify",
    "a refunded amount that is no amount",
    refundIt,
    {
      route: "PackbenchRefundCreate",
      body: {
        data: {
          refundCreate: {
            refund: {
              id: "gid://shopify/Refund/1",
              totalRefundedSet: { shopMoney: { amount: "NaN", currencyCode: "EUR" } },
              transactions: { nodes: [{ status: "SUCCESS", errorCode: null }] }
            },
            userErrors: []
          }
        }
      },
      request: () => "PackbenchRefundCreate",
      problem: "data.refundCreate.refund.totalRefundedSet.shopMoney.amount: an amount from 0 to 1000000",
      notSent: undefined
    }
  ],
  [
    "Shopify",
    "a throttle bucket below zero (the connector would wait for ever)",
    readIt,
    {
      route: "PackbenchOrder",
      body: {
        data: { order: null },
        extensions: { cost: { throttleStatus: { currentlyAvailable: -1e9, restoreRate: 100 } } }
      },
      request: () => "PackbenchOrder",
      problem: "extensions.cost.throttleStatus.currentlyAvailable: Expected a value between 0 and 1000000",
      notSent: undefined
    }
  ],
  [
    "Shopify",
    "a fulfillment answer without its fulfillment",
    fulfilIt,
    {
      route: "PackbenchFulfillmentCreate",
      body: { data: { fulfillmentCreate: { userErrors: [] } } },
      request: () => "PackbenchFulfillmentCreate",
      problem: "data.fulfillmentCreate.fulfillment: Missing key",
      notSent: undefined
    }
  ],
  [
    "Shopify",
    "an updated order whose id is no text",
    correctIt,
    {
      route: "PackbenchOrderUpdate",
      body: { data: { orderUpdate: { order: { id: 7 }, userErrors: [] } } },
      request: () => "PackbenchOrderUpdate",
      problem: "data.orderUpdate.order.id: Expected string",
      notSent: undefined
    }
  ],
  [
    "WooCommerce",
    "an earlier refund of an implausible amount",
    refundIt,
    {
      route: "GET orders/:id/refunds",
      body: [{ id: 1, amount: "1e9", meta_data: [] }],
      request: (id) => `GET orders/${id}/refunds`,
      problem: "[0].amount: an amount from 0 to 1000000",
      notSent: "POST orders/:id/refunds"
    }
  ],
  [
    "WooCommerce",
    "a new refund whose id is no WooCommerce id",
    refundIt,
    {
      route: "POST orders/:id/refunds",
      body: { id: "7/../../webhooks", amount: "12.90" },
      request: (id) => `POST orders/${id}/refunds`,
      problem: "id: Expected number",
      notSent: undefined
    }
  ],
  [
    "WooCommerce",
    "notes that are no text",
    fulfilIt,
    {
      route: "GET orders/:id/notes",
      body: [{ id: 1, note: 5 }],
      request: (id) => `GET orders/${id}/notes`,
      problem: "[0].note: Expected string",
      notSent: "POST orders/:id/notes"
    }
  ],
  [
    "WooCommerce",
    "an order stored without its shipping address",
    correctIt,
    {
      route: "PUT orders/:id",
      body: { id: 5001 },
      request: (id) => `PUT orders/${id}`,
      problem: "shipping: Missing key",
      notSent: undefined
    }
  ]
]

describe("each answer a connector goes on to use", () => {
  it.each(answerCases)(
    "%s, %s: Malformed naming the shop, the request and the field",
    async (shop, _, call, hostile) => {
      const rig = await start(shop)
      const { order } = await rig.fake.placeOrder(sampleOrder(4))
      rig.fake.faults.answer = { route: hostile.route, body: hostile.body, count: 1 }
      const failure = await Effect.runPromise(Effect.flip(call(rig, order)))
      expect(failure).toMatchObject({
        _tag: "ShopError",
        reason: "Malformed",
        message: `${rig.name}: the answer to ${hostile.request(rig.shopOrderId(order))} cannot be used: ${hostile.problem}`
      })
      expect(rig.fake.faults.answer.count).toBe(0)
      if (hostile.notSent !== undefined) expect(rig.fake.requests.get(hostile.notSent)).toBeUndefined()
    }
  )
})

describe("a WooCommerce order id that is no WooCommerce id", () => {
  it("is withheld when the shop answers it, and a push for it is refused before any request", async () => {
    const rig = await start("WooCommerce")
    const { order } = await rig.fake.placeOrder(sampleOrder(5))
    rig.fake.breakFields(order.id, { id: "5001/../../webhooks" })
    const read = await Effect.runPromise(rig.connector.readOrder(rig.shopOrderId(order)))
    expect(read?.withheld).toBe("the shop's answer cannot be read: id is a string, not an order id")
    const asked = [...rig.fake.requests.values()].reduce((sum, n) => sum + n, 0)
    const hostileId = { ...order, id: "5001/../../webhooks" } as unknown as FakeOrder
    for (const call of [refundIt, fulfilIt, correctIt]) {
      const refused = await Effect.runPromise(Effect.flip(call(rig, hostileId)))
      expect(refused).toMatchObject({ reason: "Rejected", message: `${rig.name}: 5001/../../webhooks is no order id` })
    }
    expect([...rig.fake.requests.values()].reduce((sum, n) => sum + n, 0)).toBe(asked)
  })
})

describe("the generic signed webhook connector, answered what it cannot use", () => {
  const genericOrder = {
    id: "1",
    number: "1",
    updatedAt: new Date(NOW - 60_000).toISOString(),
    placedAt: new Date(NOW - 120_000).toISOString(),
    state: "open",
    currency: "EUR",
    totalPaid: 12.9,
    customer: { id: "c-1", firstName: "Mia", lastName: "Berg", email: "mia@example.com" },
    shipTo: { name: "Mia Berg", street1: "Hafenstraße 1", postalCode: "20457", city: "Hamburg", country: "DE" },
    lines: [{ id: "l-1", sku: "ALP-MUG-01", quantity: 1, paidUnitPrice: 12.9 }]
  }

  /** A shop behind the generic connector: `hostile` answers first, whatever is asked; then it answers as the README says. */
  const startGenericShop = async () => {
    const hostile: Array<unknown> = []
    const asked: Array<string> = []
    const server = createServer((request, response) => {
      request.resume()
      request.on("end", () => {
        const path = new URL(request.url ?? "/", "http://shop.invalid").pathname
        asked.push(`${request.method} ${path} ${request.headers["idempotency-key"] ?? ""}`.trim())
        const answer =
          hostile.length > 0
            ? hostile.shift()
            : path === "/refunds"
              ? { status: "issued", id: "gen-refund-1" }
              : path === "/orders"
                ? { orders: [genericOrder], cursor: "c-1", more: false }
                : { id: "gen-1" }
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const connector = makeSignedWebhookConnector({
      clock: hubClock,
      settings: { ...testSettings, id: "generic", type: "webhook", orderIdPrefix: "GEN" },
      credentials: { secret: "generic-shop-secret-0123" },
      shopUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutMs: 1_000,
      toleranceMs: 300_000
    })
    const close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
    return { hostile, asked, connector, close }
  }

  const genericPushes = [
    [
      "refund",
      {},
      "POST /refunds",
      "status: Missing key",
      {
        kind: "refund" as const,
        idempotencyKey: "packbench-ev-r1",
        subject: "IR-1",
        groupKey: "GEN-1/HAM1/R-1",
        payload: {
          itemRef: "IR-1",
          orderId: "GEN-1",
          shopOrderId: "1",
          lineId: "l-1",
          shopLineId: "l-1",
          unit: 1,
          amountCents: 1290,
          currency: "EUR",
          returnId: "R-1",
          siteId: "HAM1",
          stationId: "PACK-01"
        } satisfies RefundUnit
      }
    ],
    [
      "fulfillment",
      [],
      "POST /fulfillments",
      "the answer: Expected object",
      {
        kind: "fulfillment" as const,
        idempotencyKey: "packbench-ev-p1",
        subject: "P-1",
        groupKey: "P-1",
        payload: {
          idempotencyKey: "packbench-ev-p1",
          orderId: "GEN-1",
          shopOrderId: "1",
          parcelId: "P-1",
          carrier: "dhl-paket",
          carrierName: "DHL",
          trackingNumber,
          trackingUrl: undefined,
          lines: [{ lineId: "l-1", shopLineId: "l-1", quantity: 1 }],
          completesOrder: true
        } satisfies FulfillmentPush
      }
    ]
  ] as const

  it.each(genericPushes)(
    "%s answered %j: Malformed naming the request and the field; the push stays queued and is sent again with its key",
    async (_, answer, request, problem, push) => {
      const shop = await startGenericShop()
      try {
        const result = await onHub(shop.connector, (sql, hubAt) =>
          Effect.gen(function* () {
            yield* enqueuePush(sql, { ...push, connectorId: "generic", orderId: "GEN-1", dueMs: NOW }, NOW)
            shop.hostile.push(answer)
            const first = yield* hubAt(NOW).drain(shop.connector)
            const pending = yield* pushRow(sql)
            const retryAt = Number((yield* connectorRow(sql))?.next_push_ms)
            yield* hubAt(retryAt).drain(shop.connector)
            return { first, pending, done: yield* pushRow(sql) }
          })
        )
        expect(result.first).toBe("waiting")
        expect(result.pending).toMatchObject({
          status: "queued",
          last_error: `Malformed: shop generic: the answer to ${request} cannot be used: ${problem}`
        })
        expect(result.done).toMatchObject({ status: "done", attempts: 2 })
        expect(shop.asked).toEqual([`${request} ${push.idempotencyKey}`, `${request} ${push.idempotencyKey}`])
      } finally {
        await shop.close()
      }
    }
  )

  it("a catch-up page whose orders are no list: the pass fails Malformed, keeps its cursor, and reads the order later", async () => {
    const shop = await startGenericShop()
    try {
      shop.hostile.push({ orders: "x", cursor: "c-9", more: false })
      const result = await onHub(shop.connector, (sql, hubAt) =>
        Effect.gen(function* () {
          const first = yield* hubAt(NOW).pollOnce(shop.connector)
          const failed = yield* connectorRow(sql)
          const again = yield* hubAt(Number(failed?.next_poll_ms)).pollOnce(shop.connector)
          return { first, failed, again, after: yield* connectorRow(sql) }
        })
      )
      expect(result.first).toBe(0)
      expect(result.failed).toMatchObject({
        poll_cursor: null,
        poll_failures: 1,
        last_error: "polling: Malformed: shop generic: the answer to GET /orders cannot be used: orders: Expected array"
      })
      expect(result.again).toBe(1)
      expect(result.after).toMatchObject({ poll_cursor: "c-1", poll_failures: 0 })
    } finally {
      await shop.close()
    }
  })
})
