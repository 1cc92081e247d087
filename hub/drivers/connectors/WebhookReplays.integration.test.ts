import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { type FakeShop, startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { testShopHubOptions } from "../../../fixtures/shops/testShopHubOptions.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"
import { makeShopHub, type ShopHub } from "../../core/shop/ShopHub.ts"
import { makeShopConnector } from "./makeShopConnectors.ts"
import { sampleOrder } from "./shopConformance.suite.ts"
import { makeSignedWebhookConnector, signBody, signDelivery } from "./webhook/SignedWebhookConnector.ts"

/**
 * What someone who captured a signed webhook can do by sending it again under a delivery id of their choosing (the
 * ids travel in headers no signature covers: `X-Packbench-Delivery` under the first scheme, `X-Shopify-Webhook-Id`,
 * `X-WC-Webhook-Delivery-ID`): each connector over a real SQLite file, Shopify's reads from its fake over HTTP.
 */

const NOW_MS = Date.UTC(2026, 11, 6, 12)
const clock = StationClock.manual(NOW_MS)
const secret = "generic-shop-secret-0123"
const encoder = new TextEncoder()
/** The fake Shopify's clock: an hour behind the hub's, moved on when the shop changes an order. */
let shopMs = NOW_MS - 3_600_000
let dataDir = ""
let shopify: FakeShop
let woo: FakeShop
let generic: ShopConnector
let shopifyConnector: ShopConnector
let wooConnector: ShopConnector

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pb-webhook-replays-"))
  shopify = await startFakeShop("shopify")
  // The shop stamps its changes by the test's time, not the wall clock's: the hub reads them against its own.
  shopify.core.now = () => shopMs
  woo = await startFakeShop("woocommerce")
  const env = Object.fromEntries([shopify, woo].map((shop) => [shop.credentials.env, shop.credentials.json]))
  shopifyConnector = makeShopConnector(shopify.connector, env, dataDir, () => {}, clock.clock)
  wooConnector = makeShopConnector(woo.connector, env, dataDir, () => {}, clock.clock)
  generic = makeSignedWebhookConnector({
    settings: {
      id: "generic",
      type: "webhook",
      orderIdPrefix: "GEN",
      brand: "alpenglow",
      brands: {},
      carriers: {},
      defaultCarrier: { carrier: "dhl-paket", serviceLevel: "standard" },
      fulfillOn: "handed-to-carrier"
    },
    credentials: { secret },
    shopUrl: undefined,
    timeoutMs: 1_000,
    toleranceMs: 300_000,
    clock: clock.clock
  })
})

afterAll(async () => {
  await shopify.close()
  await woo.close()
  rmSync(dataDir, { recursive: true, force: true })
})

let databases = 0
/** A hub with the three connectors over a fresh SQLite file. */
const inHub = <A, E>(body: (hub: ShopHub, sql: Sql["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* Sql
      yield* migrate(hubMigrations)
      const hub = makeShopHub(
        sql,
        Effect.map(clock.clock.now, (now) => now.wallMs),
        testShopHubOptions([generic, shopifyConnector, wooConnector])
      )
      return yield* body(hub, sql)
    }).pipe(
      Effect.provide(Layer.mergeAll(layerSqlite({ filename: join(dataDir, `hub-${++databases}.db`) }), clock.layer))
    )
  )

/** The order versions the stations were sent, as `<type> v<version>`. */
const sent = (sql: Sql["Service"]) =>
  Effect.map(sql.query<{ body: string }>("SELECT body FROM shop_messages ORDER BY seq"), (rows) =>
    rows.map((row) => {
      const message = JSON.parse(row.body) as { type: string; version: number; payload: { shipTo?: { city: string } } }
      return `${message.type} v${message.version}${message.payload.shipTo === undefined ? "" : ` ${message.payload.shipTo.city}`}`
    })
  )

const genericOrder = (city: string, updatedAt: string) =>
  JSON.stringify({
    id: "9001",
    number: "9001",
    updatedAt,
    placedAt: "2026-12-06T10:00:00Z",
    state: "open",
    currency: "EUR",
    totalPaid: 25,
    customer: { id: "c-1", firstName: "Mia", lastName: "Berg", email: "mia@example.com" },
    shipTo: { name: "Mia Berg", street1: "Hafenstraße 1", postalCode: "20457", city, country: "DE" },
    lines: [{ id: "L1", sku: "ALP-MUG-01", quantity: 1, paidUnitPrice: 25 }]
  })

const timestamp = String(Math.floor(NOW_MS / 1000))

/** A generic shop's delivery as the first scheme signs it: the body and time, the id beside them. */
const signedV1 = (body: string, delivery: string) => ({
  headers: {
    "x-packbench-timestamp": timestamp,
    "x-packbench-signature": signBody(secret, timestamp, body),
    "x-packbench-delivery": delivery
  },
  body: encoder.encode(body)
})

/** The same delivery signed with its id (`v2=`). */
const signedV2 = (body: string, delivery: string) => ({
  headers: {
    "x-packbench-timestamp": timestamp,
    "x-packbench-signature": signDelivery(secret, timestamp, delivery, body),
    "x-packbench-delivery": delivery
  },
  body: encoder.encode(body)
})

const outcomesOf = (answer: { readonly status: number; readonly body: unknown }) =>
  answer.status === 200 ? (answer.body as { outcomes: ReadonlyArray<string> }).outcomes : answer.status

describe("a generic shop's signed delivery sent again under an id of the sender's choosing", () => {
  it("first scheme: a replay under the shop's next id no longer makes the hub drop the shop's real delivery of that id", async () => {
    const result = await inHub((hub, sql) =>
      Effect.gen(function* () {
        const first = genericOrder("Hamburg", "2026-12-06T11:58:00Z")
        const outcomes = [outcomesOf(yield* hub.receiveWebhook("generic", signedV1(first, "delivery-41")))]
        // Someone who saw delivery 41 sends its bytes again as 42 (the shop numbers its deliveries)…
        outcomes.push(outcomesOf(yield* hub.receiveWebhook("generic", signedV1(first, "delivery-42"))))
        // …and the shop's own delivery 42, the customer's new address, comes after it.
        const moved = genericOrder("Bremen", "2026-12-06T11:59:00Z")
        outcomes.push(outcomesOf(yield* hub.receiveWebhook("generic", signedV1(moved, "delivery-42"))))
        return { outcomes, sent: yield* sent(sql) }
      })
    )
    expect(result.outcomes).toEqual([["upserted"], ["stale"], ["address-corrected"]])
    expect(result.sent).toEqual(["order.upsert v1 Hamburg", "order.address-corrected v2 Bremen"])
  })

  it("v2 signs the id: a replay under another id is refused, the same id again is a repeat, an older state changes nothing", async () => {
    const result = await inHub((hub, sql) =>
      Effect.gen(function* () {
        const first = genericOrder("Hamburg", "2026-12-06T11:58:00Z")
        const moved = genericOrder("Bremen", "2026-12-06T11:59:00Z")
        const outcomes = [
          outcomesOf(yield* hub.receiveWebhook("generic", signedV2(first, "d-1"))),
          outcomesOf(yield* hub.receiveWebhook("generic", signedV2(moved, "d-2")))
        ]
        const replayed = signedV2(first, "d-1")
        // The captured delivery 1 under another id: its signature names d-1.
        outcomes.push(
          outcomesOf(
            yield* hub.receiveWebhook("generic", {
              ...replayed,
              headers: { ...replayed.headers, "x-packbench-delivery": "d-3" }
            })
          )
        )
        // As it was: a repeat, and its older state would be no news anyway.
        outcomes.push(outcomesOf(yield* hub.receiveWebhook("generic", replayed)))
        return { outcomes, sent: yield* sent(sql) }
      })
    )
    expect(result.outcomes).toEqual([["upserted"], ["address-corrected"], 401, ["stale"]])
    expect(result.sent).toEqual(["order.upsert v1 Hamburg", "order.address-corrected v2 Bremen"])
  })
})

describe("a shop's signed webhook sent again under a new delivery id header", () => {
  it("Shopify: a captured webhook of an older state, replayed under new ids, reads nothing more and leaves the newer version", async () => {
    const { order } = await shopify.placeOrder(sampleOrder(9101))
    const body = JSON.stringify({ id: order.id, admin_graphql_api_id: `gid://shopify/Order/${order.id}` })
    const signed = (webhookId: string) => ({
      headers: {
        "x-shopify-topic": "orders/updated",
        "x-shopify-webhook-id": webhookId,
        "x-shopify-hmac-sha256": createHmac("sha256", JSON.parse(shopify.credentials.json).webhookSecret)
          .update(body)
          .digest("base64")
      },
      body: encoder.encode(body)
    })
    const reads = () => [...shopify.core.requests.values()].reduce((sum, count) => sum + count, 0)
    const result = await inHub((hub, sql) =>
      Effect.gen(function* () {
        const outcomes = [outcomesOf(yield* hub.receiveWebhook("shopify", signed(crypto.randomUUID())))]
        shopMs += 60_000
        shopify.edit(order.id, (placed) => ({ ...placed, shipTo: { ...placed.shipTo, city: "Bremen" } }))
        yield* hub.pollOnce(shopifyConnector)
        const before = reads()
        for (let replay = 0; replay < 5; replay++) {
          outcomes.push(outcomesOf(yield* hub.receiveWebhook("shopify", signed(crypto.randomUUID()))))
        }
        return { outcomes, replayReads: reads() - before, sent: yield* sent(sql) }
      })
    )
    expect(result.outcomes).toEqual([["upserted"], ["stale"], ["stale"], ["stale"], ["stale"], ["stale"]])
    expect(result.replayReads).toBe(0)
    expect(result.sent).toEqual([expect.stringMatching(/^order\.upsert v1 /), "order.address-corrected v2 Bremen"])
  })

  it("WooCommerce: two deliveries of one webhook in one second share their delivery id, and both are taken; a replayed older body changes nothing", async () => {
    const webhookSecret = JSON.parse(woo.credentials.json).webhookSecret as string
    const wooBody = (id: number, city: string, modified: string) =>
      JSON.stringify({
        id,
        number: String(id),
        status: "processing",
        currency: "EUR",
        date_created_gmt: "2026-12-06T11:00:00",
        date_modified_gmt: modified,
        total: "50.70",
        customer_id: 0,
        billing: { first_name: "Mia", last_name: "Berg", email: "mia@example.com" },
        shipping: {
          first_name: "Mia",
          last_name: "Berg",
          company: "",
          address_1: "Hafenstraße 1",
          address_2: "",
          city,
          state: "",
          postcode: "20457",
          country: "DE"
        },
        line_items: [{ id: 1, sku: "ALP-MUG-01", quantity: 1, total: "42.62", total_tax: "8.08", meta_data: [] }],
        shipping_lines: [],
        meta_data: []
      })
    // WooCommerce's delivery id is wp_hash(webhook id . the second it was sent): the same for two sent in one second.
    const signed = (body: string, delivery: string) => ({
      headers: {
        "x-wc-webhook-topic": "order.updated",
        "x-wc-webhook-id": "7",
        "x-wc-webhook-delivery-id": delivery,
        "x-wc-webhook-signature": createHmac("sha256", webhookSecret).update(body).digest("base64")
      },
      body: encoder.encode(body)
    })
    const result = await inHub((hub, sql) =>
      Effect.gen(function* () {
        const older = wooBody(8101, "Hamburg", "2026-12-06T11:58:00")
        const outcomes = [
          outcomesOf(yield* hub.receiveWebhook("woocommerce", signed(older, "5f2b1c"))),
          outcomesOf(
            yield* hub.receiveWebhook("woocommerce", signed(wooBody(8102, "Kiel", "2026-12-06T11:58:00"), "5f2b1c"))
          ),
          outcomesOf(
            yield* hub.receiveWebhook("woocommerce", signed(wooBody(8101, "Bremen", "2026-12-06T11:59:00"), "9a0e44"))
          )
        ]
        outcomes.push(outcomesOf(yield* hub.receiveWebhook("woocommerce", signed(older, "replayed-1"))))
        return { outcomes, sent: yield* sent(sql) }
      })
    )
    expect(result.outcomes).toEqual([["upserted"], ["upserted"], ["address-corrected"], ["stale"]])
    expect(result.sent).toEqual([
      "order.upsert v1 Hamburg",
      "order.upsert v1 Kiel",
      "order.address-corrected v2 Bremen"
    ])
  })
})
