import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { draftOrder, NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { defaultNotifySettings } from "../notify/NotifySettings.ts"
import { ingestShopOrder } from "../shop/ShopInbox.ts"
import { type CorrectionOutcome, checkCorrection, submitCorrection } from "./AddressCorrections.ts"

const payload = { text: "{}", sha256: "0".repeat(64) }
const routing = { rules: [], defaultSite: "HAM1" }

describe("checking a correction", () => {
  it("bounds every field and refuses control characters before the address rules see it", () => {
    const refused = checkCorrection(
      { name: "A".repeat(101), street1: "Hafenstraße 1\u0000", postalCode: "20457", city: "Hamburg" },
      "DE",
      "dhl-paket",
      "en"
    )
    expect(refused.address).toBeUndefined()
    expect(refused.errors).toEqual([
      { field: "name", message: "At most 100 characters." },
      { field: "street1", message: "Please leave out line breaks and control characters." }
    ])
  })

  it("applies the bench's rules for the order's country and carrier, each error at its field, in the customer's language", () => {
    const checked = checkCorrection(
      { name: "Mia Berg", street1: "Packstation 123", postalCode: "10115", city: "Hamburg" },
      "DE",
      "dhl-paket",
      "de"
    )
    const fields = checked.errors.map((error) => error.field)
    // A Packstation needs its Postnummer (the line below), and 10115 is Berlin, not Hamburg.
    expect(fields).toEqual(["city", "street2"])
    expect(checked.errors.find((error) => error.field === "street2")?.message).toContain("Ihrer DHL-Postnummer")
    expect(checked.errors.every((error) => error.message.length > 0)).toBe(true)
    expect(checkCorrection({ street1: "Hafenstraße 1" }, "DE", "dhl-paket", "de").errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(["name", "postalCode", "city"])
    )
    expect(
      checkCorrection(
        { name: " Mia Berg ", street1: "Hafenstraße 1", postalCode: "20457", city: "Hamburg" },
        "DE",
        "dhl-paket",
        "de"
      )
    ).toEqual({
      address: { name: "Mia Berg", street1: "Hafenstraße 1", postalCode: "20457", city: "Hamburg", country: "DE" },
      errors: []
    })
  })
})

const orderIdOf = (result: { readonly outcome: CorrectionOutcome }) =>
  result.outcome.type === "taken" ? result.outcome.view.orderId : ""

describe("a correction of an order a shop connector brought", () => {
  it("goes to the stations on the shop side's stream with the shop's next version, queues one address push to the shop, and survives the shop's next change", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        const sql = yield* Sql
        expect(yield* ingestShopOrder(sql, testSettings, routing, draftOrder(), payload, NOW, "read")).toBe("upserted")
        const orderId = (yield* sql.query<{ order_id: string }>("SELECT order_id FROM shop_orders"))[0]!.order_id
        yield* sql.execute(
          "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C', 'Mia', 'Berg', 'mia@example.com', 'de', 0)"
        )
        yield* sql.execute(
          `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id, station_id,
             ship_to, hold_station_id, updated_at_ms) VALUES (?, 1, 'C', 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-01', ?, 'PACK-02', 0)`,
          [
            orderId,
            JSON.stringify({
              name: "Mia Berg",
              street1: "Hafenstraße 1",
              postalCode: "20457",
              city: "Hamburg",
              country: "DE"
            })
          ]
        )
        yield* sql.execute(
          "INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms) VALUES ('h', ?, 'n', 0, ?)",
          [orderId, NOW + 3_600_000]
        )
        const outcome = yield* submitCorrection(
          "h",
          { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20457", city: "Hamburg" },
          NOW,
          defaultNotifySettings
        )
        const corrections = yield* sql.query(
          "SELECT route, connector_id, shop_update, order_version FROM hub_address_corrections"
        )
        const pushes = yield* sql.query<{ kind: string; idempotency_key: string; subject: string; payload: string }>(
          "SELECT kind, idempotency_key, subject, payload FROM shop_pushes"
        )
        // The shop changes something else (a note) and still has the old address: the stations keep the customer's.
        const later = yield* ingestShopOrder(
          sql,
          testSettings,
          routing,
          draftOrder({ updatedAtMs: NOW + 60_000, shippingMethod: { code: "Standard", title: "Standardversand" } }),
          payload,
          NOW + 60_000,
          "read"
        )
        // A new address set at the shop is the shop's, and wins.
        const moved = yield* ingestShopOrder(
          sql,
          testSettings,
          routing,
          draftOrder({
            updatedAtMs: NOW + 120_000,
            shipTo: { ...draftOrder().shipTo, street1: "Elbchaussee 5", postalCode: "22763" }
          }),
          payload,
          NOW + 120_000,
          "read"
        )
        const messages = yield* sql.query<{ stream: string; topic: string; body: string }>(
          "SELECT stream, topic, body FROM shop_messages ORDER BY seq"
        )
        return {
          outcome,
          messages,
          corrections,
          later,
          moved,
          pushes,
          hubMessages: yield* sql.query("SELECT * FROM hub_messages")
        }
      }).pipe(Effect.provide(Layer.mergeAll(sqliteTestStore.layer(), StationClock.manual(NOW).layer)))
    )
    expect(result.outcome.type).toBe("taken")
    expect([result.later, result.moved]).toEqual(["unchanged", "address-corrected"])
    expect(
      result.messages.map((row) => [row.stream, row.topic, JSON.parse(row.body).type, JSON.parse(row.body).version])
    ).toEqual([
      ["site:HAM1", "packbench/v1/HAM1/all/inbox/order.upsert", "order.upsert", 1],
      ["site:HAM1", "packbench/v1/HAM1/all/inbox/order.address-corrected", "order.address-corrected", 2],
      ["site:HAM1", "packbench/v1/HAM1/all/inbox/order.address-corrected", "order.address-corrected", 3]
    ])
    expect(JSON.parse(result.messages[1]!.body).payload.shipTo.street1).toBe("Hafenstraße 11")
    expect(JSON.parse(result.messages[2]!.body).payload.shipTo.street1).toBe("Elbchaussee 5")
    expect(result.corrections).toEqual([
      {
        route: "shop",
        connector_id: "shopify-main",
        shop_update: `queued: address push packbench-address-${orderIdOf(result)}-hold-1 to shopify-main`,
        order_version: 2
      }
    ])
    // One durable push tells the shop, in the same transaction as the correction.
    expect(result.pushes).toHaveLength(1)
    expect(result.pushes[0]).toMatchObject({ kind: "address", subject: `${orderIdOf(result)}/hold-1` })
    expect(JSON.parse(result.pushes[0]!.payload)).toMatchObject({
      orderId: orderIdOf(result),
      shopOrderId: draftOrder().shopOrderId,
      shipTo: { street1: "Hafenstraße 11", postalCode: "20457", city: "Hamburg", country: "DE" }
    })
    expect(result.moved).toBe("address-corrected")
    expect(result.hubMessages).toEqual([])
  })
})
