import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { startFakeShopify } from "../../../fixtures/shops/shopify/FakeShopify.ts"
import { testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { submitCorrection } from "../../core/correction/AddressCorrections.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { defaultNotifySettings } from "../../core/notify/NotifySettings.ts"
import { makeShopHub } from "../../core/shop/ShopHub.ts"
import { sampleOrder } from "./shopConformance.suite.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"

const credentials = { accessToken: "shpat_test_0123456789", webhookSecret: "shopify-app-secret-0123" }

describe("a customer's address correction on its way to the shop", () => {
  it("goes through the durable push queue and the Shopify adapter over HTTP: waits out the shop's outage and lands once", async () => {
    const fake = await startFakeShopify({ ...credentials, shopDomain: "alpenglow.myshopify.com" })
    try {
      const start = Date.now()
      const clock = StationClock.manual(start)
      const connector = makeShopifyConnector({
        settings: testSettings,
        credentials,
        shopDomain: "alpenglow.myshopify.com",
        apiVersion: "2026-04",
        endpoint: fake.url(),
        timeoutMs: 1_000,
        notifyCustomer: false,
        log: () => undefined,
        clock: clock.clock
      })
      const placed = await fake.placeOrder({
        ...sampleOrder(21),
        shipTo: { name: "Mia Berg", street1: "Hafenstraße", postalCode: "20457", city: "Hamburg", country: "DE" }
      })
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* migrate(hubMigrations)
          const now = Effect.map(clock.clock.now, (at) => at.wallMs)
          const hub = makeShopHub(sql, now, {
            connectors: [connector],
            routing: { rules: [], defaultSite: "HAM1" },
            queue: { refundSettleMs: 1_000, retryBaseMs: 1_000, retryMaxMs: 60_000, handOverAfterAttempts: 3 },
            pollIntervalMs: 60_000,
            firstPollLookbackMs: 86_400_000,
            sha256: (text) => `sha-of-${text.length}`
          })
          yield* hub.pollOnce(connector)
          const orderId = (yield* sql.query<{ order_id: string }>("SELECT order_id FROM shop_orders"))[0]!.order_id
          // The hub's side of the hold, as its projection records it: the order, its customer, the mailed link.
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C', 'Mia', 'Berg', 'mia@example.com', 'en', 0)"
          )
          yield* sql.execute(
            `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
               station_id, ship_to, hold_station_id, address_holds, updated_at_ms)
             VALUES (?, 1, 'C', 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-01', ?, 'PACK-01', 1, 0)`,
            [orderId, JSON.stringify(placed.order.order.shipTo)]
          )
          yield* sql.execute(
            `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, hold_round)
             VALUES ('h', ?, 'n', 0, ?, 1)`,
            [orderId, start + 3_600_000]
          )
          fake.down()
          const taken = yield* submitCorrection(
            "h",
            { name: "Mia Berg", street1: "Hafenstraße 11", street2: "2. OG", postalCode: "20457", city: "Hamburg" },
            start,
            defaultNotifySettings
          )
          const down = yield* hub.drain(connector)
          const whileDown = (yield* hub.status).connectors[0]
          fake.up()
          clock.advance(1_000)
          yield* hub.drain(connector)
          clock.advance(60_000)
          yield* hub.drain(connector)
          const pushes = yield* sql.query<{ kind: string; status: string; attempts: number; result: string | null }>(
            "SELECT kind, status, attempts, result FROM shop_pushes"
          )
          return { taken, down, whileDown, pushes, after: (yield* hub.status).connectors[0] }
        }).pipe(Effect.provide(Layer.mergeAll(Layer.fresh(sqliteTestStore.layer()), clock.layer)))
      )
      expect(result.taken.type).toBe("taken")
      expect(result.down).toBe("waiting")
      expect(result.whileDown).toMatchObject({ state: "failing", queuedPushes: 1 })
      expect(result.whileDown?.lastError).toContain("Unavailable")
      expect(result.pushes).toEqual([
        {
          kind: "address",
          status: "done",
          attempts: 2,
          result: JSON.stringify({ shopAddressId: `gid://shopify/Order/${placed.order.id}` })
        }
      ])
      expect(result.after).toMatchObject({ state: "connected", queuedPushes: 0, failedPushes: [] })
      // The shop took one orderUpdate, with the fields of a MailingAddressInput, and now ships to the new address.
      expect(placed.order.addressUpdates).toEqual([
        {
          route: "orderUpdate",
          body: {
            id: `gid://shopify/Order/${placed.order.id}`,
            shippingAddress: {
              firstName: "Mia",
              lastName: "Berg",
              address1: "Hafenstraße 11",
              address2: "2. OG",
              zip: "20457",
              city: "Hamburg",
              countryCode: "DE"
            }
          }
        }
      ])
      expect(placed.order.order.shipTo).toMatchObject({ street1: "Hafenstraße 11", street2: "2. OG" })
    } finally {
      await fake.close()
    }
  })
})
