import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { EventDefinition } from "../../../core/events/EventDefinition.ts"
import { OrderCancelled, OrderReceived, OrderReinstated } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { packedParcel, sampleOrder, stationStream } from "../../../fixtures/hub/HubRig.ts"
import { TrackingTokens } from "../tracking/TrackingTokens.ts"
import { HubProjection } from "./HubProjection.ts"
import { HubSettings } from "./HubSettings.ts"
import { hubMigrations } from "./migrations/hubMigrations.ts"

const NOW_MS = 1_795_000_000_000

/** Two stations' events about shared orders: repeats, a newer version after a handover, a cancellation mid-run. */
const events = (): ReadonlyArray<EventEnvelope> => {
  // Each event carries its EPCIS view, as a station's do, so the hub stores one.
  const withViews =
    (next: ReturnType<typeof stationStream>) =>
    <Type extends string, Payload>(definition: EventDefinition<Type, Payload>, payload: Payload): EventEnvelope => {
      const event = next(definition, payload)
      const view = definition.epcis?.(payload)
      return view === undefined ? event : { ...event, epcis: view }
    }
  const a = withViews(stationStream({ siteId: "HAM1", stationId: "PACK-1", epoch: "E1" }))
  const b = withViews(stationStream({ siteId: "HAM1", stationId: "PACK-2", epoch: "E1" }))
  const received = (next: typeof a, orderId: string, version: number, email: string) =>
    next(OrderReceived, {
      // A newer version is sent express: a handover's expected delivery shows which version it read.
      order: {
        ...sampleOrder(orderId, { email, locale: "en" }),
        version,
        serviceLevel: version > 1 ? "express" : "standard"
      },
      replacedVersion: version > 1 ? version - 1 : null
    })
  const packed = (next: typeof a, orderId: string, parcelId: string, stationId: string) =>
    next(ParcelPacked, packedParcel({ orderId, parcelId, trackingNumber: `TN-${parcelId}`, stationId }))
  const handed = (next: typeof a, orderId: string, parcelId: string) =>
    next(ParcelHandedToCarrier, {
      batchId: "H-1",
      parcelId,
      orderId,
      carrier: "dhl-paket",
      trackingNumber: `TN-${parcelId}`
    })
  return [
    received(a, "SO-1", 1, "one@example.test"),
    received(b, "SO-2", 1, "two@example.test"),
    received(a, "SO-1", 1, "one@example.test"),
    packed(a, "SO-1", "P-1", "PACK-1"),
    handed(a, "SO-1", "P-1"),
    received(a, "SO-1", 2, "one-changed@example.test"),
    handed(b, "SO-2", "P-2"),
    packed(b, "SO-2", "P-2", "PACK-2"),
    // A parcel packed in one run and packed again and handed over in the next: one row then does both upserts on a
    // row that exists.
    packed(b, "SO-2", "P-5", "PACK-2"),
    b(OrderCancelled, { orderId: "SO-3", orderVersion: 2, previousStatus: "open", interruptedPacking: false }),
    received(b, "SO-3", 1, "three@example.test"),
    packed(a, "SO-3", "P-3", "PACK-1"),
    handed(a, "SO-3", "P-3"),
    handed(a, "SO-3", "P-3"),
    packed(b, "SO-2", "P-5", "PACK-2"),
    handed(b, "SO-2", "P-5"),
    received(a, "SO-4", 3, "four@example.test"),
    received(b, "SO-4", 2, "four-older@example.test"),
    // SO-1 is cancelled and taken back, then a late station's cancellation of the older version comes; SO-4 is
    // cancelled, then a late station's reinstatement of an older version comes: neither late word undoes the newer.
    a(OrderCancelled, { orderId: "SO-1", orderVersion: 3, previousStatus: "open", interruptedPacking: false }),
    received(a, "SO-1", 4, "one-changed@example.test"),
    a(OrderReinstated, { orderId: "SO-1", orderVersion: 4, status: "open" as const }),
    packed(a, "SO-1", "P-6", "PACK-1"),
    b(OrderCancelled, { orderId: "SO-1", orderVersion: 3, previousStatus: "open", interruptedPacking: false }),
    a(OrderCancelled, { orderId: "SO-4", orderVersion: 5, previousStatus: "open", interruptedPacking: false }),
    b(OrderReinstated, { orderId: "SO-4", orderVersion: 4, status: "open" as const }),
    packed(b, "SO-4", "P-7", "PACK-2"),
    // A parcel's station is the one that packed it (its label's address is that station's), whichever station handed
    // it over, and whether the hub hears of the handover first (P-8) or in the same run as the packing (P-9).
    handed(a, "SO-2", "P-8"),
    packed(b, "SO-2", "P-8", "PACK-2"),
    handed(a, "SO-2", "P-8"),
    packed(b, "SO-2", "P-9", "PACK-2"),
    handed(a, "SO-2", "P-9")
  ]
}

/** What the hub holds after `run`, without notification ids (time-ordered UUIDs); tokens are drawn in sequence here. */
const stateAfter = (
  run: (hub: HubProjection["Service"], all: ReadonlyArray<EventEnvelope>) => Effect.Effect<void, unknown>
) =>
  Effect.gen(function* () {
    yield* migrate(hubMigrations)
    const hub = yield* HubProjection
    const sql = yield* Sql
    yield* sql.transaction(run(hub, events()), { batchWrites: true })
    const rows = (text: string) => sql.query(text)
    return {
      customers: yield* rows("SELECT customer_id, email, locale FROM hub_customers ORDER BY customer_id"),
      orders: yield* rows(
        `SELECT order_id, order_version, customer_id, ship_to, cancelled_at_ms IS NOT NULL AS cancelled,
           cancellation_version FROM hub_orders ORDER BY order_id`
      ),
      parcels: yield* rows(
        `SELECT parcel_id, order_id, tracking_token, carrier, tracking_number, expected_delivery_date, expected_delivery_by_ms,
           handover_batch_id, packed_at_ms IS NOT NULL AS packed, handed_at_ms IS NOT NULL AS handed, site_id, station_id
         FROM hub_parcels ORDER BY parcel_id`
      ),
      notifications: yield* rows(
        "SELECT kind, subject_id, order_id, parcel_id FROM hub_notifications ORDER BY kind, subject_id"
      ),
      outbox: yield* rows(
        `SELECT n.kind, n.subject_id, b.channel, b.status FROM hub_outbox b
         JOIN hub_notifications n USING (notification_id) ORDER BY n.kind, n.subject_id, b.channel`
      ),
      refundOrders: yield* rows("SELECT order_id, order_version, paid_cents FROM hub_refund_orders ORDER BY order_id"),
      metrics: yield* rows("SELECT order_id, customer_id FROM hub_metrics_orders ORDER BY order_id"),
      orderStations: yield* rows(
        "SELECT order_id, site_id, station_id FROM hub_order_stations ORDER BY order_id, station_id"
      ),
      // Event ids and times are drawn anew for each run: the place in the stream and the document's kind.
      epcis: yield* rows(
        `SELECT station_id, epoch, seq, json_extract(document, '$.bizStep') AS biz_step,
           json_extract(document, '$."packbench:eventType"') AS event_type
         FROM hub_epcis_events ORDER BY station_id, seq`
      )
    }
  }).pipe(
    Effect.provide(
      HubProjection.layer.pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            layerSqlite({ filename: ":memory:" }),
            StationClock.manual(NOW_MS).layer,
            Layer.succeed(HubSettings, {
              ...HubSettings.defaults("https://track.test"),
              webhookUrl: "https://hooks.test/in"
            }),
            Layer.effect(
              TrackingTokens,
              Effect.sync(() => {
                let drawn = 0
                return TrackingTokens.of({
                  next: Effect.sync(() => `token-${++drawn}-abcdefghijklmnop`),
                  digest: (token) => token
                })
              })
            )
          )
        )
      )
    )
  )

describe("HubProjection.applyStationEvents", () => {
  it("leaves the hub as applying the events one by one does, with repeats, cancellations taken back and a newer version mid-run", async () => {
    const oneByOne = await Effect.runPromise(
      stateAfter((hub, all) => Effect.forEach(all, (event) => hub.applyStationEvent(event), { discard: true }))
    )
    const together = await Effect.runPromise(stateAfter((hub, all) => hub.applyStationEvents(all)))
    expect(together).toEqual(oneByOne)
    expect(
      oneByOne.orders.map((row) => [row.order_id, row.order_version, row.cancelled, row.cancellation_version])
    ).toEqual([
      ["SO-1", 4, 0, 4],
      ["SO-2", 1, 0, null],
      // Cancelled before the hub heard of the order: nothing to mark.
      ["SO-3", 1, 0, null],
      ["SO-4", 5, 1, 5]
    ])
    // Every station that told the hub of an order, once: a correction of it goes to each.
    expect(oneByOne.orderStations.map((row) => `${row.order_id}@${row.station_id}`)).toEqual([
      "SO-1@PACK-1",
      "SO-2@PACK-2",
      "SO-3@PACK-2",
      "SO-4@PACK-1",
      "SO-4@PACK-2"
    ])
    expect(oneByOne.parcels.map((row) => `${row.parcel_id}@${row.site_id}/${row.station_id}`)).toEqual([
      "P-1@HAM1/PACK-1",
      "P-2@HAM1/PACK-2",
      "P-3@HAM1/PACK-1",
      "P-5@HAM1/PACK-2",
      "P-6@HAM1/PACK-1",
      "P-7@HAM1/PACK-2",
      "P-8@HAM1/PACK-2",
      "P-9@HAM1/PACK-2"
    ])
    // The late cancellation of SO-1 held back no mail of the parcel packed after the shop took it back.
    expect(oneByOne.outbox.filter((row) => row.subject_id === "P-6").map((row) => row.status)).toEqual([
      "pending",
      "pending"
    ])
    expect(oneByOne.epcis.length).toBeGreaterThan(0)
    expect(oneByOne.outbox.length).toBeGreaterThan(oneByOne.notifications.length)
  })
})
