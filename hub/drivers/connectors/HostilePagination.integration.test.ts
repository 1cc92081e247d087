import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { StationClock } from "../../../core/time/Clock.ts"
import { catchUpPass } from "../../../fixtures/shops/catchUpPass.ts"
import { NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"
import { makeShopwareConnector } from "./shopware/ShopwareConnector.ts"
import { makeSignedWebhookConnector } from "./webhook/SignedWebhookConnector.ts"
import { makeWooCommerceConnector } from "./woocommerce/WooCommerceConnector.ts"

/** The hub's clock as the connectors read it (a Retry-After date, token lifetimes): held at one time. */
const hubClock = StationClock.manual(NOW).clock

/** A shop that answers every catch-up page with no orders and says that more follow. */
const startEndlessShop = async (answer: (request: IncomingMessage, response: ServerResponse) => void) => {
  const server = createServer((request, response) => {
    request.resume()
    request.on("end", () => answer(request, response))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(resolve))
  }
}

const json = (response: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
  response.writeHead(200, { "content-type": "application/json", ...headers }).end(JSON.stringify(body))

const wooConnector = (url: string) =>
  makeWooCommerceConnector({
    clock: hubClock,
    settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
    credentials: { consumerKey: "ck_0", consumerSecret: "cs_0", webhookSecret: "woo-secret-0000" },
    url,
    completedStatus: "completed",
    timeoutMs: 1_000
  })

/** How many pages one catch-up pass reads, and the cursor it ends with. */
const onePass = async (connector: ShopConnector) => {
  const pages = await catchUpPass(connector, undefined, Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 2))
  return { read: pages.length, cursor: pages.at(-1)?.cursor }
}

describe("a catch-up poll against a shop whose pagination never ends", () => {
  it("WooCommerce: an empty page ends the pass, whatever X-WP-TotalPages claims", async () => {
    const shop = await startEndlessShop((_request, response) =>
      json(response, [], { "X-WP-Total": "50000000", "X-WP-TotalPages": "1000000" })
    )
    try {
      const pass = await onePass(wooConnector(shop.url))
      expect(pass.read).toBe(1)
      // The next pass starts again from the first page of what changed since, not from page 2 of a million.
      expect(JSON.parse(pass.cursor ?? "")).toMatchObject({ page: 1 })
    } finally {
      await shop.close()
    }
  })

  it("WooCommerce: the same full page whatever is asked is never asked for twice, and X-WP-TotalPages still ends the pass", async () => {
    const page = Array.from({ length: 50 }, (_, n) => ({
      id: n + 1,
      date_modified_gmt: `2026-06-01T00:00:${String(n).padStart(2, "0")}`
    }))
    // Asked again from its newest change, the page gives no newer one: the pass goes on by page number.
    for (const [totalPages, reads] of [
      ["3", 4],
      ["1000000", 100]
    ] as const) {
      const asked: Array<string> = []
      const shop = await startEndlessShop((request, response) => {
        const query = new URL(request.url ?? "/", "http://shop.invalid").searchParams
        asked.push(`${query.get("modified_after")} page ${query.get("page")}`)
        json(response, page, { "X-WP-Total": "50000000", "X-WP-TotalPages": totalPages })
      })
      try {
        const pass = await onePass(wooConnector(shop.url))
        expect(pass.read).toBe(reads)
        expect(new Set(asked).size).toBe(reads)
      } finally {
        await shop.close()
      }
    }
  })

  it("Shopware: an empty page ends the pass, whatever total the search claims", async () => {
    const shop = await startEndlessShop((request, response) =>
      request.url === "/api/oauth/token"
        ? json(response, { token_type: "Bearer", expires_in: 600, access_token: "token-1" })
        : json(response, { total: 50_000_000, data: [] })
    )
    try {
      const connector = makeShopwareConnector({
        clock: hubClock,
        settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
        credentials: { clientId: "SWIA0", clientSecret: "secret-0", appSecret: "app-secret-0000" },
        url: shop.url,
        webhookUrl: undefined,
        timeoutMs: 1_000
      })
      const pass = await onePass(connector)
      expect(pass.read).toBe(1)
      expect(JSON.parse(pass.cursor ?? "")).toMatchObject({ page: 1 })
    } finally {
      await shop.close()
    }
  })

  it("Shopify: a next page whose cursor is missing or the one just read ends the pass", async () => {
    for (const endCursor of [null, "cursor-same"]) {
      const shop = await startEndlessShop((_request, response) =>
        json(response, { data: { orders: { pageInfo: { hasNextPage: true, endCursor }, nodes: [] } } })
      )
      try {
        const connector = makeShopifyConnector({
          clock: hubClock,
          settings: testSettings,
          credentials: { accessToken: "shpat_0", webhookSecret: "shopify-secret-0" },
          shopDomain: "alpenglow.myshopify.com",
          apiVersion: "2026-04",
          endpoint: shop.url,
          timeoutMs: 1_000,
          notifyCustomer: false,
          log: () => undefined
        })
        const pass = await onePass(connector)
        expect(pass.read).toBe(1)
        expect(JSON.parse(pass.cursor ?? "")).toMatchObject({ after: null })
      } finally {
        await shop.close()
      }
    }
  })

  it("generic signed webhook shop: an empty page or a cursor that does not move ends the pass", async () => {
    const genericOrder = {
      id: "1",
      number: "1",
      updatedAt: "2026-06-01T00:00:00Z",
      placedAt: "2026-06-01T00:00:00Z",
      state: "open",
      currency: "EUR",
      totalPaid: 12.9,
      customer: { id: "c-1", firstName: "Mia", lastName: "Berg", email: "mia@example.com" },
      shipTo: { name: "Mia Berg", street1: "Hafenstraße 1", postalCode: "20457", city: "Hamburg", country: "DE" },
      lines: [{ id: "l-1", sku: "ALP-MUG-01", quantity: 1, paidUnitPrice: 12.9 }]
    }
    // From no cursor, the repeating page is read once as the first page and once more to see it repeat.
    for (const [answer, pages] of [
      [{ orders: [], cursor: "c-2", more: true }, 1],
      [{ orders: [genericOrder], cursor: "c-1", more: true }, 2]
    ] as const) {
      const shop = await startEndlessShop((_request, response) => json(response, answer))
      try {
        const connector = makeSignedWebhookConnector({
          clock: hubClock,
          settings: { ...testSettings, id: "generic", type: "webhook", orderIdPrefix: "GEN" },
          credentials: { secret: "generic-shop-secret-0123" },
          shopUrl: shop.url,
          timeoutMs: 1_000,
          toleranceMs: 300_000
        })
        const page = await Effect.runPromise(connector.ordersChangedSince("c-1", 0, Date.UTC(2026, 5, 1)))
        expect(page.more).toBe(false)
        const pass = await onePass(connector)
        expect(pass.read).toBe(pages)
      } finally {
        await shop.close()
      }
    }
  })
})

describe("a catch-up page with an entry that is no order", () => {
  const cases: ReadonlyArray<
    [string, (url: string) => ShopConnector, (response: ServerResponse, url: string) => void]
  > = [
    ["WooCommerce", wooConnector, (response) => json(response, [null, 7], { "X-WP-TotalPages": "1" })],
    [
      "Shopware",
      (url) =>
        makeShopwareConnector({
          clock: hubClock,
          settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
          credentials: { clientId: "SWIA0", clientSecret: "s", appSecret: "shopware-secret-00" },
          url,
          webhookUrl: undefined,
          timeoutMs: 1_000
        }),
      (response, url) =>
        url === "/api/oauth/token"
          ? json(response, { token_type: "Bearer", expires_in: 600, access_token: "token-1" })
          : json(response, { total: 2, data: [null, 7] })
    ],
    [
      "Shopify",
      (url) =>
        makeShopifyConnector({
          clock: hubClock,
          settings: testSettings,
          credentials: { accessToken: "shpat_0", webhookSecret: "shopify-secret-00" },
          shopDomain: "alpenglow.myshopify.com",
          apiVersion: "2026-04",
          endpoint: url,
          timeoutMs: 1_000,
          notifyCustomer: false,
          log: () => undefined
        }),
      (response) =>
        json(response, {
          data: { orders: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [null, 7] } }
        })
    ]
  ]
  it.each(cases)("%s: each is withheld with the reason, and the page is read", async (_, connect, answer) => {
    const shop = await startEndlessShop((request, response) => answer(response, request.url ?? ""))
    try {
      const page = await Effect.runPromise(
        connect(shop.url).ordersChangedSince(undefined, Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 2))
      )
      expect(page.orders.map((order) => order.withheld)).toEqual([
        "the shop's answer cannot be read: the order is null, not an object",
        "the shop's answer cannot be read: the order is a number, not an object"
      ])
      expect(page.more).toBe(false)
    } finally {
      await shop.close()
    }
  })
})

describe("a Shopware order search answered without its data list", () => {
  it.each([[{ total: 1 }], [{ total: 1, data: null }], [null], [[]]])(
    "%j: the catch-up and the read fail Malformed, not with a TypeError",
    async (body) => {
      const shop = await startEndlessShop((request, response) =>
        request.url === "/api/oauth/token"
          ? json(response, { token_type: "Bearer", expires_in: 600, access_token: "token-1" })
          : json(response, body)
      )
      try {
        const connector = makeShopwareConnector({
          clock: hubClock,
          settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
          credentials: { clientId: "SWIA0", clientSecret: "s", appSecret: "shopware-secret-00" },
          url: shop.url,
          webhookUrl: undefined,
          timeoutMs: 1_000
        })
        const page = await Effect.runPromise(
          Effect.flip(connector.ordersChangedSince(undefined, Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 2)))
        )
        const read = await Effect.runPromise(Effect.flip(connector.readOrder("a".repeat(32))))
        for (const failure of [page, read]) expect(failure).toMatchObject({ reason: "Malformed" })
      } finally {
        await shop.close()
      }
    }
  )
})
