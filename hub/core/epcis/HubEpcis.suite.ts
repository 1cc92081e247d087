/** The hub's EPCIS view of orders' cancellations, through the real projection: HubEpcis.test.ts (SQLite), the integration twin (PostgreSQL). */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { epcisDocumentHead } from "../../../core/events/Epcis.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { Order } from "../../../core/orders/Order.ts"
import { OrderCancelled, OrderReceived, OrderReinstated } from "../../../core/orders/OrderEvents.ts"
import { PackItemVerified } from "../../../core/pack/PackEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import type { StationClock } from "../../../core/time/Clock.ts"
import { epcisSchemaValidator } from "../../../fixtures/epcis/epcisSchema.ts"
import { sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import { hubProjectionLayer } from "../../../fixtures/hub/hubProjectionLayer.ts"
import { stationEventStream } from "../../../fixtures/hub/stationEventStream.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HubProjection } from "../notify/HubProjection.ts"
import { HubSettings } from "../notify/HubSettings.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { readEpcisPage } from "./HubEpcis.ts"

const T = 1_795_000_000_000

export const hubEpcisSuite = (store: TestStore) =>
  describe(`the hub's EPCIS view of cancellations on ${store.dialect}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock | HubProjection>) =>
      Effect.runPromise(
        effect.pipe(
          Effect.provide(
            hubProjectionLayer(store, { nowMs: T + 3_600_000, settings: HubSettings.defaults("https://track.test") })
          )
        )
      )

    /** `body` on a hub with its tables, told by two stations of site HAM1. */
    const onHub = <A, E>(
      body: (
        hub: HubProjection["Service"],
        a: ReturnType<typeof stationEventStream>,
        b: ReturnType<typeof stationEventStream>
      ) => Effect.Effect<A, E, Sql | StationClock | HubProjection>
    ) =>
      run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          return yield* body(yield* HubProjection, stationEventStream("PACK-1"), stationEventStream("PACK-2"))
        })
      )

    /** SO-1 at `version`, as the shop's stream and the stations carry it. */
    const order = (version: number, status: Order["status"]): Order => ({
      ...sampleOrder("SO-1", { email: "one@example.test", locale: "en" }),
      version,
      status
    })

    /** A station's word that the shop cancelled SO-1 at `orderVersion`, the order `previousStatus` at the station. */
    const cancellation = (orderVersion: number, previousStatus: string) => ({
      orderId: "SO-1",
      orderVersion,
      previousStatus,
      interruptedPacking: false
    })

    /** Every stored EPCIS event, oldest first, as `GET /epcis` pages them. */
    const allExported = Effect.map(readEpcisPage({ fromMs: 0, toMs: T + 86_400_000 }, undefined, 100), (page) =>
      page.documents.map((document) => JSON.parse(document) as Record<string, unknown>)
    )

    /** The stored EPCIS events of one kind of station event, oldest first. */
    const exported = (eventType: string) =>
      Effect.map(allExported, (documents) =>
        documents.filter((document) => document["packbench:eventType"] === eventType)
      )

    /** Every stored EPCIS event, and the EPCIS ids of the station events `events`. */
    const exportedWithIds = (events: ReadonlyArray<{ readonly id: string }>) =>
      Effect.map(allExported, (documents) => ({ documents, ids: events.map((event) => `urn:uuid:${event.id}`) }))

    /** The TransactionEvents among `documents`: the voids and reinstatements. */
    const transactionsOf = (documents: ReadonlyArray<Record<string, unknown>>) =>
      documents.filter((document) => document.type === "TransactionEvent")

    /**
     * `events` applied in turn, with the TransactionEvents exported after the first `count` of them (`before`), every
     * stored EPCIS event, and the events' EPCIS ids.
     */
    const appliedInTwo = (hub: HubProjection["Service"], events: ReadonlyArray<EventEnvelope>, count: number) =>
      Effect.gen(function* () {
        for (const event of events.slice(0, count)) yield* hub.applyStationEvent(event)
        const before = transactionsOf(yield* allExported)
        for (const event of events.slice(count)) yield* hub.applyStationEvent(event)
        return { before, ...(yield* exportedWithIds(events)) }
      })

    it("records one EPCIS void per order: the shop cancelling a shipped order again and again adds none", async () => {
      const result = await onHub((hub, a, b) =>
        Effect.gen(function* () {
          const cancelled = (orderVersion: number) => cancellation(orderVersion, "shipped")
          const events = [
            a(
              OrderReceived,
              { order: sampleOrder("SO-1", { email: "one@example.test", locale: "en" }), replacedVersion: null },
              T
            ),
            a(OrderCancelled, cancelled(2), T + 1_000),
            // Every station of the site hears the shop: the second tells of the same cancellation.
            b(OrderCancelled, cancelled(2), T + 1_500),
            // The shop re-sends its cancellation, each time as a new version.
            a(OrderCancelled, cancelled(3), T + 2_000),
            a(OrderCancelled, cancelled(4), T + 3_000),
            // Another order's cancellation is its own.
            a(OrderCancelled, { ...cancelled(2), orderId: "SO-2" }, T + 4_000)
          ]
          for (const event of events) yield* hub.applyStationEvent(event)
          // Redelivered (the consumer applies an event again after a crash between commit and ack): nothing new.
          yield* hub.applyStationEvent(events[3]!)
          return { voids: yield* exported("order.cancelled"), first: events[1]!.id, other: events[5]!.id }
        })
      )
      expect(result.voids.map((document) => [document.eventID, document.action, document.bizTransactionList])).toEqual([
        [`urn:uuid:${result.first}`, "DELETE", [{ type: "po", bizTransaction: "urn:packbench:order:SO-1" }]],
        [`urn:uuid:${result.other}`, "DELETE", [{ type: "po", bizTransaction: "urn:packbench:order:SO-2" }]]
      ])
    })

    it("voids an order again when it is cancelled again after the shop took the first cancellation back", async () => {
      const result = await onHub((hub, a) =>
        Effect.gen(function* () {
          const cancelled = (orderVersion: number) => cancellation(orderVersion, "open")
          const events = [
            a(
              OrderReceived,
              { order: sampleOrder("SO-1", { email: "one@example.test", locale: "en" }), replacedVersion: null },
              T
            ),
            a(OrderCancelled, cancelled(2), T + 1_000),
            a(OrderReinstated, { orderId: "SO-1", orderVersion: 3, status: "open" as const }, T + 2_000),
            a(OrderCancelled, cancelled(4), T + 3_000),
            // The shop re-sends that second cancellation: a repeat of the void in force.
            a(OrderCancelled, cancelled(5), T + 4_000)
          ]
          for (const event of events) yield* hub.applyStationEvent(event)
          return { voids: yield* exported("order.cancelled"), ids: [events[1]!.id, events[3]!.id] }
        })
      )
      expect(result.voids.map((document) => document.eventID)).toEqual(result.ids.map((id) => `urn:uuid:${id}`))
    })

    it("voids no order again for a late cancellation of a version before the one that took it back", async () => {
      const result = await onHub((hub, a, b) =>
        Effect.gen(function* () {
          const reinstated = (orderVersion: number) => ({ orderId: "SO-1", orderVersion, status: "open" as const })
          const events = [
            a(OrderReceived, { order: order(1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancellation(2, "open"), T + 1_000),
            a(OrderReinstated, reinstated(3), T + 2_000),
            // PACK-2 heard of the cancellation late: the shop took it back at version 3 already.
            b(OrderCancelled, cancellation(2, "open"), T + 2_100),
            // A version after the reinstatement, not cancelled: a cancellation before it is taken back by it too.
            a(OrderReceived, { order: order(5, "open"), replacedVersion: 3 }, T + 2_200),
            b(OrderCancelled, cancellation(4, "open"), T + 2_300),
            // A newer cancellation voids the order again, and a late one before it is a repeat.
            a(OrderCancelled, cancellation(6, "open"), T + 3_000),
            // The shop's stream takes it back at 7: PACK-2's late word of 6 changes nothing.
            b(OrderCancelled, cancellation(6, "open"), T + 4_100)
          ]
          for (const event of events.slice(0, 7)) yield* hub.applyStationEvent(event)
          yield* hub.applyShopOrder(order(7, "open"), "HAM1", "PACK-1")
          yield* hub.applyStationEvent(events[7]!)
          return yield* exportedWithIds(events)
        })
      )
      const transactions = transactionsOf(result.documents)
      expect(transactions.map((document) => [document.action, document.eventID])).toEqual([
        ["DELETE", result.ids[1]],
        ["ADD", result.ids[2]],
        ["DELETE", result.ids[6]],
        ["ADD", expect.any(String)]
      ])
    })

    it("voids no shipped order again for a late cancellation of a version before the one that took it back, but for one after it", async () => {
      const result = await onHub((hub, a, b) =>
        Effect.gen(function* () {
          const events = [
            a(OrderReceived, { order: order(1, "shipped"), replacedVersion: null }, T),
            a(OrderCancelled, cancellation(2, "shipped"), T + 1_000),
            // A station keeps a shipped order shipped: the shop's version 3 takes the cancellation back, and the
            // station says so (status shipped), as every station of the site does.
            a(OrderReceived, { order: order(3, "shipped"), replacedVersion: 2 }, T + 2_000),
            a(OrderReinstated, { orderId: "SO-1", orderVersion: 3, status: "shipped" as const }, T + 2_001),
            b(OrderCancelled, cancellation(2, "shipped"), T + 2_100),
            b(OrderReceived, { order: order(3, "shipped"), replacedVersion: 2 }, T + 2_200),
            b(OrderReinstated, { orderId: "SO-1", orderVersion: 3, status: "shipped" as const }, T + 2_201),
            // The shop's version 4 cancels the order again: its order.received shows no cancellation (the station
            // keeps the order shipped), and the order.cancelled after it is what says so.
            a(OrderReceived, { order: order(4, "shipped"), replacedVersion: 3 }, T + 3_000),
            a(OrderCancelled, cancellation(4, "shipped"), T + 3_001)
          ]
          for (const event of events) yield* hub.applyStationEvent(event)
          return yield* exportedWithIds(events)
        })
      )
      const transactions = transactionsOf(result.documents)
      expect(transactions.map((document) => [document.action, document.eventID])).toEqual([
        ["DELETE", result.ids[1]],
        ["ADD", result.ids[2]],
        ["DELETE", result.ids[8]]
      ])
    })

    it("leaves no order void whose first void never reached the hub, when a late word of it comes after the reinstatement", async () => {
      const result = await onHub((hub, a, b) =>
        Effect.gen(function* () {
          const sql = yield* Sql
          const reinstated = (orderVersion: number) => ({ orderId: "SO-1", orderVersion, status: "shipped" as const })
          // PACK-1's cancellation at 2 of the shipped order never reached the hub; PACK-2 tells of it after the
          // shop's version 3 took it back.
          const shipped = [
            a(OrderReceived, { order: order(1, "shipped"), replacedVersion: null }, T),
            a(OrderReceived, { order: order(3, "shipped"), replacedVersion: 2 }, T + 2_000),
            a(OrderReinstated, reinstated(3), T + 2_001),
            b(OrderCancelled, cancellation(2, "shipped"), T + 2_100)
          ]
          for (const event of shipped) yield* hub.applyStationEvent(event)
          const afterShipped = transactionsOf(yield* allExported)
          // SO-2, open: the hub counted its cancellation at 2, but was of a release that kept no void of it.
          const open = (version: number): Order => ({ ...order(version, "open"), orderId: "SO-2" })
          yield* hub.applyStationEvent(a(OrderReceived, { order: open(1), replacedVersion: null }, T + 3_000))
          yield* hub.applyStationEvent(a(OrderCancelled, { ...cancellation(2, "open"), orderId: "SO-2" }, T + 3_100))
          yield* sql.execute("DELETE FROM hub_epcis_voided_transactions")
          yield* sql.execute("DELETE FROM hub_epcis_events")
          const later = [
            a(OrderReinstated, { orderId: "SO-2", orderVersion: 3, status: "open" as const }, T + 3_200),
            b(OrderCancelled, { ...cancellation(2, "open"), orderId: "SO-2" }, T + 3_300),
            // A cancellation after the reinstatement voids SO-1 again, and its taking back is exported.
            a(OrderCancelled, cancellation(4, "shipped"), T + 4_000),
            a(OrderReinstated, reinstated(5), T + 5_000)
          ]
          for (const event of later) yield* hub.applyStationEvent(event)
          return { afterShipped, ...(yield* exportedWithIds(later)) }
        })
      )
      expect(result.afterShipped).toEqual([])
      expect(transactionsOf(result.documents).map((document) => [document.action, document.eventID])).toEqual([
        ["DELETE", result.ids[2]],
        ["ADD", result.ids[3]]
      ])
    })

    // A late word of a cancellation at 2 that a newer version, told only by its order.received (PACK-1 is of a
    // release before order.reinstated), took back before it reached the hub: of a shipped order, which the hub never
    // counts cancelled, or of an open one whose cancellation PACK-1 told of was lost on its way.
    for (const [status, cancelledVersion] of [
      // A station keeps a shipped order shipped: a version that cancels it is its order.received, which shows no
      // cancellation, and then its order.cancelled.
      ["shipped", "shipped"],
      ["open", "cancelled"]
    ] as const) {
      it(`voids no ${status} order for a late word of a cancellation taken back by a newer version the hub knows`, async () => {
        const result = await onHub((hub, a, b) =>
          Effect.gen(function* () {
            const events = [
              a(OrderReceived, { order: order(1, status), replacedVersion: null }, T),
              a(OrderReceived, { order: order(3, status), replacedVersion: 2 }, T + 2_000),
              b(OrderCancelled, cancellation(2, status), T + 2_100),
              // A cancellation after the version the hub knows voids the order, and the next version takes it back.
              a(OrderReceived, { order: order(4, cancelledVersion), replacedVersion: 3 }, T + 3_000),
              a(OrderCancelled, cancellation(4, status), T + 3_001),
              a(OrderReceived, { order: order(5, status), replacedVersion: 4 }, T + 4_000)
            ]
            return yield* appliedInTwo(hub, events, 3)
          })
        )
        expect(result.before).toEqual([])
        expect(transactionsOf(result.documents).map((document) => [document.action, document.eventID])).toEqual([
          ["DELETE", result.ids[4]],
          ["ADD", result.ids[5]]
        ])
      })
    }

    it("exports no reinstatement for a shipped order's version the shop's stream cancels again while its void is in force", async () => {
      const result = await onHub((hub, a) =>
        Effect.gen(function* () {
          const events = [
            a(OrderReceived, { order: order(1, "shipped"), replacedVersion: null }, T),
            a(OrderReceived, { order: order(2, "shipped"), replacedVersion: 1 }, T + 1_000),
            a(OrderCancelled, cancellation(2, "shipped"), T + 1_001),
            // The shop connector's upsert cancels the order again at 3 (the hub hears its stream first); the station
            // keeps the order shipped, so the version's order.received shows no cancellation, the order.cancelled
            // after it does.
            a(OrderReceived, { order: order(3, "shipped"), replacedVersion: 2 }, T + 2_000),
            a(OrderCancelled, cancellation(3, "shipped"), T + 2_001),
            // The shop takes the cancellation back at 4, then cancels at 5 again: a void, a reinstatement, a void.
            a(OrderReceived, { order: order(4, "shipped"), replacedVersion: 3 }, T + 3_000),
            a(OrderReinstated, { orderId: "SO-1", orderVersion: 4, status: "shipped" as const }, T + 3_001),
            a(OrderReceived, { order: order(5, "shipped"), replacedVersion: 4 }, T + 4_000),
            a(OrderCancelled, cancellation(5, "shipped"), T + 4_001)
          ]
          for (const event of events.slice(0, 3)) yield* hub.applyStationEvent(event)
          yield* hub.applyShopOrder(order(3, "cancelled"), "HAM1", "PACK-1")
          for (const event of events.slice(3, 7)) yield* hub.applyStationEvent(event)
          yield* hub.applyShopOrder(order(5, "cancelled"), "HAM1", "PACK-1")
          for (const event of events.slice(7)) yield* hub.applyStationEvent(event)
          return yield* exportedWithIds(events)
        })
      )
      expect(transactionsOf(result.documents).map((document) => [document.action, document.eventID])).toEqual([
        ["DELETE", result.ids[2]],
        ["ADD", result.ids[5]],
        ["DELETE", result.ids[8]]
      ])
      const validate = epcisSchemaValidator()
      const document = { ...epcisDocumentHead(T), epcisBody: { eventList: result.documents } }
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true)
    })

    it("exports the reinstatement of a shipped order's cancellation once, as for an unshipped one", async () => {
      const result = await onHub((hub, a, b) =>
        Effect.gen(function* () {
          // The parcel left: the hub does not count the order cancelled (its tracking mail goes on), yet voids it.
          const cancelled = (orderVersion: number) => cancellation(orderVersion, "shipped")
          const events = [
            a(OrderReceived, { order: order(1, "shipped"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled(2), T + 1_000),
            b(OrderCancelled, cancelled(2), T + 1_100),
            // The shop re-sends the cancellation as a new version: a repeat of the void in force.
            a(OrderCancelled, cancelled(3), T + 1_200),
            // A late word of a version before the cancellation takes nothing back.
            b(OrderReceived, { order: order(2, "shipped"), replacedVersion: 1 }, T + 1_300),
            // A station keeps a shipped order shipped: the shop's newer version is its order.received alone.
            a(OrderReceived, { order: order(4, "shipped"), replacedVersion: 3 }, T + 2_000),
            b(OrderReceived, { order: order(4, "shipped"), replacedVersion: 2 }, T + 2_100),
            a(OrderCancelled, cancelled(5), T + 3_000)
          ]
          for (const event of events) yield* hub.applyStationEvent(event)
          // Redelivered after a crash between commit and ack: nothing new.
          yield* hub.applyStationEvent(events[5]!)
          // The shop's own stream takes the second cancellation back before any station tells: the order is one of
          // the hub's shop connector's.
          const sql = yield* Sql
          yield* sql.execute(
            `INSERT INTO shop_orders (connector_id, shop_order_id, order_id, site_id, state, version, shop_updated_ms,
               mapped, received_at_ms, updated_at_ms) VALUES ('shopify-eu', '1001', 'SO-1', 'HAM1', 'open', 6, 0, '{}', 0, 0)`
          )
          yield* hub.applyShopOrder(order(6, "open"), "HAM1", "PACK-1")
          yield* hub.applyStationEvent(a(OrderReceived, { order: order(6, "shipped"), replacedVersion: 5 }, T + 4_000))
          return yield* exportedWithIds(events)
        })
      )
      const transactions = transactionsOf(result.documents)
      expect(transactions.map((document) => [document.action, document.eventID])).toEqual([
        ["DELETE", result.ids[1]],
        ["ADD", result.ids[5]],
        ["DELETE", result.ids[7]],
        ["ADD", expect.any(String)]
      ])
      // The shop connector that keeps the order is the source of the shop stream's word.
      expect(transactions[3]).toMatchObject({
        eventTime: new Date(T + 3_600_000).toISOString(),
        readPoint: { id: "https://id.packbench.example/shop/shopify-eu" },
        "packbench:eventType": "shop.order-reinstated",
        "packbench:connector": "shopify-eu",
        "packbench:orderVersion": 6
      })
    })

    it("exports each reinstatement once, as a TransactionEvent ADD of the order between its voids", async () => {
      const result = await onHub((hub, a, b) =>
        Effect.gen(function* () {
          const cancelled = (orderVersion: number) => cancellation(orderVersion, "open")
          const reinstated = (orderVersion: number) => ({ orderId: "SO-1", orderVersion, status: "open" as const })
          const events = [
            a(OrderReceived, { order: order(1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled(2), T + 1_000),
            b(OrderCancelled, cancelled(2), T + 1_100),
            a(OrderReinstated, reinstated(3), T + 2_000),
            // Every station of the site tells of the one reinstatement.
            b(OrderReinstated, reinstated(3), T + 2_100),
            a(
              PackItemVerified,
              { orderId: "SO-1", lineId: "L1", sku: "ALP-MUG-01", gtin: "04012345000016", quantity: 1, raw: "x" },
              T + 3_000
            ),
            a(OrderCancelled, cancelled(4), T + 4_000),
            // A station of a version before order.reinstated: the shop's newer version is its order.received alone.
            a(OrderReceived, { order: order(5, "open"), replacedVersion: 4 }, T + 5_000),
            a(OrderCancelled, cancelled(6), T + 6_000)
          ]
          for (const event of events) yield* hub.applyStationEvent(event)
          // Redelivered after a crash between commit and ack: nothing new.
          yield* hub.applyStationEvent(events[3]!)
          yield* hub.applyStationEvent(events[7]!)
          // The shop's own stream takes the third cancellation back before any station tells (at the hub's time),
          // and then a station does: one reinstatement, exported once.
          yield* hub.applyShopOrder(order(7, "open"), "HAM1", "PACK-1")
          yield* hub.applyStationEvent(b(OrderReinstated, reinstated(7), T + 3_600_000 + 1_000))
          return yield* exportedWithIds(events)
        })
      )
      const transactions = transactionsOf(result.documents)
      expect(transactions.map((document) => [document.action, document["packbench:eventType"]])).toEqual([
        ["DELETE", "order.cancelled"],
        ["ADD", "order.reinstated"],
        ["DELETE", "order.cancelled"],
        ["ADD", "order.received"],
        ["DELETE", "order.cancelled"],
        ["ADD", "shop.order-reinstated"]
      ])
      const ids = result.ids
      expect(transactions.slice(0, 5).map((document) => document.eventID)).toEqual([
        ids[1],
        ids[3],
        ids[6],
        ids[7],
        ids[8]
      ])
      expect(transactions[1]).toEqual({
        type: "TransactionEvent",
        eventID: ids[3],
        eventTime: new Date(T + 2_000).toISOString(),
        // The hub's default site zone, Europe/Berlin, in November.
        eventTimeZoneOffset: "+01:00",
        recordTime: new Date(T + 2_000).toISOString(),
        action: "ADD",
        bizStep: "other",
        epcList: [],
        bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-1" }],
        readPoint: { id: "https://id.packbench.example/site/HAM1/station/PACK-1" },
        bizLocation: { id: "https://id.packbench.example/site/HAM1" },
        "packbench:eventType": "order.reinstated",
        "packbench:station": "PACK-1",
        "packbench:epoch": "E1",
        "packbench:seq": 3
      })
      // The shop's reinstatement is the hub's word, at the hub's time, from the shop's stream: no connector of this
      // hub keeps the order, so the source is the shop's stream itself, and no station, epoch or number is claimed.
      expect(transactions[5]).toMatchObject({
        action: "ADD",
        eventTime: new Date(T + 3_600_000).toISOString(),
        bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-1" }],
        readPoint: { id: "https://id.packbench.example/shop" },
        bizLocation: { id: "https://id.packbench.example/site/HAM1" },
        "packbench:eventType": "shop.order-reinstated",
        "packbench:orderVersion": 7
      })
      expect(Object.keys(transactions[5]!).filter((key) => key.startsWith("packbench:"))).toEqual([
        "packbench:eventType",
        "packbench:orderVersion"
      ])
      // The packing between the first reinstatement and the second void is exported in its place.
      expect(result.documents.map((document) => document["packbench:eventType"])).toContain("pack.item-verified")
      const validate = epcisSchemaValidator()
      const document = { ...epcisDocumentHead(T), epcisBody: { eventList: result.documents } }
      expect(validate(document), JSON.stringify(validate.errors)).toBe(true)
    })
  })
