import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { rawConnection } from "../../../fixtures/http/rawConnection.ts"
import { hubTestSettings } from "../../../fixtures/hub/HubRig.ts"
import { type FakeShop, type ShopKind, startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { shopwareId } from "../../../fixtures/shops/shopware/FakeShopware.ts"
import { testShopHubOptions } from "../../../fixtures/shops/testShopHubOptions.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { makeShopHub, Shops } from "../../core/shop/ShopHub.ts"
import { CryptoTrackingTokensLayer } from "../server/CryptoTrackingTokens.ts"
import { startHubHttpServer } from "../server/HubHttpServer.ts"
import { makeShopConnector } from "./makeShopConnectors.ts"
import { sampleOrder } from "./shopConformance.suite.ts"

/**
 * Bodies the real shop signed (a shop bug, a plugin) that are no order the hub can take, posted to the hub's real
 * HTTP server over a real SQLite file, with the connectors reading from the fake shops over real HTTP: each must be
 * answered, quarantined with a reason a person can act on, and leave the hub serving.
 */

const NOW_MS = Date.UTC(2026, 11, 6, 12)
const kinds: ReadonlyArray<ShopKind> = ["shopify", "shopware", "woocommerce"]
const shops = new Map<ShopKind, FakeShop>()
let dataDir = ""
let base = ""
let scope: Scope.Closeable | undefined
/** Order numbers no two cases share. */
let nextNumber = 7_000
let runInHub: <A>(effect: Effect.Effect<A, unknown, Sql>) => Promise<A>

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pb-hostile-webhooks-"))
  for (const kind of kinds) shops.set(kind, await startFakeShop(kind))
  const env = Object.fromEntries([...shops.values()].map((shop) => [shop.credentials.env, shop.credentials.json]))
  const clock = StationClock.manual(NOW_MS)
  const connectors = [...shops.values()].map((shop) =>
    makeShopConnector(shop.connector, env, dataDir, () => {}, clock.clock)
  )
  const services = Layer.mergeAll(
    HubProjection.layer,
    Layer.effect(
      Shops,
      Effect.gen(function* () {
        const sql = yield* Sql
        return makeShopHub(
          sql,
          Effect.map(clock.clock.now, (now) => now.wallMs),
          testShopHubOptions(connectors)
        )
      })
    )
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerSqlite({ filename: join(dataDir, "hub.db") }),
        Layer.succeed(HubSettings, hubTestSettings("http://127.0.0.1")),
        clock.layer,
        CryptoTrackingTokensLayer
      )
    ),
    Layer.orDie
  )
  const hubScope = Effect.runSync(Scope.make())
  scope = hubScope
  const context = await Effect.runPromise(Layer.buildWithScope(services, hubScope))
  runInHub = (effect) => Effect.runPromise(Effect.provideContext(effect, context))
  const server = await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      return yield* startHubHttpServer({
        host: "127.0.0.1",
        port: 0,
        webhookSecret: "hostile-webhooks-carrier-secret",
        metricsToken: "hostile-webhooks-metrics-token-01"
      })
    }).pipe(Effect.provideContext(context), Scope.provide(hubScope))
  )
  base = server.url
})

afterAll(async () => {
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  for (const shop of shops.values()) await shop.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const secretOf = (kind: ShopKind) => {
  const credentials = JSON.parse(shops.get(kind)?.credentials.json ?? "{}")
  return String(credentials.webhookSecret ?? credentials.appSecret)
}

/** The body signed as the shop signs its webhooks, with the headers it sends. */
const signedHeaders = (kind: ShopKind, body: string, delivery: string): Record<string, string> => {
  const secret = secretOf(kind)
  switch (kind) {
    case "shopify":
      return {
        "x-shopify-topic": "orders/updated",
        "x-shopify-webhook-id": delivery,
        "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64")
      }
    case "shopware":
      return { "shopware-shop-signature": createHmac("sha256", secret).update(body).digest("hex") }
    case "woocommerce":
      return {
        "x-wc-webhook-topic": "order.updated",
        "x-wc-webhook-id": "7",
        "x-wc-webhook-delivery-id": delivery,
        "x-wc-webhook-signature": createHmac("sha256", secret).update(body).digest("base64")
      }
  }
}

const post = async (kind: ShopKind, body: string, delivery = crypto.randomUUID()) => {
  const response = await fetch(`${base}/shops/${kind}/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signedHeaders(kind, body, delivery) },
    body
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const quarantined = (kind: ShopKind) =>
  runInHub(
    Effect.gen(function* () {
      const sql = yield* Sql
      return yield* sql.query<{ shop_order_id: string; reason: string; payload: string }>(
        "SELECT shop_order_id, reason, payload FROM shop_quarantine WHERE connector_id = ? ORDER BY received_at_ms, rowid",
        [kind]
      )
    })
  )

const hubServes = async () => (await fetch(`${base}/healthz`)).status

/** A WooCommerce order body as its webhooks carry it, with `fields` replaced. */
const wooOrder = (id: number, fields: Record<string, unknown>) =>
  JSON.stringify({
    id,
    number: String(id),
    status: "processing",
    currency: "EUR",
    date_created_gmt: "2026-12-06T11:00:00",
    date_modified_gmt: "2026-12-06T11:00:00",
    total: "50.70",
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
    line_items: [{ id: 1, sku: "ALP-MUG-01", quantity: 1, total: "42.62", total_tax: "8.08", meta_data: [] }],
    shipping_lines: [],
    meta_data: [],
    ...fields
  })

describe("signed shop webhooks whose body is JSON but no object", () => {
  it.each(kinds)(
    "%s: null, [], a string and a number are each quarantined with the reason, not a crash",
    async (kind) => {
      const before = (await quarantined(kind)).length
      for (const body of ["null", "[]", '"x"', "42"]) {
        const answer = await post(kind, body)
        expect(answer, body).toEqual({
          status: 200,
          body: { outcomes: ["quarantined"], reason: expect.stringContaining("not a JSON object") }
        })
      }
      const rows = (await quarantined(kind)).slice(before)
      expect(rows.map((row) => row.payload)).toEqual(["null", "[]", '"x"', "42"])
      expect(rows.every((row) => row.reason.includes("signed webhook"))).toBe(true)
      // The same body sent again (the shop retries) is kept once.
      await post(kind, "null")
      expect((await quarantined(kind)).slice(before)).toHaveLength(4)
      expect(await hubServes()).toBe(200)
    }
  )
})

describe("signed WooCommerce order bodies with a part missing or of the wrong type", () => {
  it.each([
    ["billing missing", { billing: undefined }, "billing"],
    ["billing null", { billing: null }, "billing"],
    ["line_items missing", { line_items: undefined }, "line_items"],
    ["line_items a string", { line_items: "1 mug" }, "line_items"],
    ["a line item null", { line_items: [null] }, "line_items"],
    ["shipping a list", { shipping: [] }, "shipping"],
    ["meta_data null", { meta_data: null }, "meta_data"],
    ["number a number", { number: 5 }, "order number"]
  ])("%s: quarantined naming the field, the hub goes on", async (_, fields, field) => {
    const id = nextNumber++
    const answer = await post("woocommerce", wooOrder(id, fields))
    expect(answer).toEqual({ status: 200, body: { outcomes: ["quarantined"] } })
    const row = (await quarantined("woocommerce")).find((entry) => entry.shop_order_id === String(id))
    expect(row?.reason).toContain(field)
    expect(await hubServes()).toBe(200)
  })
})

describe("orders read from Shopify and Shopware with a nested part missing or of the wrong type", () => {
  const cases: ReadonlyArray<[ShopKind, Record<string, unknown>, string]> = [
    ["shopify", { lineItems: null }, "lineItems"],
    ["shopify", { lineItems: { pageInfo: { hasNextPage: false }, nodes: "none" } }, "lineItems"],
    ["shopify", { totalPriceSet: null }, "totalPriceSet"],
    ["shopify", { fulfillmentOrders: null }, "fulfillmentOrders"],
    ["shopify", { customer: { id: null } }, "customer"],
    ["shopify", { name: null }, "order number"],
    ["shopify", { shippingAddress: { name: 5 } }, "shippingAddress.name"],
    ["shopify", { customerLocale: 7 }, "locale"],
    ["shopware", { lineItems: null }, "lineItems"],
    ["shopware", { lineItems: [null] }, "lineItems[0]"],
    ["shopware", { transactions: null }, "transactions"],
    ["shopware", { transactions: [{ createdAt: null }, { createdAt: null }] }, "transactions[0].createdAt"]
  ]
  it.each(cases)(
    "%s answering %j: the webhook's order is quarantined naming the field",
    async (kind, fields, field) => {
      const shop = shops.get(kind)
      if (shop === undefined) throw new Error(`no fake ${kind}`)
      const { order } = await shop.placeOrder(sampleOrder(nextNumber++))
      shop.breakFields(order.id, fields)
      const shopOrderId = kind === "shopify" ? `gid://shopify/Order/${order.id}` : shopwareId(0xa, order.id)
      const body =
        kind === "shopify"
          ? JSON.stringify({ id: order.id, admin_graphql_api_id: shopOrderId })
          : JSON.stringify({
              data: { event: "order.written", payload: [{ entity: "order", primaryKey: shopOrderId }] },
              source: { eventId: crypto.randomUUID().replace(/-/g, "") }
            })
      const answer = await post(kind, body)
      expect(answer).toEqual({ status: 200, body: { outcomes: ["quarantined"] } })
      const row = (await quarantined(kind)).find((entry) => entry.shop_order_id === shopOrderId)
      expect(row?.reason).toContain(field)
      expect(await hubServes()).toBe(200)
    }
  )
})

describe("shop webhooks whose headers alone say no", () => {
  it.each(kinds)(
    "%s: refuses one without its signature header (401) before reading its body, and closes the connection",
    async (kind) => {
      const lines = Object.entries(signedHeaders(kind, "{}", "d-1"))
        .filter(([name]) => !/signature|hmac/.test(name))
        .map(([name, value]) => `${name}: ${value}\r\n`)
      // The body is announced and never sent: a hub that read bodies before the signature would wait for it.
      const answer = await rawConnection(
        base,
        `POST /shops/${kind}/webhook HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n${lines.join("")}\r\n`
      ).closed
      expect(answer).toMatch(/^HTTP\/1\.1 401 /)
      expect(answer.toLowerCase()).toContain("connection: close")
      expect(answer).toContain("is missing")
      expect(await hubServes()).toBe(200)
    }
  )
})
