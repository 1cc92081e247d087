/** The hub's EPCIS view of orders' cancellations, through the real projection: HubEpcis.test.ts (SQLite), the integration twin (PostgreSQL). */
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { OrderCancelled, OrderReceived, OrderReinstated } from "../../../core/orders/OrderEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import type { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import { stationEventStream } from "../../../fixtures/hub/stationEventStream.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HubProjection } from "../notify/HubProjection.ts"
import { HubSettings } from "../notify/HubSettings.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { TrackingTokens } from "../tracking/TrackingTokens.ts"
import { readEpcisPage } from "./HubEpcis.ts"

const T = 1_795_000_000_000

export const hubEpcisSuite = (store: TestStore) =>
  describe(`the hub's EPCIS view of cancellations on ${store.dialect}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Sql | StationClock | HubProjection>) =>
      Effect.runPromise(
        effect.pipe(
          Effect.provide(
            HubProjection.layer.pipe(
              Layer.provideMerge(
                Layer.mergeAll(
                  store.layer(),
                  StationClock.manual(T + 3_600_000).layer,
                  Layer.succeed(HubSettings, HubSettings.defaults("https://track.test")),
                  Layer.succeed(
                    TrackingTokens,
                    TrackingTokens.of({
                      next: Effect.succeed("token-abcdefghijklmnopqrstu"),
                      digest: (token) => token
                    })
                  )
                )
              )
            )
          )
        )
      )

    /** The stored EPCIS events of one kind of station event, oldest first, as `GET /epcis` pages them. */
    const exported = (eventType: string) =>
      Effect.map(readEpcisPage({ fromMs: 0, toMs: T + 86_400_000 }, undefined, 100), (page) =>
        page.documents
          .map((document) => JSON.parse(document) as Record<string, unknown>)
          .filter((document) => document["packbench:eventType"] === eventType)
      )

    it("records one EPCIS void per order: the shop cancelling a shipped order again and again adds none", async () => {
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const hub = yield* HubProjection
          const a = stationEventStream("PACK-1")
          const b = stationEventStream("PACK-2")
          const cancelled = (orderVersion: number) => ({
            orderId: "SO-1",
            orderVersion,
            previousStatus: "shipped",
            interruptedPacking: false
          })
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
      const result = await run(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const hub = yield* HubProjection
          const a = stationEventStream("PACK-1")
          const cancelled = (orderVersion: number) => ({
            orderId: "SO-1",
            orderVersion,
            previousStatus: "open",
            interruptedPacking: false
          })
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
  })
