import { Effect, Exit, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Bounds } from "../../../core/bounds/Bounds.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { defineEvent, type EventDefinition } from "../../../core/events/EventDefinition.ts"
import type { Address, Order } from "../../../core/orders/Order.ts"
import {
  OrderAddressCorrected,
  OrderCancelled,
  OrderReceived,
  OrderReinstated
} from "../../../core/orders/OrderEvents.ts"
import { ParcelShipmentByHandReopened, ParcelShipmentCancelledByHand } from "../../../core/pack/PackEvents.ts"
import { OperatorSignedIn } from "../../../core/session/SessionEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { Broker } from "../../../core/sync/Broker.ts"
import { Consumer, EventRefused, type StreamAlert } from "../../../core/sync/Consumer.ts"
import { makeMemoryBus } from "../../../core/sync/MemoryBroker.ts"
import { encodeJson, Topics } from "../../../core/sync/Topics.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { countingTrackingTokensLayer } from "../../../fixtures/hub/countingTrackingTokens.ts"
import { sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HubProjection } from "./HubProjection.ts"
import { HubSettings } from "./HubSettings.ts"
import { hubMigrations } from "./migrations/hubMigrations.ts"

const NOW_MS = 1_795_000_000_000
/** An order version no sender can have given: past the hub's clock in ms plus a day. */
const FORGED = 1e15

/** What the hub's consumer refuses such a version of an order with: the station inbox's reason, in the event's place. */
const refusal = (type: string, orderId: string) =>
  `${type} v1 payload: order ${orderId}: version ${FORGED} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's ${NOW_MS} ms plus ${Bounds.clockSkewMs} ms`

const order = (orderId: string, version: number, more: Partial<Order> = {}): Order => ({
  ...sampleOrder(orderId, { email: `${orderId.toLowerCase()}@example.test`, locale: "de" }),
  version,
  ...more
})
const corrected: Address = {
  name: "Anna Schmidt",
  street1: "Hauptstraße 14",
  postalCode: "10115",
  city: "Berlin",
  country: "DE"
}
const forgedAddress: Address = { ...corrected, street1: "Nirgendwo 1" }

/** One station's stream, numbered gap-free and stamped at the hub's clock (as the station's event log does). */
const stream = (stationId: string) => {
  let seq = 0
  return <Type extends string, Payload>(definition: EventDefinition<Type, Payload>, payload: Payload) => {
    seq++
    return {
      id: `${stationId}-${seq}`,
      type: definition.type,
      version: definition.version,
      siteId: "HAM1",
      stationId,
      epoch: "E1",
      seq,
      eventTime: { wallMs: NOW_MS, monoNs: "0" },
      recordTimeMs: NOW_MS,
      actor: { role: "packer" as const, badgeId: "B-1", name: "Test Packer" },
      payload
    } as EventEnvelope
  }
}
type Next = ReturnType<typeof stream>

const received = (next: Next, orderId: string, version: number, more: Partial<Order> = {}) =>
  next(OrderReceived, { order: order(orderId, version, more), replacedVersion: version > 1 ? 1 : null })
const cancelled = (next: Next, orderId: string, orderVersion: number) =>
  next(OrderCancelled, { orderId, orderVersion, previousStatus: "open", interruptedPacking: false })
const reinstated = (next: Next, orderId: string, orderVersion: number) =>
  next(OrderReinstated, { orderId, orderVersion, status: "open" as const })
const addressCorrected = (next: Next, orderId: string, orderVersion: number, shipTo: Address) =>
  next(OrderAddressCorrected, { orderId, orderVersion, shipTo, releasedHold: false, labelReprintRequired: false })

/** A station event type from a release after this hub's: no station of this build writes it. */
const ParcelReweighed = defineEvent({
  type: "parcel.reweighed",
  version: 1,
  payload: Schema.Struct({ parcelId: Schema.String, grams: Schema.Int })
})

const asMessage = (event: EventEnvelope) => ({
  topic: Topics.event(event.siteId, event.stationId, event.type),
  payload: encodeJson(event),
  userProperties: {}
})

const hubLayer = (
  store: TestStore,
  bus: Effect.Success<ReturnType<typeof makeMemoryBus>>,
  seen: {
    readonly alerts: Array<StreamAlert>
    readonly batches: Array<number>
    readonly known: { now: boolean }
    readonly taught: Set<string>
    readonly busy: Set<string>
  }
) => {
  const base = Layer.mergeAll(
    store.layer(),
    StationClock.manual(NOW_MS).layer,
    Layer.effect(Broker, bus.client("hub")),
    countingTrackingTokensLayer,
    Layer.succeed(HubSettings, HubSettings.defaults("https://track.test"))
  )
  const consumer = Layer.unwrap(
    Effect.gen(function* () {
      const hub = yield* HubProjection
      const sql = yield* Sql
      // After the projection wrote the event's rows, a statement the store refuses (a missing table: on PostgreSQL it
      // aborts the transaction, as a lock timeout does), so those rows must go with the rollback.
      const storeFailsFor = (events: ReadonlyArray<EventEnvelope>) =>
        events.some((event) => seen.busy.has(event.id))
          ? sql.query("SELECT busy FROM hub_store_busy_for_this_event")
          : Effect.void
      return Consumer.layer({
        siteId: "+",
        knows: (type, version) => seen.known.now && (hub.knows(type, version) || seen.taught.has(type)),
        apply: (event) => Effect.andThen(hub.applyStationEvent(event), storeFailsFor([event])),
        applyBatch: (events) => {
          seen.batches.push(events.length)
          return Effect.andThen(hub.applyStationEvents(events), storeFailsFor(events))
        },
        onAlert: (alert) => Effect.sync(() => seen.alerts.push(alert))
      })
    })
  )
  return consumer.pipe(Layer.provideMerge(HubProjection.layer), Layer.provideMerge(base))
}

/**
 * The hub's projection behind the real consumer, as the hub runs it, on a fresh database of `store`; what the consumer
 * raises (`alerts`) and hands the projection as batches (their sizes) is kept. While `known.now` is off the hub knows
 * no version at all, as a hub from before an upgrade that teaches it one; an event type in `taught` is one an upgrade
 * taught it (the hub's own build knows only the station event types of its release). The store fails the transaction that applies
 * an event whose id is in `busy`, after the projection wrote it.
 */
const rig = (store: TestStore) => {
  const seen = {
    alerts: [] as Array<StreamAlert>,
    batches: [] as Array<number>,
    known: { now: true },
    taught: new Set<string>(),
    busy: new Set<string>()
  }
  const run = <A, E>(effect: Effect.Effect<A, E, Consumer | HubProjection | Sql>) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const services = yield* Layer.build(hubLayer(store, bus, seen))
          return yield* Effect.provide(
            Effect.gen(function* () {
              yield* migrate(hubMigrations)
              return yield* effect
            }),
            services
          )
        })
      )
    )
  return { ...seen, run }
}

/** How the consumer is handed a station's messages: each in its own transaction, or all in one batch. */
type Delivery = "one by one" | "batched"
const deliver = (delivery: Delivery, events: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    const consumer = yield* Consumer
    return delivery === "batched"
      ? yield* consumer.receiveBatch(events.map(asMessage))
      : yield* Effect.forEach(events, (event) => consumer.receive(asMessage(event)))
  })

const ordersNow = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{
    order_id: string
    order_version: number
    service_level: string
    ship_to: string
    cancelled_at_ms: number | null
    cancellation_version: number | null
  }>(
    `SELECT order_id, order_version, service_level, ship_to, cancelled_at_ms, cancellation_version
     FROM hub_orders ORDER BY order_id`
  )
  return rows.map((row) => ({
    orderId: row.order_id,
    version: Number(row.order_version),
    serviceLevel: row.service_level,
    street: (JSON.parse(row.ship_to) as Address).street1,
    cancelled: row.cancelled_at_ms !== null,
    cancellationVersion: row.cancellation_version === null ? null : Number(row.cancellation_version)
  }))
})

/** Where the station's stream stands at the hub: its cursor and the seqs held behind a gap. */
const streamAtHub = Effect.gen(function* () {
  const sql = yield* Sql
  const cursor = yield* sql.query<{ last_seq: number }>("SELECT last_seq FROM sync_consumer_cursor")
  const held = yield* sql.query<{ seq: number }>("SELECT seq FROM sync_consumer_held ORDER BY seq")
  return { cursor: cursor.map((row) => Number(row.last_seq)), held: held.map((row) => Number(row.seq)) }
})

const quarantined = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_consumer_quarantine ORDER BY id")
  return rows.map((row) => row.reason)
})

const shopSide = Effect.gen(function* () {
  const sql = yield* Sql
  const orders = yield* sql.query<{ order_version: number; shop_version: number | null; email: string }>(
    `SELECT o.order_version, o.shop_version, c.email FROM hub_orders o JOIN hub_customers c USING (customer_id)
     WHERE o.order_id = 'SO-5'`
  )
  const ledger = yield* sql.query<{ order_version: number; paid_cents: number; source: string }>(
    "SELECT order_version, paid_cents, source FROM hub_refund_orders WHERE order_id = 'SO-5'"
  )
  return {
    orders: orders.map((row) => ({
      version: Number(row.order_version),
      shopVersion: row.shop_version === null ? null : Number(row.shop_version),
      email: row.email
    })),
    ledger: ledger.map((row) => ({
      version: Number(row.order_version),
      paidCents: Number(row.paid_cents),
      source: row.source
    }))
  }
})

/**
 * The hub's rule for order versions, the station inbox's (core/sync/InboundVersion.ts), the same on every store the
 * hub runs on: HubOrderVersions.test.ts runs it on SQLite, HubOrderVersions.integration.test.ts on PostgreSQL.
 */
export const hubOrderVersionsSuite = (store: TestStore) =>
  describe(`order versions at the hub on ${store.dialect}`, () => {
    for (const delivery of ["one by one", "batched"] as const) {
      it(`refuses a station's order event at a version no sender can have given, in its place with the reason, and takes the genuine changes after it (${delivery})`, async () => {
        const { alerts, batches, run } = rig(store)
        const next = stream("PACK-01")
        const first = received(next, "SO-1", 1)
        const forged = [
          received(next, "SO-1", FORGED, { serviceLevel: "express" }),
          cancelled(next, "SO-1", FORGED),
          reinstated(next, "SO-1", FORGED),
          addressCorrected(next, "SO-1", FORGED, forgedAddress)
        ]
        const genuine = [
          received(next, "SO-1", 2, { serviceLevel: "express" }),
          cancelled(next, "SO-1", 3),
          reinstated(next, "SO-1", 4),
          addressCorrected(next, "SO-1", 5, corrected)
        ]
        const result = await run(
          Effect.gen(function* () {
            yield* deliver(delivery, [first])
            const before = yield* ordersNow
            const refused = yield* deliver(delivery, forged)
            const afterForged = yield* ordersNow
            const reasons = yield* quarantined
            const applied = yield* deliver(delivery, genuine)
            return { before, refused, afterForged, reasons, applied, after: yield* ordersNow }
          })
        )
        expect(result.refused).toEqual(["quarantined", "quarantined", "quarantined", "quarantined"])
        expect(result.afterForged).toEqual(result.before)
        expect(result.before).toEqual([
          {
            orderId: "SO-1",
            version: 1,
            serviceLevel: "standard",
            street: "Hauptstraße 12",
            cancelled: false,
            cancellationVersion: null
          }
        ])
        const reasons = [
          refusal("order.received", "SO-1"),
          refusal("order.cancelled", "SO-1"),
          refusal("order.reinstated", "SO-1"),
          refusal("order.address-corrected", "SO-1")
        ]
        expect(result.reasons).toEqual(reasons.map((reason, at) => `refused in sequence (seq ${at + 2}): ${reason}`))
        // The station is told, as of any event refused in its stream.
        expect(alerts.map((alert) => [alert.kind, alert.seq, alert.reason])).toEqual(
          reasons.map((reason, at) => ["refused", at + 2, reason])
        )
        expect(result.applied).toEqual(["applied", "applied", "applied", "applied"])
        expect(result.after).toEqual([
          {
            orderId: "SO-1",
            version: 5,
            serviceLevel: "express",
            street: "Hauptstraße 14",
            cancelled: false,
            cancellationVersion: 4
          }
        ])
        // Batched, the genuine events went through the projection's batch in one (the forged ones failed theirs,
        // which the consumer then applied one message per transaction).
        if (delivery === "batched") expect(batches).toContain(genuine.length)
      })

      it(`refuses a forged event held behind a gap in its own place once the gap fills, and applies the events around it (${delivery})`, async () => {
        const { alerts, run } = rig(store)
        const next = stream("PACK-01")
        const first = received(next, "SO-1", 1)
        const genuine = received(next, "SO-1", 2, { serviceLevel: "express" })
        const forged = cancelled(next, "SO-1", FORGED)
        const afterIt = addressCorrected(next, "SO-1", 3, corrected)
        const later = cancelled(next, "SO-1", 4)
        const result = await run(
          Effect.gen(function* () {
            const outcomes = [yield* deliver(delivery, [first]), yield* deliver(delivery, [forged, afterIt])]
            // Another hub of the fleet had 2 (a shared subscription splits a station's stream): it comes last.
            outcomes.push(yield* deliver(delivery, [genuine]), yield* deliver(delivery, [later]))
            return { outcomes, reasons: yield* quarantined, stream: yield* streamAtHub, after: yield* ordersNow }
          })
        )
        expect(result.outcomes).toEqual([["applied"], ["held", "held"], ["applied"], ["applied"]])
        const reason = refusal("order.cancelled", "SO-1")
        expect(result.reasons).toEqual([`refused in sequence (seq 3): ${reason}`])
        expect(alerts.map((alert) => [alert.kind, alert.seq, alert.eventId, alert.reason])).toEqual([
          ["refused", 3, forged.id, reason]
        ])
        expect(result.stream).toEqual({ cursor: [5], held: [] })
        expect(result.after).toEqual([
          {
            orderId: "SO-1",
            version: 4,
            serviceLevel: "express",
            street: "Hauptstraße 14",
            cancelled: true,
            cancellationVersion: 4
          }
        ])
      })

      it(`refuses two forged events held behind one gap, each in its own place with its own reason (${delivery})`, async () => {
        const { alerts, run } = rig(store)
        const next = stream("PACK-01")
        const first = received(next, "SO-1", 1)
        const genuine = received(next, "SO-1", 2, { serviceLevel: "express" })
        const forged = [cancelled(next, "SO-1", FORGED), addressCorrected(next, "SO-1", FORGED, forgedAddress)]
        const afterThem = addressCorrected(next, "SO-1", 3, corrected)
        const result = await run(
          Effect.gen(function* () {
            const outcomes = [yield* deliver(delivery, [first, ...forged, afterThem])]
            outcomes.push(yield* deliver(delivery, [genuine]))
            return { outcomes, reasons: yield* quarantined, stream: yield* streamAtHub, after: yield* ordersNow }
          })
        )
        expect(result.outcomes).toEqual([["applied", "held", "held", "held"], ["applied"]])
        const reasons = [refusal("order.cancelled", "SO-1"), refusal("order.address-corrected", "SO-1")]
        expect(result.reasons).toEqual(reasons.map((reason, at) => `refused in sequence (seq ${at + 3}): ${reason}`))
        // Told once each, by the try that commits: not by the one rolled back once the second was refused too.
        expect(alerts.map((alert) => [alert.kind, alert.seq, alert.eventId, alert.reason])).toEqual(
          forged.map((event, at) => ["refused", event.seq, event.id, reasons[at]])
        )
        expect(result.stream).toEqual({ cursor: [5], held: [] })
        expect(result.after).toEqual([
          {
            orderId: "SO-1",
            version: 3,
            serviceLevel: "express",
            street: "Hauptstraße 14",
            cancelled: false,
            cancellationVersion: null
          }
        ])
      })

      it(`commits the event that fills a gap and the held ones before one the store fails, which stays held until it comes again (${delivery})`, async () => {
        const { alerts, busy, run } = rig(store)
        const next = stream("PACK-01")
        const first = received(next, "SO-1", 1)
        const genuine = received(next, "SO-1", 2, { serviceLevel: "express" })
        const cancel = cancelled(next, "SO-1", 3)
        const correct = addressCorrected(next, "SO-1", 4, corrected)
        const reinstate = reinstated(next, "SO-1", 5)
        const result = await run(
          Effect.gen(function* () {
            const outcomes = [yield* deliver(delivery, [first]), yield* deliver(delivery, [cancel, correct, reinstate])]
            busy.add(correct.id)
            // 2 fills the gap: it and 3 commit; the store fails 4, which stays held with 5 behind it.
            outcomes.push(yield* deliver(delivery, [genuine]))
            const whileBusy = { stream: yield* streamAtHub, orders: yield* ordersNow }
            busy.clear()
            // The station sends 4 again, unconfirmed (the ack is 3).
            outcomes.push(yield* deliver(delivery, [correct]))
            return { outcomes, whileBusy, stream: yield* streamAtHub, after: yield* ordersNow }
          })
        )
        expect(result.outcomes).toEqual([["applied"], ["held", "held", "held"], ["applied"], ["applied"]])
        expect(result.whileBusy.stream).toEqual({ cursor: [3], held: [4, 5] })
        // 4's rows, written before the store failed, went with the rollback.
        expect(
          result.whileBusy.orders.map((row) => [row.version, row.serviceLevel, row.street, row.cancelled])
        ).toEqual([[3, "express", "Hauptstraße 12", true]])
        expect(result.stream).toEqual({ cursor: [5], held: [] })
        expect(result.after.map((row) => [row.version, row.street, row.cancelled, row.cancellationVersion])).toEqual([
          [4, "Hauptstraße 14", false, 5]
        ])
        expect(alerts).toEqual([])
      })

      it(`lets a stored version no sender can have given give way to the next genuine change (${delivery})`, async () => {
        const { batches, run } = rig(store)
        const next = stream("PACK-01")
        const orders = ["SO-1", "SO-2", "SO-3", "SO-4"].map((orderId) => received(next, orderId, 1))
        const genuine = [
          received(next, "SO-1", 2, { serviceLevel: "express" }),
          // A late resend of the older version after it: the genuine order of versions holds again.
          received(next, "SO-1", 1),
          cancelled(next, "SO-2", 2),
          reinstated(next, "SO-3", 2),
          addressCorrected(next, "SO-4", 2, corrected)
        ]
        const result = await run(
          Effect.gen(function* () {
            const sql = yield* Sql
            yield* deliver(delivery, orders)
            // What a hub stored before it checked versions: a forged order.received (SO-1, SO-4), a forged
            // order.reinstated over the order's cancellation (SO-2) and a forged order.cancelled (SO-3).
            yield* sql.execute("UPDATE hub_orders SET order_version = ? WHERE order_id IN ('SO-1', 'SO-4')", [FORGED])
            yield* sql.execute(
              "UPDATE hub_orders SET order_version = ?, cancellation_version = ? WHERE order_id = 'SO-2'",
              [FORGED, FORGED]
            )
            yield* sql.execute(
              "UPDATE hub_orders SET cancelled_at_ms = ?, cancellation_version = ? WHERE order_id = 'SO-3'",
              [NOW_MS, FORGED]
            )
            const outcomes = yield* deliver(delivery, genuine)
            return { outcomes, after: yield* ordersNow, reasons: yield* quarantined }
          })
        )
        expect(result.outcomes).toEqual(["applied", "applied", "applied", "applied", "applied"])
        expect(result.reasons).toEqual([])
        expect(result.after).toEqual([
          {
            orderId: "SO-1",
            version: 2,
            serviceLevel: "express",
            street: "Hauptstraße 12",
            cancelled: false,
            cancellationVersion: null
          },
          {
            orderId: "SO-2",
            version: 2,
            serviceLevel: "standard",
            street: "Hauptstraße 12",
            cancelled: true,
            cancellationVersion: 2
          },
          {
            orderId: "SO-3",
            version: 1,
            serviceLevel: "standard",
            street: "Hauptstraße 12",
            cancelled: false,
            cancellationVersion: 2
          },
          {
            orderId: "SO-4",
            version: 2,
            serviceLevel: "standard",
            street: "Hauptstraße 14",
            cancelled: false,
            cancellationVersion: null
          }
        ])
        if (delivery === "batched") expect(batches).toEqual([orders.length, genuine.length])
      })
    }

    it("drains held events once it knows their version: a forged one refused in its place with its reason, the rest applied", async () => {
      const { alerts, known, run } = rig(store)
      const next = stream("PACK-01")
      const first = received(next, "SO-1", 1)
      const forged = cancelled(next, "SO-1", FORGED)
      const genuine = received(next, "SO-1", 2, { serviceLevel: "express" })
      const result = await run(
        Effect.gen(function* () {
          yield* deliver("one by one", [first])
          known.now = false
          const whileUnknown = yield* deliver("batched", [forged, genuine])
          known.now = true
          const drained = yield* (yield* Consumer).drainHeld
          return {
            whileUnknown,
            drained,
            reasons: yield* quarantined,
            stream: yield* streamAtHub,
            after: yield* ordersNow
          }
        })
      )
      expect(result.whileUnknown).toEqual(["held", "held"])
      // Both took their place: the forged one refused in it, the genuine one applied.
      expect(result.drained).toEqual({ taken: 2, failed: [] })
      const reason = refusal("order.cancelled", "SO-1")
      expect(result.reasons).toEqual([`refused in sequence (seq 2): ${reason}`])
      expect(alerts.map((alert) => [alert.kind, alert.seq, alert.eventId, alert.reason])).toEqual([
        ["refused", 2, forged.id, reason]
      ])
      expect(result.stream).toEqual({ cursor: [3], held: [] })
      expect(result.after.map((row) => [row.version, row.serviceLevel, row.cancelled])).toEqual([[2, "express", false]])
    })

    it("holds an event type a newer station brought until an upgrade teaches it, and takes one it has no use for", async () => {
      const { taught, run } = rig(store)
      const next = stream("PACK-01")
      const shipment = { orderId: "SO-1", parcelId: "P-0", carrier: "dhl-paket", trackingNumber: "JJD0000000001" }
      const events = [
        received(next, "SO-1", 1),
        next(OperatorSignedIn, { badgeId: "B-1", role: "packer" }),
        // A manager's close of a cancellation by hand and their reopen of it: the station's record, nothing to apply.
        next(ParcelShipmentCancelledByHand, {
          ...shipment,
          portalAnswer: "cancelled",
          reference: "Storno 4711",
          reason: "box damaged"
        }),
        next(ParcelShipmentByHandReopened, { ...shipment, closedAtMs: NOW_MS, reason: "closed the wrong parcel" }),
        next(ParcelReweighed, { parcelId: "P-1", grams: 1_250 }),
        received(next, "SO-1", 2, { serviceLevel: "express" })
      ]
      const result = await run(
        Effect.gen(function* () {
          const outcomes = yield* deliver("one by one", events)
          const before = { stream: yield* streamAtHub, orders: yield* ordersNow }
          taught.add(ParcelReweighed.type)
          const drained = yield* (yield* Consumer).drainHeld
          return { outcomes, before, drained, stream: yield* streamAtHub, after: yield* ordersNow }
        })
      )
      // The sign-in and the by-hand close and reopen are station events of no use to the hub: applied as nothing. The new type holds the stream at its
      // place, so the order's next version waits behind it instead of being applied before it.
      expect(result.outcomes).toEqual(["applied", "applied", "applied", "applied", "held", "held"])
      expect(result.before.stream).toEqual({ cursor: [4], held: [5, 6] })
      expect(result.before.orders.map((row) => row.version)).toEqual([1])
      expect(result.drained).toEqual({ taken: 2, failed: [] })
      expect(result.stream).toEqual({ cursor: [6], held: [] })
      expect(result.after.map((row) => [row.version, row.serviceLevel])).toEqual([[2, "express"]])
    })

    it("takes the versions genuine senders give: counts of changes, and a shop's change time in ms up to a day ahead", async () => {
      const { run } = rig(store)
      const next = stream("PACK-01")
      const changeTimeMs = NOW_MS - 60_000
      const events = [
        received(next, "SO-1", 1),
        received(next, "SO-1", 2, { serviceLevel: "express" }),
        received(next, "SO-2", changeTimeMs),
        cancelled(next, "SO-2", changeTimeMs + 1),
        reinstated(next, "SO-2", NOW_MS),
        addressCorrected(next, "SO-2", NOW_MS + Bounds.clockSkewMs, corrected)
      ]
      const result = await run(
        Effect.gen(function* () {
          const outcomes = yield* deliver("batched", events)
          const shop = yield* (yield* HubProjection).applyShopOrder(order("SO-3", changeTimeMs), "HAM1", "PACK-01")
          return { outcomes, shop, after: yield* ordersNow }
        })
      )
      expect(result.outcomes).toEqual(events.map(() => "applied"))
      expect(result.shop).toBe("applied")
      expect(result.after.map((row) => [row.orderId, row.version, row.cancellationVersion, row.street])).toEqual([
        ["SO-1", 2, null, "Hauptstraße 12"],
        ["SO-2", NOW_MS + Bounds.clockSkewMs, NOW_MS, "Hauptstraße 14"],
        ["SO-3", changeTimeMs, null, "Hauptstraße 12"]
      ])
    })

    it("refuses in a batch what it refuses one event at a time, with the same reason, and changes nothing", async () => {
      const { run } = rig(store)
      const next = stream("PACK-01")
      const first = received(next, "SO-1", 1)
      const genuine = received(next, "SO-1", 2, { serviceLevel: "express" })
      const forgedRun = [genuine, received(next, "SO-1", FORGED)]
      const forgedOther = [genuine, cancelled(next, "SO-1", FORGED)]
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const hub = yield* HubProjection
          yield* sql.transaction(hub.applyStationEvent(first))
          const both = (events: ReadonlyArray<EventEnvelope>) =>
            Effect.gen(function* () {
              const together = yield* Effect.exit(sql.transaction(hub.applyStationEvents(events)))
              const oneByOne = yield* Effect.exit(
                sql.transaction(Effect.forEach(events, (event) => hub.applyStationEvent(event), { discard: true }))
              )
              return { together, oneByOne }
            })
          return { run: yield* both(forgedRun), other: yield* both(forgedOther), after: yield* ordersNow }
        })
      )
      for (const [outcome, type] of [
        [result.run, "order.received"],
        [result.other, "order.cancelled"]
      ] as const) {
        const refused = Exit.fail(new EventRefused({ reason: refusal(type, "SO-1") }))
        expect(outcome.together).toEqual(refused)
        expect(outcome.oneByOne).toEqual(refused)
      }
      expect(result.after.map((row) => [row.version, row.serviceLevel, row.cancelled])).toEqual([
        [1, "standard", false]
      ])
    })

    it("refuses an order from the shop's stream at a version no sender can have given; a stored one gives way", async () => {
      const { run } = rig(store)
      const result = await run(
        Effect.gen(function* () {
          const sql = yield* Sql
          const hub = yield* HubProjection
          const shopOrder = (version: number, email: string, total: number) =>
            hub.applyShopOrder(
              order("SO-5", version, {
                customer: { ...order("SO-5", 1).customer, email },
                lines: [{ lineId: "1", sku: "ALP-MUG-01", quantity: 1, unitPrice: total }],
                payment: { method: "paypal", currency: "EUR", total }
              }),
              "HAM1",
              "PACK-01"
            )
          const outcomes = [yield* shopOrder(1, "first@example.test", 12.9)]
          outcomes.push(yield* shopOrder(FORGED, "forged@example.test", 999))
          const afterForged = yield* shopSide
          outcomes.push(yield* shopOrder(2, "second@example.test", 10))
          // What a hub stored before it checked versions: the shop's version, and the ledger's, forged.
          yield* sql.execute("UPDATE hub_orders SET shop_version = ?, order_version = ? WHERE order_id = 'SO-5'", [
            FORGED,
            FORGED
          ])
          yield* sql.execute("UPDATE hub_refund_orders SET order_version = ? WHERE order_id = 'SO-5'", [FORGED])
          outcomes.push(yield* shopOrder(3, "third@example.test", 8))
          // The genuine order of versions holds again.
          outcomes.push(yield* shopOrder(2, "second@example.test", 10))
          return { outcomes, afterForged, after: yield* shopSide }
        })
      )
      expect(result.outcomes).toEqual(["applied", "implausible-version", "applied", "applied", "stale"])
      expect(result.afterForged).toEqual({
        orders: [{ version: 1, shopVersion: 1, email: "first@example.test" }],
        ledger: [{ version: 1, paidCents: 1_290, source: "shop" }]
      })
      expect(result.after).toEqual({
        orders: [{ version: 3, shopVersion: 3, email: "third@example.test" }],
        ledger: [{ version: 3, paidCents: 800, source: "shop" }]
      })
    })
  })
