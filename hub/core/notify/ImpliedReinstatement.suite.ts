/** Cancellations taken back before stations said so, through the real projection: ImpliedReinstatement.test.ts (SQLite), the integration twin (PostgreSQL). */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { Order } from "../../../core/orders/Order.ts"
import { OrderCancelled, OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import type { StationClock } from "../../../core/time/Clock.ts"
import { sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import { hubProjectionLayer } from "../../../fixtures/hub/hubProjectionLayer.ts"
import { stationEventStream } from "../../../fixtures/hub/stationEventStream.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HubProjection } from "./HubProjection.ts"
import { HubSettings } from "./HubSettings.ts"
import { hubMigrations } from "./migrations/hubMigrations.ts"

const T = 1_795_000_000_000
const defaults = HubSettings.defaults("https://track.test")

export const impliedReinstatementSuite = (store: TestStore) =>
  describe(`a cancellation taken back before stations recorded order.reinstated, on ${store.dialect}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock | HubProjection>) =>
      Effect.runPromise(
        effect.pipe(
          Effect.provide(
            hubProjectionLayer(store, {
              nowMs: T + 3_600_000,
              settings: {
                ...defaults,
                notify: { ...defaults.notify, cancellationNotice: true }
              }
            })
          )
        )
      )

    const order = (orderId: string, version: number, status: Order["status"]): Order => ({
      ...sampleOrder(orderId, { email: `${orderId.toLowerCase()}@example.test`, locale: "en" }),
      version,
      status
    })
    const cancelled = (orderId: string, orderVersion: number) => ({
      orderId,
      orderVersion,
      previousStatus: "open",
      interruptedPacking: false
    })

    /** `body` on a hub with its tables, its projection and store, told by station PACK-1. */
    const onHub = <A, E>(
      body: (
        hub: HubProjection["Service"],
        sql: Sql["Service"],
        a: ReturnType<typeof stationEventStream>
      ) => Effect.Effect<A, E, Sql | StationClock | HubProjection>
    ) =>
      run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          return yield* body(yield* HubProjection, yield* Sql, stationEventStream("PACK-1"))
        })
      )

    it("takes a cancellation back when a newer version that is not cancelled comes, from a station or the shop's stream", async () => {
      const result = await onHub((hub, sql, a) =>
        Effect.gen(function* () {
          // A station of a version before order.reinstated: the shop's newer version is its order.received alone.
          for (const event of [
            a(OrderReceived, { order: order("SO-1", 1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled("SO-1", 2), T + 1_000),
            a(OrderReceived, { order: order("SO-1", 3, "open"), replacedVersion: 2 }, T + 2_000),
            // The shop sends its cancelled version again: the order stays cancelled.
            a(OrderReceived, { order: order("SO-2", 1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled("SO-2", 2), T + 1_000),
            a(OrderReceived, { order: order("SO-2", 3, "cancelled"), replacedVersion: 2 }, T + 2_000),
            // A late station's older version does not take back a newer cancellation.
            a(OrderReceived, { order: order("SO-3", 1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled("SO-3", 3), T + 1_000),
            a(OrderReceived, { order: order("SO-3", 2, "open"), replacedVersion: 1 }, T + 2_000),
            a(OrderReceived, { order: order("SO-4", 1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled("SO-4", 2), T + 1_000),
            a(OrderReceived, { order: order("SO-5", 1, "open"), replacedVersion: null }, T),
            a(OrderCancelled, cancelled("SO-5", 2), T + 1_000)
          ]) {
            yield* hub.applyStationEvent(event)
          }
          // SO-4's newer version comes in a batch of orders received, as the consumer applies a backlog.
          yield* sql.transaction(
            hub.applyStationEvents([
              a(OrderReceived, { order: order("SO-6", 1, "open"), replacedVersion: null }, T + 3_000),
              a(OrderReceived, { order: order("SO-4", 3, "on-hold"), replacedVersion: 2 }, T + 3_000)
            ]),
            { batchWrites: true }
          )
          // SO-5's comes on the shop's own stream first.
          const shop = yield* hub.applyShopOrder(order("SO-5", 3, "open"), "HAM1", "PACK-1")
          const orders = yield* sql.query<{
            order_id: string
            cancelled: number | boolean
            cancellation_version: number | string | null
          }>(
            `SELECT order_id, cancelled_at_ms IS NOT NULL AS cancelled, cancellation_version FROM hub_orders
             ORDER BY order_id`
          )
          const notices = yield* sql.query<{ order_id: string; status: string; suppressed_reason: string | null }>(
            `SELECT n.order_id, b.status, b.suppressed_reason FROM hub_notifications n
             JOIN hub_outbox b USING (notification_id) WHERE n.kind = 'order-cancelled' ORDER BY n.order_id`
          )
          return {
            shop,
            orders: orders.map((row) => [row.order_id, Boolean(row.cancelled), Number(row.cancellation_version)]),
            notices: notices.map((row) => [row.order_id, row.status, row.suppressed_reason])
          }
        })
      )
      expect(result.shop).toBe("applied")
      expect(result.orders).toEqual([
        ["SO-1", false, 3],
        ["SO-2", true, 2],
        ["SO-3", true, 3],
        ["SO-4", false, 3],
        ["SO-5", false, 3],
        ["SO-6", false, 0]
      ])
      // The notice of a cancellation taken back does not go out; those still in force do.
      expect(result.notices).toEqual([
        ["SO-1", "suppressed", "the cancellation of order SO-1 was taken back"],
        ["SO-2", "pending", null],
        ["SO-3", "pending", null],
        ["SO-4", "suppressed", "the cancellation of order SO-4 was taken back"],
        ["SO-5", "suppressed", "the cancellation of order SO-5 was taken back"]
      ])
    })

    it("mails no cancellation, and cancels nothing, for a late word of an older version's cancellation when the hub knows a newer one", async () => {
      const result = await onHub((hub, sql, a) =>
        Effect.gen(function* () {
          const b = stationEventStream("PACK-2")
          for (const event of [
            a(OrderReceived, { order: order("SO-1", 1, "open"), replacedVersion: null }, T),
            // PACK-1 (a release before order.reinstated) tells of the shop's version 3, which took the cancellation
            // at 2 back, as its order.received alone; PACK-1's word of that cancellation was lost on its way, and
            // PACK-2 tells of it late.
            a(OrderReceived, { order: order("SO-1", 3, "open"), replacedVersion: 2 }, T + 2_000),
            b(OrderCancelled, cancelled("SO-1", 2), T + 2_100),
            // A cancellation after the version the hub knows is one, and the customer hears of it.
            a(OrderReceived, { order: order("SO-2", 1, "open"), replacedVersion: null }, T),
            a(OrderReceived, { order: order("SO-2", 3, "open"), replacedVersion: 2 }, T + 2_000),
            b(OrderCancelled, cancelled("SO-2", 4), T + 2_100)
          ]) {
            yield* hub.applyStationEvent(event)
          }
          const orders = yield* sql.query<{ order_id: string; cancelled: number | boolean }>(
            "SELECT order_id, cancelled_at_ms IS NOT NULL AS cancelled FROM hub_orders ORDER BY order_id"
          )
          const mails = yield* sql.query<{ order_id: string; kind: string; status: string }>(
            `SELECT n.order_id, n.kind, b.status FROM hub_notifications n JOIN hub_outbox b USING (notification_id)
             WHERE b.channel = 'email' ORDER BY n.order_id, n.kind`
          )
          return {
            mails: mails.map((row) => [row.order_id, row.kind, row.status]),
            orders: orders.map((row) => [row.order_id, Boolean(row.cancelled)])
          }
        })
      )
      // No cancellation notice is recorded for SO-1, nor is it cancelled.
      expect(result.mails).toEqual([["SO-2", "order-cancelled", "pending"]])
      expect(result.orders).toEqual([
        ["SO-1", false],
        ["SO-2", true]
      ])
    })
  })
