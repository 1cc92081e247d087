import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Sql } from "../../../core/store/Sql.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "../../../drivers/mqtt/EmbeddedBroker.ts"
import { makeMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import {
  deliveriesFor,
  finalStatusOf,
  postDelivery,
  type Scenario,
  timelineFor
} from "../../../fixtures/carriers/CarrierSimulator.ts"
import { startCarrierTrackingServer } from "../../../fixtures/carriers/CarrierTrackingServer.ts"
import { hubRigLayer, publishAll, shippedParcels, stationStream } from "../../../fixtures/hub/HubRig.ts"
import { startAiosmtpd } from "../../../fixtures/mail/AiosmtpdProcess.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import { makeHttpCarrierPoller } from "./HttpCarrierPoller.ts"
import { runHub } from "./Hub.ts"

const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]

const secret = "test-webhook-secret"
let smtp: Awaited<ReturnType<typeof startAiosmtpd>>
let mqtt: EmbeddedBroker
let carrier: Awaited<ReturnType<typeof startCarrierTrackingServer>>

// Fresh servers per test: each store's run counts only its own mail.
beforeEach(async () => {
  smtp = await startAiosmtpd()
  mqtt = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  carrier = await startCarrierTrackingServer()
})
afterEach(async () => {
  await carrier?.close()
  await mqtt?.close()
  await smtp?.stop()
})

const settings = {
  ...HubSettings.defaults("https://track.test"),
  notify: { ...HubSettings.defaults("").notify, quietHours: { startHour: 0, endHour: 0 } }
}

const scenarios: ReadonlyArray<Scenario> = ["on-time", "delayed", "failed-attempt", "exception", "returned"]
type Route = "webhook" | "poll" | "both"

describe.each(stores)("carrier polling on $dialect", (store) => {
  it("delivers a simulator timeline by polling exactly as by webhook, each scan once, backing off when the feed fails", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-hub-poll-"))
    const database = await store.database()
    const handedAtMs = Date.now() - 5 * 24 * 3_600_000
    const routes: ReadonlyArray<Route> = ["webhook", "poll", "both"]
    const parcels = routes.flatMap((route, r) =>
      scenarios.map((scenario, index) => ({
        route,
        scenario,
        carrier: "ups",
        trackingNumber: `1Z999AA10${r}${index}0000000`,
        handedAtMs,
        orderId: `POLL-${route.toUpperCase()}-${index}`,
        email: `poll-${route}-${index}@example.test`
      }))
    )
    const program = Effect.gen(function* () {
      // The feed fails first: the scheduler must back off, keep its cursors, and catch up afterwards.
      carrier.failNext(1_000, 503)
      const hub = yield* runHub({
        dataDir,
        settings,
        http: { host: "127.0.0.1", port: 0, webhookSecret: secret },
        senderPollMs: 300,
        tickIntervalMs: 60_000,
        ackDelayMs: 20,
        pollers: [makeHttpCarrierPoller({ carrier: "ups", baseUrl: carrier.url, maxNumbersPerPoll: 4 })],
        carrierPoll: { intervalMs: 200, retryBaseMs: 300, retryMaxMs: 5_000 },
        pollCheckMs: 50
      })
      const station = yield* makeMqttBroker({ url: mqtt.url, clientId: "station-POLL-01", protocolVersion: 4 })
      yield* waitFor(station.state, (state) => state.connection === "connected", 5_000)
      const next = stationStream({ siteId: "HAM1", stationId: "POLL-01", epoch: "E1" })
      yield* publishAll(station, shippedParcels(next, "H-P", parcels))
      const sql = yield* Sql
      yield* waitFor(
        sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_parcels WHERE handed_at_ms IS NOT NULL"),
        (rows) => Number(rows[0]?.n) === parcels.length,
        10_000
      )
      const backedOff = yield* waitFor(
        sql.query<{ failures: number; last_error: string | null }>(
          "SELECT failures, last_error FROM hub_carrier_polls WHERE carrier = 'ups'"
        ),
        (rows) => Number(rows[0]?.failures) >= 3,
        10_000
      )
      expect(backedOff[0]?.last_error).toBe("Unavailable: ups feed answered HTTP 503")
      carrier.recover()
      // One request per failed pass (the first failure ends the pass), each wait twice the one before.
      const failed = carrier.requests.filter((request) => request.status === 503)
      expect(failed.length).toBeGreaterThanOrEqual(3)
      expect(failed[1]!.atMs - failed[0]!.atMs).toBeGreaterThanOrEqual(300)
      expect(failed[2]!.atMs - failed[1]!.atMs).toBeGreaterThanOrEqual(600)

      // Each route gets the same shuffled, duplicated, partly replayed scans (the same seed over the same scenario
      // list), so every parcel sees its scans in the same order whichever way they come.
      const routeOf = (route: Route) => parcels.filter((parcel) => parcel.route === route)
      const feedEvents = [...deliveriesFor(routeOf("poll"), 42), ...deliveriesFor(routeOf("both"), 42)].flatMap(
        (delivery) => delivery.events
      )
      carrier.publish(feedEvents.slice(0, feedEvents.length / 2))
      const webhookDeliveries = [
        ...deliveriesFor(routeOf("webhook"), 42),
        ...deliveriesFor(routeOf("both"), 42).map((delivery) => ({
          ...delivery,
          deliveryId: `both-${delivery.deliveryId}`
        }))
      ]
      for (const delivery of webhookDeliveries) {
        yield* Effect.promise(() => postDelivery(hub.url, secret, delivery))
      }
      yield* Effect.sleep(300)
      carrier.publish(feedEvents.slice(feedEvents.length / 2))

      const statusOf = sql.query<{ tracking_number: string; status: string | null }>(
        "SELECT tracking_number, status FROM hub_parcels"
      )
      yield* waitFor(
        statusOf,
        (rows) =>
          parcels.every(
            (parcel) =>
              rows.find((row) => row.tracking_number === parcel.trackingNumber)?.status ===
              finalStatusOf[parcel.scenario]
          ),
        20_000
      )
      // Every scan recorded once, whichever way (or both ways) it came.
      const timelines = yield* sql.query<{ tracking_number: string; carrier_event_id: string; status: string }>(
        `SELECT p.tracking_number, e.carrier_event_id, e.status FROM hub_tracking_events e
         JOIN hub_parcels p USING (parcel_id) ORDER BY p.tracking_number, e.occurred_at_ms, e.carrier_event_id`
      )
      const timelineOf = (trackingNumber: string) =>
        timelines.filter((row) => row.tracking_number === trackingNumber).map((row) => row.status)
      for (const parcel of parcels) {
        expect(timelineOf(parcel.trackingNumber)).toEqual(timelineFor(parcel).map((scan) => scan.status))
      }

      const recorded = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox")
      yield* waitFor(
        sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox WHERE status = 'sent'"),
        (sent) => Number(sent[0]?.n) === Number(recorded[0]?.n),
        20_000
      )
      const kinds = yield* sql.query<{ order_id: string; kind: string }>(
        "SELECT order_id, kind FROM hub_notifications ORDER BY order_id, kind"
      )
      const kindsOf = (orderId: string) => kinds.filter((row) => row.order_id === orderId).map((row) => row.kind)
      for (const [index] of scenarios.entries()) {
        const byWebhook = kindsOf(`POLL-WEBHOOK-${index}`)
        expect(kindsOf(`POLL-POLL-${index}`)).toEqual(byWebhook)
        expect(kindsOf(`POLL-BOTH-${index}`)).toEqual(byWebhook)
      }
      expect(kindsOf("POLL-POLL-0")).toEqual(["delivered", "order-confirmed", "out-for-delivery", "shipped"])
      expect(kindsOf("POLL-POLL-3")).toEqual(["delay-alert", "order-confirmed", "shipped"])
      for (const parcel of parcels) {
        const subjects = smtp
          .messages()
          .filter((mail) => mail.headers.to === parcel.email)
          .map((mail) => mail.headers.subject)
        expect(subjects).toHaveLength(kindsOf(parcel.orderId).length)
      }

      // Recovered: failures reset, and the delivered parcels of the returns scenario are still polled.
      const state = yield* sql.query<{ failures: number; last_error: string | null }>(
        "SELECT failures, last_error FROM hub_carrier_polls WHERE carrier = 'ups'"
      )
      expect(state).toEqual([{ failures: 0, last_error: null }])
      expect(carrier.requests.at(-1)?.status).toBe(200)
      expect(Math.max(...carrier.requests.map((request) => request.numbers.length))).toBeLessThanOrEqual(4)
    })
    await Effect.runPromise(
      Effect.scoped(program).pipe(
        Effect.provide(
          hubRigLayer({
            dataDir,
            database,
            brokerUrl: mqtt.url,
            smtpUrl: smtp.url,
            settings,
            webhookSecret: secret,
            clientId: "packbench-hub-poll"
          }).pipe(Layer.orDie)
        )
      )
    )
  })
})
