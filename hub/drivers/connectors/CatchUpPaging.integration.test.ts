import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import type { FakeOrder } from "../../../fixtures/shops/FakeShopCore.ts"
import { type ShopKind, startFakeShop } from "../../../fixtures/shops/FakeShops.ts"
import { testShopHubOptions } from "../../../fixtures/shops/testShopHubOptions.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { makeShopHub } from "../../core/shop/ShopHub.ts"
import { makeShopConnector } from "./makeShopConnectors.ts"
import { sampleOrder } from "./shopConformance.suite.ts"

/** More orders than one catch-up page holds (50 at every connector), so that a pass reads a second page. */
const ORDERS = 60

describe.each(["woocommerce", "shopware", "shopify"] as const)(
  "a catch-up pass against the fake %s while the shop changes orders",
  (kind: ShopKind) => {
    it("takes every order, and with the next pass every change made while it paged", async () => {
      const shop = await startFakeShop(kind)
      try {
        // The shop's clock, whole seconds from a fixed day: the test does not depend on when it runs.
        let shopMs = Date.UTC(2026, 5, 1, 8)
        shop.core.now = () => shopMs
        const placed: Array<FakeOrder> = []
        for (let n = 1; n <= ORDERS; n++) {
          placed.push((await shop.placeOrder(sampleOrder(n))).order)
          shopMs += 1_000
        }
        // Once the first page is read, a payment arrives for an order on it, then a note is added to the newest
        // order: both now changed after every order not read yet.
        shop.core.onOrderPage = (page) => {
          shop.core.onOrderPage = undefined
          for (const order of [page[0], placed.at(-1)]) {
            shopMs += 1_000
            if (order !== undefined) shop.change(order.id)
          }
        }
        const clock = StationClock.manual(shopMs + 60_000)
        const connector = makeShopConnector(
          shop.connector,
          { [shop.credentials.env]: shop.credentials.json },
          import.meta.dirname,
          () => undefined,
          clock.clock
        )
        const options = testShopHubOptions([connector])
        const result = await Effect.runPromise(
          Effect.gen(function* () {
            const sql = yield* Sql
            yield* migrate(hubMigrations)
            const hub = makeShopHub(
              sql,
              Effect.map(clock.clock.now, (at) => at.wallMs),
              options
            )
            const taken = sql.query<{ order_id: string; shop_updated_ms: number }>(
              "SELECT order_id, shop_updated_ms FROM shop_orders ORDER BY order_id"
            )
            yield* hub.pollOnce(connector)
            const afterPass = yield* taken
            clock.advance(options.pollIntervalMs)
            yield* hub.pollOnce(connector)
            return { afterPass, afterNext: yield* taken }
          }).pipe(Effect.provide(Layer.mergeAll(Layer.fresh(sqliteTestStore.layer()), clock.layer)))
        )
        const latest = placed
          .map((order) => ({ order_id: shop.orderIdOf(order), shop_updated_ms: order.updatedAtMs }))
          .sort((a, b) => (a.order_id < b.order_id ? -1 : 1))
        expect(result.afterPass.map((row) => row.order_id)).toEqual(latest.map((row) => row.order_id))
        expect(result.afterNext).toEqual(latest)
      } finally {
        await shop.close()
      }
    })
  }
)
