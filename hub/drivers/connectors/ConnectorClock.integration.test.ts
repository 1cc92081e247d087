import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { StationClock } from "../../../core/time/Clock.ts"
import { type FakeShop, type ShopKind, startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { shopwareId } from "../../../fixtures/shops/shopware/FakeShopware.ts"
import { makeShopConnector } from "./makeShopConnectors.ts"
import { sampleOrder } from "./shopConformance.suite.ts"
import { makeSignedWebhookConnector, signBody } from "./webhook/SignedWebhookConnector.ts"

/**
 * Every connector takes its time from the hub's clock (the `StationClock` port), never from the system's: here a clock
 * the test moves by hand, at a day far from the one the tests run on, so a connector reading `Date.now()` is caught.
 */

let open: FakeShop | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

const connectorFor = (shop: FakeShop, clock: StationClock["Service"]) =>
  makeShopConnector(
    shop.connector,
    { [shop.credentials.env]: shop.credentials.json },
    import.meta.dirname,
    () => undefined,
    clock
  )

describe("Shopware's access token", () => {
  it("is fetched anew a minute before its lifetime runs out by the hub's clock, and kept until then", async () => {
    open = await startFakeShop("shopware")
    const shop = open
    const clock = StationClock.manual(NOW)
    const connector = connectorFor(shop, clock.clock)
    const tokens = () => shop.core.requests.get("POST /api/oauth/token") ?? 0
    const read = () => Effect.runPromise(connector.readOrder(shopwareId(0xa, 1)))
    await read()
    const first = tokens()
    // The fake grants 600 s: the token is renewed from 540 s on.
    clock.advance(539_999)
    await read()
    const before = tokens()
    clock.advance(1)
    await read()
    expect([first, before, tokens()]).toEqual([1, 1, 2])
  })
})

describe.each(["shopify", "shopware", "woocommerce"] as const)(
  "the fake %s asking the hub to wait",
  (kind: ShopKind) => {
    it("has its Retry-After as an HTTP date read against the hub's clock", async () => {
      open = await startFakeShop(kind)
      const shop = open
      const clock = StationClock.manual(NOW)
      const connector = connectorFor(shop, clock.clock)
      const placed = await shop.placeOrder(sampleOrder(1))
      const shopOrderId =
        kind === "shopify"
          ? `gid://shopify/Order/${placed.order.id}`
          : kind === "shopware"
            ? shopwareId(0xa, placed.order.id)
            : String(placed.order.id)
      // Shopware's token first, so that the 429 answers the read.
      await Effect.runPromise(connector.readOrder(shopOrderId))
      shop.core.faults.status = { code: 429, count: 1, retryAfter: new Date(NOW + 90_000).toUTCString() }
      const limited = await Effect.runPromise(Effect.flip(connector.readOrder(shopOrderId)))
      expect(limited).toMatchObject({ reason: "RateLimited", retryAfterMs: 90_000 })
    })
  }
)

describe("the generic signed webhook connector", () => {
  const settings = { ...testSettings, id: "generic", type: "webhook" as const, orderIdPrefix: "GEN" }
  const secret = "generic-shop-secret-0123"

  it("stamps its pushes and checks the shop's webhooks by the hub's clock", async () => {
    const received: Array<IncomingHttpHeaders> = []
    const server = createServer((request, response) => {
      received.push(request.headers)
      request.resume()
      request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end("{}"))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const clock = StationClock.manual(NOW)
      const connector = makeSignedWebhookConnector({
        settings,
        credentials: { secret },
        shopUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        timeoutMs: 1_000,
        toleranceMs: 300_000,
        clock: clock.clock
      })
      await Effect.runPromise(
        connector.updateAddress({
          idempotencyKey: "packbench-address-GEN-1-hold-1",
          orderId: "GEN-1",
          shopOrderId: "1",
          shipTo: { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20459", city: "Hamburg", country: "DE" }
        })
      )
      const webhook = (atMs: number) => {
        const body = "null"
        const timestamp = String(Math.floor(atMs / 1000))
        return Effect.runPromise(
          Effect.flip(
            connector.verifyWebhook({
              headers: {
                "x-packbench-timestamp": timestamp,
                "x-packbench-signature": signBody(secret, timestamp, body)
              },
              body: new TextEncoder().encode(body)
            })
          )
        )
      }
      // Signed at the hub's time: current, and refused only as no order; signed 6 min before it: not current.
      const current = await webhook(NOW)
      const stale = await webhook(NOW - 360_000)
      expect(received.map((headers) => headers["x-packbench-timestamp"])).toEqual([String(NOW / 1000)])
      expect(current).toMatchObject({ signed: true, message: expect.stringContaining("not an order") })
      expect(stale).toMatchObject({ status: 401, message: "X-Packbench-Timestamp is not current" })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
