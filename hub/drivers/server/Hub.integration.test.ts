import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "../../../drivers/mqtt/EmbeddedBroker.ts"
import { makeMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import {
  deliveriesFor,
  finalStatusOf,
  postDelivery,
  type Scenario
} from "../../../fixtures/carriers/CarrierSimulator.ts"
import { hubRigLayer, publishAll, sampleOrder, shippedParcels, stationStream } from "../../../fixtures/hub/HubRig.ts"
import { type ReceivedMail, startAiosmtpd } from "../../../fixtures/mail/AiosmtpdProcess.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HubSettings } from "../../core/notify/HubSettings.ts"
import type { CarrierTrackingEvent } from "../../core/tracking/CarrierTrackingEvent.ts"
import { runHub } from "./Hub.ts"
import { signWebhook } from "./WebhookSignature.ts"

const secret = "test-webhook-secret"
// The same suite on both stores the hub runs on; PostgreSQL is started once for this file.
const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]

// Quiet hours off: the test must not depend on the hour it runs at (the rules tests cover deferral).
const settings = {
  ...HubSettings.defaults("https://track.test"),
  notify: { ...HubSettings.defaults("").notify, quietHours: { startHour: 0, endHour: 0 } }
}

const postCarrier = (
  url: string,
  events: ReadonlyArray<CarrierTrackingEvent>,
  options: {
    readonly delivery: string
    readonly timestamp?: number
    readonly secret?: string
  }
) => {
  const body = JSON.stringify({ events })
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
  return fetch(`${url}/webhooks/carrier`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-packbench-timestamp": timestamp,
      "x-packbench-delivery": options.delivery,
      "x-packbench-signature": signWebhook(options.secret ?? secret, timestamp, body)
    },
    body
  })
}

describe.each(stores)("notification hub on $dialect", (store) => {
  // Each store gets its own broker and mailbox, so one run's mail never counts in the other's.
  let smtp: Awaited<ReturnType<typeof startAiosmtpd>>
  let mqtt: EmbeddedBroker
  beforeAll(async () => {
    smtp = await startAiosmtpd()
    mqtt = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
  })
  afterAll(async () => {
    await mqtt?.close()
    await smtp?.stop()
  })
  const mailsTo = (to: string) => smtp.messages().filter((mail: ReceivedMail) => mail.headers.to === to)

  it("turns station events and carrier scans into one email per notification over real MQTT, SMTP and HTTP", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-hub-"))
    const database = await store.database()
    const customer = "anna@example.test"
    const program = Effect.gen(function* () {
      const hub = yield* runHub({
        dataDir,
        settings,
        http: { host: "127.0.0.1", port: 0, webhookSecret: secret },
        senderPollMs: 500,
        tickIntervalMs: 1_000,
        ackDelayMs: 20
      })
      const station = yield* makeMqttBroker({ url: mqtt.url, clientId: "station-PACK-01", protocolVersion: 4 })
      const acks: Array<{ epoch: string; seq: number }> = []
      yield* station.subscribe(Topics.acks("HAM1", "PACK-01"), (message) =>
        Effect.sync(() => {
          acks.push(JSON.parse(Buffer.from(message.payload).toString("utf8")))
        })
      )
      yield* waitFor(station.state, (state) => state.connection === "connected", 5_000)

      const next = stationStream({ siteId: "HAM1", stationId: "PACK-01", epoch: "E1" })
      const events = [
        next(OrderReceived, { order: sampleOrder("SO-1", { email: customer, locale: "de" }), replacedVersion: null }),
        next(ParcelPacked, {
          orderId: "SO-1",
          parcelId: "P-1",
          items: [],
          shortShips: [],
          weightGrams: 500,
          expectedWeightGrams: 500,
          boxId: "BOX-S",
          carrier: "dhl-paket",
          trackingNumber: "00340434161234567890",
          packer: { badgeId: "B-1", name: "Test Packer" },
          stationId: "PACK-01"
        }),
        next(ParcelHandedToCarrier, {
          batchId: "H-1",
          parcelId: "P-1",
          orderId: "SO-1",
          carrier: "dhl-paket",
          trackingNumber: "00340434161234567890"
        })
      ]
      yield* publishAll(station, events)

      const mails = yield* waitFor(
        Effect.sync(() => mailsTo(customer)),
        (found) => found.length >= 3,
        15_000
      )
      expect(mails.map((mail) => mail.headers.subject).sort()).toEqual([
        "Ihre Bestellung SO-1 bei Alpenglow",
        "Ihre Bestellung SO-1 ist gepackt",
        "Ihre Bestellung SO-1 ist unterwegs"
      ])
      for (const mail of mails) {
        expect(mail.headers["content-language"]).toBe("de")
        expect(mail.headers.from).toContain("service@alpenglow.example")
      }
      const shipped = mails.find((mail) => mail.headers.subject?.endsWith("unterwegs"))!
      expect(shipped.raw).toContain("00340434161234567890")
      expect(shipped.raw).toContain("https://track.test/t/")
      expect(new Set(mails.map((mail) => mail.headers["message-id"])).size).toBe(3)
      yield* waitFor(
        Effect.sync(() => acks),
        (seen) => seen.some((ack) => ack.epoch === "E1" && ack.seq === 3),
        5_000
      )

      // A station that never saw the ack sends everything again: acked again, mailed never.
      const acksBefore = acks.length
      yield* publishAll(station, events)
      yield* waitFor(
        Effect.sync(() => acks.length),
        (count) => count > acksBefore,
        5_000
      )
      yield* Effect.sleep(1_500)
      expect(mailsTo(customer)).toHaveLength(3)

      // Carrier scans: out of order and duplicated; the timeline sorts them and each status mails once.
      const sql = yield* Sql
      const token = (yield* sql.query<{ tracking_token: string }>("SELECT tracking_token FROM hub_parcels"))[0]!
        .tracking_token
      const base = Date.now() - 3_600_000
      const scan = (
        eventId: string,
        status: CarrierTrackingEvent["status"],
        minutes: number
      ): CarrierTrackingEvent => ({
        eventId,
        carrier: "dhl-paket",
        trackingNumber: "00340434161234567890",
        status,
        occurredAtMs: base + minutes * 60_000,
        location: "Hamburg"
      })
      const outForDelivery = yield* Effect.promise(() =>
        postCarrier(hub.url, [scan("c-3", "out-for-delivery", 30), scan("c-1", "in-transit", 10)], { delivery: "d-1" })
      )
      expect(outForDelivery.status).toBe(200)
      expect(yield* Effect.promise(() => outForDelivery.json())).toEqual({ outcomes: ["added", "added"] })

      const replay = yield* Effect.promise(() =>
        postCarrier(hub.url, [scan("c-4", "delivered", 40)], { delivery: "d-1" })
      )
      expect(replay.status).toBe(409)
      const forged = yield* Effect.promise(() =>
        postCarrier(hub.url, [scan("c-4", "delivered", 40)], { delivery: "d-2", secret: "wrong" })
      )
      expect(forged.status).toBe(401)
      const stale = yield* Effect.promise(() =>
        postCarrier(hub.url, [scan("c-4", "delivered", 40)], {
          delivery: "d-3",
          timestamp: Math.floor(Date.now() / 1000) - 3_600
        })
      )
      expect(stale.status).toBe(401)

      const delivered = yield* Effect.promise(() =>
        postCarrier(
          hub.url,
          [scan("c-4", "delivered", 40), scan("c-1", "in-transit", 10), scan("c-2", "in-transit", 20)],
          {
            delivery: "d-4"
          }
        )
      )
      expect(yield* Effect.promise(() => delivered.json())).toEqual({ outcomes: ["added", "duplicate", "added"] })
      // A late depot scan after delivery is kept in the timeline but does not undo "delivered".
      yield* Effect.promise(() => postCarrier(hub.url, [scan("c-5", "in-transit", 50)], { delivery: "d-5" }))

      const all = yield* waitFor(
        Effect.sync(() => mailsTo(customer)),
        (found) => found.length >= 5,
        15_000
      )
      expect(all.map((mail) => mail.headers.subject).sort()).toEqual([
        "Heute kommt Ihr Paket (SO-1)",
        "Ihr Paket ist angekommen (SO-1)",
        "Ihre Bestellung SO-1 bei Alpenglow",
        "Ihre Bestellung SO-1 ist gepackt",
        "Ihre Bestellung SO-1 ist unterwegs"
      ])

      const page = yield* Effect.promise(() => fetch(`${hub.url}/t/${token}`))
      expect(page.status).toBe(200)
      const html = yield* Effect.promise(() => page.text())
      expect(html).toContain('data-status="delivered"')
      expect(html).toContain("In Zustellung")
      expect(html).not.toContain(customer)
      expect(html).not.toContain("Hauptstraße")
      const wrong = yield* Effect.promise(() => fetch(`${hub.url}/t/${"x".repeat(token.length)}`))
      expect(wrong.status).toBe(404)

      yield* Effect.sleep(1_000)
      expect(mailsTo(customer)).toHaveLength(5)
      const outbox = yield* sql.query<{ status: string; n: number }>(
        "SELECT status, COUNT(*) AS n FROM hub_outbox GROUP BY status"
      )
      expect(outbox).toEqual([{ status: "sent", n: 5 }])
    })
    // The layer outside the scope: the hub's fibers stop before its database closes.
    await Effect.runPromise(
      Effect.scoped(program).pipe(
        Effect.provide(
          hubRigLayer({
            dataDir,
            database,
            brokerUrl: mqtt.url,
            smtpUrl: smtp.url,
            settings,
            webhookSecret: secret
          }).pipe(Layer.orDie)
        )
      )
    )
  })

  it("survives the carrier simulator: out-of-order, duplicated and replayed scans end in the right status, mailed once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-hub-sim-"))
    const database = await store.database()
    const scenarios: ReadonlyArray<Scenario> = ["on-time", "delayed", "failed-attempt", "exception", "returned"]
    const program = Effect.gen(function* () {
      const hub = yield* runHub({
        dataDir,
        settings,
        http: { host: "127.0.0.1", port: 0, webhookSecret: secret },
        senderPollMs: 500,
        tickIntervalMs: 60_000,
        ackDelayMs: 20
      })
      const station = yield* makeMqttBroker({ url: mqtt.url, clientId: "station-PACK-02", protocolVersion: 4 })
      yield* waitFor(station.state, (state) => state.connection === "connected", 5_000)
      const next = stationStream({ siteId: "HAM1", stationId: "PACK-02", epoch: "E1" })
      const handedAtMs = Date.now() - 5 * 24 * 3_600_000
      const parcels = scenarios.map((scenario, index) => ({
        scenario,
        carrier: "ups",
        trackingNumber: `1Z999AA1012345678${index}`,
        handedAtMs,
        orderId: `SIM-${index}`,
        email: `sim${index}@example.test`
      }))
      yield* publishAll(station, shippedParcels(next, "H-2", parcels))
      const sql = yield* Sql
      yield* waitFor(
        sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_parcels"),
        (rows) => Number(rows[0]?.n) === parcels.length,
        10_000
      )
      const deliveries = deliveriesFor(parcels, 42)
      const statuses: Array<number> = []
      for (const delivery of deliveries) {
        statuses.push(yield* Effect.promise(() => postDelivery(hub.url, secret, delivery)))
      }
      const firstSeen = new Set<string>()
      const expected = deliveries.map((delivery) => {
        const replay = firstSeen.has(delivery.deliveryId)
        firstSeen.add(delivery.deliveryId)
        return replay ? 409 : 200
      })
      expect(statuses).toEqual(expected)
      expect(statuses).toContain(409)

      const rows = yield* sql.query<{ tracking_number: string; status: string }>(
        "SELECT tracking_number, status FROM hub_parcels"
      )
      for (const parcel of parcels) {
        expect(rows.find((row) => row.tracking_number === parcel.trackingNumber)?.status).toBe(
          finalStatusOf[parcel.scenario]
        )
      }
      const recorded = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox")
      yield* waitFor(
        sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM hub_outbox WHERE status = 'sent'"),
        (sent) => Number(sent[0]?.n) === Number(recorded[0]?.n),
        15_000
      )
      for (const parcel of parcels) {
        const subjects = mailsTo(parcel.email).map((mail) => mail.headers.subject)
        expect(new Set(subjects).size).toBe(subjects.length)
        if (parcel.scenario === "exception") expect(subjects).toContain(`Your order ${parcel.orderId} is delayed`)
        if (parcel.scenario === "on-time") expect(subjects).toContain(`Your parcel has arrived (${parcel.orderId})`)
      }
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
            clientId: "packbench-hub-sim"
          }).pipe(Layer.orDie)
        )
      )
    )
  })
})
