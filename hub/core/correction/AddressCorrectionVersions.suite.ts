/** A customer's correction of an order no shop connector brought, taken by the hub and applied by a real station. */
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { EventLog } from "../../../core/events/EventLog.ts"
import type { Address, Order } from "../../../core/orders/Order.ts"
import { registerOrderInbound } from "../../../core/orders/OrderInbound.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import type { BrokerMessage } from "../../../core/sync/Broker.ts"
import { Inbox } from "../../../core/sync/Inbox.ts"
import { encodeJson } from "../../../core/sync/Topics.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { inboxScenario, shopMessage } from "../../../fixtures/InboxScenario.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { fixture } from "../../../fixtures/SeededStation.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { defaultNotifySettings } from "../notify/NotifySettings.ts"
import { submitCorrection } from "./AddressCorrections.ts"

const NOW = 1_767_225_600_000
const orders = fixture("orders.json") as Array<Order>
const base = orders.find((candidate) => candidate.orderId === "SO-100001")!
const held: Address = { ...base.shipTo, street1: "Hauptstraße" }
/** The source's order at `version`, with the address as it has it (it never hears of the hub's correction). */
const sourceOrder = (version: number, more: Partial<Order> = {}): Order => ({ ...base, version, shipTo: held, ...more })
const form = { name: "Anna Schmidt", street1: "Hauptstraße 14", postalCode: "10115", city: "Berlin" }
const corrected: Address = { ...form, country: "DE" }
/** The source's own next change: a line's quantity, nothing about the address. */
const changedLines = base.lines.map((line, index) => (index === 0 ? { ...line, quantity: 3 } : line))

/**
 * The hub's side: order SO-100001 at version 3 from a source that is no shop connector, held for its address at
 * PACK-01; the customer corrects it through the link. Returns what the hub sends to the station and keeps.
 */
const hubCorrects = (store: TestStore, form: Readonly<Record<string, string>>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      const sql = yield* Sql
      yield* sql.execute(
        `INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms)
         VALUES ('C-1001', 'Anna', 'Schmidt', 'anna.schmidt@example.de', 'de', 0)`
      )
      yield* sql.execute(
        `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id, station_id,
           ship_to, hold_station_id, address_holds, address_problems, updated_at_ms)
         VALUES ('SO-100001', 3, 'C-1001', 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-01', ?, 'PACK-01', 1, ?, 0)`,
        [JSON.stringify(held), JSON.stringify(["The house number is missing."])]
      )
      yield* sql.execute(
        `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, hold_round)
         VALUES ('h', 'SO-100001', 'n', 0, ?, 1)`,
        [NOW + 3_600_000]
      )
      const outcome = yield* submitCorrection("h", form, NOW, defaultNotifySettings)
      const messages = yield* sql.query<{ topic: string; body: string }>(
        "SELECT topic, body FROM hub_messages ORDER BY seq"
      )
      const hubOrder = yield* sql.query<{ order_version: number; ship_to: string }>(
        "SELECT order_version, ship_to FROM hub_orders WHERE order_id = 'SO-100001'"
      )
      return {
        outcome: outcome.type,
        toStation: messages.map(
          (row): BrokerMessage => ({
            topic: row.topic,
            payload: encodeJson(JSON.parse(row.body)),
            userProperties: {}
          })
        ),
        orderVersion: Number(hubOrder[0]!.order_version),
        shipTo: JSON.parse(hubOrder[0]!.ship_to) as Address
      }
    }).pipe(Effect.provide(Layer.mergeAll(store.layer(), StationClock.manual(NOW).layer)))
  )

/** PACK-01 with the order at version 3 held for its address; `body` then runs with the order handlers registered. */
const atStation = <A>(body: Effect.Effect<A, unknown, Inbox | Sql | EventLog>) =>
  inboxScenario(
    (inbox) =>
      registerOrderInbound(inbox, { isOpen: () => Effect.succeed(false), interrupt: () => Effect.void }).pipe(
        Effect.andThen(
          Effect.gen(function* () {
            yield* inbox.receive(shopMessage("order.upsert", sourceOrder(3)))
            const sql = yield* Sql
            yield* sql.execute("UPDATE orders SET status = 'address-hold' WHERE order_id = 'SO-100001'")
          })
        )
      ),
    body
  )

const storedOrder = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ version: number; status: string; data: string }>(
    "SELECT version, status, data FROM orders WHERE order_id = 'SO-100001'"
  )
  const events = yield* sql.query<{ type: string; payload: string }>("SELECT type, payload FROM events ORDER BY seq")
  return {
    version: Number(rows[0]!.version),
    status: rows[0]!.status,
    order: JSON.parse(rows[0]!.data) as Order,
    events: events.map((row) => [row.type, JSON.parse(row.payload)] as const)
  }
})

export const addressCorrectionVersionsSuite = (store: TestStore) =>
  describe(`a customer's correction of an order no shop connector brought (${store.dialect})`, () => {
    it("does not take the order's next version from its source: the hub's copy keeps the source's version", async () => {
      const hub = await hubCorrects(store, form)
      expect(hub.outcome).toBe("taken")
      expect(hub.toStation).toHaveLength(1)
      expect(hub.shipTo).toEqual(corrected)
      // The source numbers the order's versions: its next one (4) is newer than what the hub has.
      expect(hub.orderVersion).toBe(3)
    })

    it("keeps the corrected address and the source's next change that came after it, with its own version 4", async () => {
      const hub = await hubCorrects(store, form)
      const result = await atStation(
        Effect.gen(function* () {
          const inbox = yield* Inbox
          const outcomes = [yield* inbox.receive(hub.toStation[0]!)]
          outcomes.push(yield* inbox.receive(shopMessage("order.upsert", sourceOrder(4, { lines: changedLines }))))
          return { outcomes, ...(yield* storedOrder) }
        })
      )
      expect(result.outcomes).toEqual(["applied", "applied"])
      expect(result.version).toBe(4)
      expect(result.order.shipTo).toEqual(corrected)
      expect(result.order.lines[0]!.quantity).toBe(3)
      expect(result.status).toBe("open")
      expect(result.events.map(([type]) => type)).not.toContain("inbound.update-ignored")
      // What the hub hears of version 4 carries the corrected address, so its copy keeps it too.
      const last = result.events.filter(([type]) => type === "order.received").at(-1)!
      expect(last[1]).toMatchObject({ order: { version: 4, shipTo: corrected }, replacedVersion: 3 })
    })

    it("keeps both when the source's change reaches the station before the correction", async () => {
      const hub = await hubCorrects(store, form)
      const result = await atStation(
        Effect.gen(function* () {
          const inbox = yield* Inbox
          const outcomes = [
            yield* inbox.receive(shopMessage("order.upsert", sourceOrder(4, { lines: changedLines }))),
            yield* inbox.receive(hub.toStation[0]!)
          ]
          return { outcomes, ...(yield* storedOrder) }
        })
      )
      expect(result.outcomes).toEqual(["applied", "applied"])
      expect(result.version).toBe(4)
      expect(result.order.shipTo).toEqual(corrected)
      expect(result.order.lines[0]!.quantity).toBe(3)
      expect(result.events.map(([type]) => type)).not.toContain("inbound.update-ignored")
      expect(result.events.at(-1)).toEqual([
        "order.address-corrected",
        expect.objectContaining({ orderId: "SO-100001", orderVersion: 4, shipTo: corrected, previousShipTo: held })
      ])
    })

    it("gives way to an address the source sets itself, before or after the correction, and says so in the log", async () => {
      const hub = await hubCorrects(store, form)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const afterwards = await atStation(
        Effect.gen(function* () {
          const inbox = yield* Inbox
          yield* inbox.receive(hub.toStation[0]!)
          yield* inbox.receive(shopMessage("order.upsert", sourceOrder(4, { shipTo: own })))
          // A later version with the source's address again: still the source's, the correction is behind it.
          yield* inbox.receive(shopMessage("order.upsert", sourceOrder(5, { shipTo: own, lines: changedLines })))
          return yield* storedOrder
        })
      )
      expect(afterwards.version).toBe(5)
      expect(afterwards.order.shipTo).toEqual(own)
      expect(afterwards.order.lines[0]!.quantity).toBe(3)

      const before = await atStation(
        Effect.gen(function* () {
          const inbox = yield* Inbox
          yield* inbox.receive(shopMessage("order.upsert", sourceOrder(4, { shipTo: own })))
          const outcome = yield* inbox.receive(hub.toStation[0]!)
          return { outcome, ...(yield* storedOrder) }
        })
      )
      expect(before.outcome).toBe("applied")
      expect(before.order.shipTo).toEqual(own)
      expect(before.events.at(-1)).toEqual([
        "inbound.update-ignored",
        expect.objectContaining({
          orderId: "SO-100001",
          reason: expect.stringContaining("the order's source changed the address itself"),
          cause: "source-changed"
        })
      ])
    })
  })
