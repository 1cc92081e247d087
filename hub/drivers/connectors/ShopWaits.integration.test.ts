import { Effect, Logger } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { StationClock } from "../../../core/time/Clock.ts"
import { type FakeShop, type ShopKind, startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { NOW } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { shopwareId } from "../../../fixtures/shops/shopware/FakeShopware.ts"
import type { ShopError } from "../../core/shop/ShopConnector.ts"
import { makeShopConnector } from "./makeShopConnectors.ts"
import { sampleOrder } from "./shopConformance.suite.ts"

/**
 * How long a shop may make the hub wait: what it asks for (`Retry-After`, Shopify's throttle) is taken up to 5 min
 * (`Bounds.maxRequestedWaitMs`); more is taken as 5 min, and a value that is no wait (negative, not a number, not an
 * HTTP date) as none, so the connector's own backoff applies; either is logged.
 */

let open: FakeShop | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

/** The fake shop of `kind` with its connector on a clock held at NOW, and a read of one of its orders. */
const rig = async (kind: ShopKind) => {
  open = await startFakeShop(kind)
  const shop = open
  const connector = makeShopConnector(
    shop.connector,
    { [shop.credentials.env]: shop.credentials.json },
    import.meta.dirname,
    () => undefined,
    StationClock.manual(NOW).clock
  )
  const { order } = await shop.placeOrder(sampleOrder(1))
  const shopOrderId =
    kind === "shopify"
      ? `gid://shopify/Order/${order.id}`
      : kind === "shopware"
        ? shopwareId(0xa, order.id)
        : String(order.id)
  const logged: Array<string> = []
  const read = () =>
    Effect.runPromise(
      Effect.flip(connector.readOrder(shopOrderId)).pipe(
        Effect.provide(Logger.layer([Logger.make((entry) => logged.push(String(entry.message)))]))
      )
    )
  // Shopware's token first, so that the shop's answer is the read's.
  await read().catch(() => undefined)
  logged.length = 0
  return { shop, read, logged }
}

const cases: ReadonlyArray<readonly [string, string, number | undefined, RegExp | undefined]> = [
  ["seconds as Shopify sends them", "2.0", 2_000, undefined],
  ["a day in seconds", "86400", 300_000, /Retry-After of 86400000 ms .*5 min/],
  ["more seconds than a number holds", "9".repeat(400), 300_000, /Retry-After of Infinity ms .*5 min/],
  ["a date two hours after the hub's time", new Date(NOW + 7_200_000).toUTCString(), 300_000, /5 min/],
  ["a negative number", "-5", undefined, /Retry-After "-5" is no wait/],
  ["no number", "NaN", undefined, /Retry-After "NaN" is no wait/],
  ["words", "soon", undefined, /Retry-After "soon" is no wait/]
]

describe.each(["shopify", "shopware", "woocommerce"] as const)(
  "the fake %s asking the hub to wait",
  (kind: ShopKind) => {
    it.each(cases)("with %s (%s)", async (_, header, waitMs, warning) => {
      const { shop, read, logged } = await rig(kind)
      shop.core.faults.status = { code: 429, count: 1, retryAfter: header }
      const limited = (await read()) as ShopError
      expect(limited.reason).toBe("RateLimited")
      expect(limited.retryAfterMs).toBe(waitMs)
      if (warning === undefined) expect(logged).toEqual([])
      else expect(logged).toEqual([expect.stringMatching(warning)])
    })
  }
)

describe("Shopify's throttle asking for a wait of days", () => {
  it("is waited for at most 5 min, and logged", async () => {
    const { shop, read, logged } = await rig("shopify")
    // A bucket that refills a point a second, asked for a million points: 11.6 days by Shopify's own figures.
    shop.core.faults.answer = {
      route: "PackbenchOrder",
      count: 1,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
        extensions: {
          cost: { requestedQueryCost: 1_000_000, throttleStatus: { currentlyAvailable: 0, restoreRate: 1 } }
        }
      }
    }
    const throttled = (await read()) as ShopError
    expect(throttled).toMatchObject({ reason: "RateLimited", retryAfterMs: 300_000 })
    expect(logged).toEqual([expect.stringMatching(/throttle asks for a wait of 1000000000 ms .*5 min/)])
  })
})
