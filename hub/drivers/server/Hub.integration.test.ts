import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import {
  type CarrierSignatureScheme,
  deliveriesFor,
  finalStatusOf,
  postCarrierWebhook,
  postDelivery,
  type Scenario
} from "../../../fixtures/carriers/CarrierSimulator.ts"
import {
  hubTestSettings,
  packedParcel,
  publishAll,
  type RunningHub,
  sampleOrder,
  shippedParcels,
  stationOnBroker,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"
import type { CarrierTrackingEvent } from "../../core/tracking/CarrierTrackingEvent.ts"

const secret = "test-webhook-secret"
// The same suite on both stores the hub runs on; PostgreSQL is started once for this file.
const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]

const settings = hubTestSettings("https://track.test")

const postCarrier = (
  url: string,
  events: ReadonlyArray<CarrierTrackingEvent>,
  options: {
    readonly delivery: string
    readonly timestamp?: number
    readonly secret?: string
    readonly scheme?: CarrierSignatureScheme
  }
) => postCarrierWebhook(url, options.secret ?? secret, events, options)

describe.each(stores)("notification hub on $dialect", (store) => {
  // Each store gets its own broker and mailbox, so one run's mail never counts in the other's.
  const servers = hubServers({ fresh: "once" })
  const { mailsTo } = servers

  it("turns station events and carrier scans into one email per notification over real MQTT, SMTP and HTTP", async () => {
    const customer = "anna@example.test"
    const program = (hub: RunningHub) =>
      Effect.gen(function* () {
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "PACK-01" })
        const acks: Array<{ epoch: string; seq: number }> = []
        yield* station.subscribe(Topics.acks("HAM1", "PACK-01"), (message) =>
          Effect.sync(() => {
            acks.push(JSON.parse(Buffer.from(message.payload).toString("utf8")))
          })
        )

        const events = [
          next(OrderReceived, { order: sampleOrder("SO-1", { email: customer, locale: "de" }), replacedVersion: null }),
          next(
            ParcelPacked,
            packedParcel({
              orderId: "SO-1",
              parcelId: "P-1",
              trackingNumber: "00340434161234567890",
              stationId: "PACK-01"
            })
          ),
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
          postCarrier(hub.url, [scan("c-3", "out-for-delivery", 30), scan("c-1", "in-transit", 10)], {
            delivery: "d-1"
          })
        )
        expect(outForDelivery.status).toBe(200)
        expect(yield* Effect.promise(() => outForDelivery.json())).toEqual({ outcomes: ["added", "added"] })

        // The carrier's redelivery of d-1 (re-signed, maybe a second later) is a replay.
        const replay = yield* Effect.promise(() =>
          postCarrier(hub.url, [scan("c-3", "out-for-delivery", 30), scan("c-1", "in-transit", 10)], {
            delivery: "d-1"
          })
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
        // A late depot scan after delivery is kept in the timeline but does not undo "delivered"; from a carrier still
        // on the first signature scheme, which the hub takes too.
        const late = yield* Effect.promise(() =>
          postCarrier(hub.url, [scan("c-5", "in-transit", 50)], { delivery: "d-5", scheme: "sha256" })
        )
        expect(late.status).toBe(200)

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
        // The server has each mail before the hub has its answer and records the mail sent: wait for those commits.
        const outbox = yield* waitFor(
          sql.query<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM hub_outbox GROUP BY status"),
          (rows) => rows.every((row) => row.status !== "pending" && row.status !== "sending"),
          15_000
        )
        expect(outbox).toEqual([{ status: "sent", n: 5 }])
      })
    await withRunningHub(
      await servers.rigOn(store, {
        settings,
        webhookSecret: secret,
        senderPollMs: 500
      }),
      program
    )
  })

  it("survives the carrier simulator: out-of-order, duplicated and replayed scans end in the right status, mailed once", async () => {
    const scenarios: ReadonlyArray<Scenario> = ["on-time", "delayed", "failed-attempt", "exception", "returned"]
    const program = (hub: RunningHub) =>
      Effect.gen(function* () {
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "PACK-02" })
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
        // The simulator signs as carriers should now (v2=, the delivery id under the HMAC): the hub keeps each id so.
        const taken = yield* sql.query<{ delivery_id: string }>(
          "SELECT delivery_id FROM hub_webhook_deliveries ORDER BY delivery_id"
        )
        expect(taken.map((row) => row.delivery_id)).toEqual([...firstSeen].map((id) => `v2:${id}`).sort())

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
    await withRunningHub(
      await servers.rigOn(store, {
        settings,
        webhookSecret: secret,
        clientId: "packbench-hub-sim",
        senderPollMs: 500,
        tickIntervalMs: 60_000
      }),
      program
    )
  })
})
