import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier } from "../../../core/pack/PackEvents.ts"
import { ReturnReceived, ReturnRefundIssued } from "../../../core/returns/ReturnsEvents.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { postCarrierWebhook } from "../../../fixtures/carriers/CarrierSimulator.ts"
import {
  hubTestSettings,
  publishAll,
  type RunningHub,
  sampleOrder,
  stationOnBroker,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import type { ReceivedMail } from "../../../fixtures/mail/TestSmtpServer.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"

const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]

const secret = "test-webhook-secret"
// Fresh servers per test: each store's run counts only its own mail.
const servers = hubServers({ fresh: "each-test" })
const { mailsTo } = servers
const subjects = (mails: ReadonlyArray<ReceivedMail>) => mails.map((mail) => mail.subject).sort()

const returned = (returnId: string, orderId: string) => ({
  returnId,
  known: true,
  orderId,
  parcelId: `P-${orderId}`,
  rmaId: null,
  ssccUrn: null,
  scanned: `P-${orderId}`,
  notes: ""
})

describe.each(stores)("return notifications and opt-out over real MQTT, SMTP and HTTP on $dialect", (store) => {
  it("mails each return and each shop refund once, carries RFC 8058 unsubscribe headers, and honours the opt-out", async () => {
    const port = await freePort()
    const hubUrl = `http://127.0.0.1:${port}`
    // Quiet hours off: the test must not depend on the hour it runs at.
    const settings = hubTestSettings(hubUrl, { refundSettleMs: 500 })
    const emma = "emma.returns@example.test"
    const anna = "anna.returns@example.test"
    const program = (hub: RunningHub) =>
      Effect.gen(function* () {
        expect(hub.url).toBe(hubUrl)
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "RET-01" })
        const refund = (lineId: string, unit: number, amountCents: number, shopRefundId: string) =>
          next(ReturnRefundIssued, {
            orderId: "SO-R1",
            lineId,
            unit,
            itemRef: `SO-R1/${lineId}/${unit}`,
            amountCents,
            currency: "EUR",
            shopRefundId
          })
        const events = [
          next(OrderReceived, { order: sampleOrder("SO-R1", { email: emma, locale: "en" }), replacedVersion: null }),
          next(OrderReceived, { order: sampleOrder("SO-R2", { email: anna, locale: "de" }), replacedVersion: null }),
          next(ParcelHandedToCarrier, {
            batchId: "H-1",
            parcelId: "P-SO-R1",
            orderId: "SO-R1",
            carrier: "dhl-paket",
            trackingNumber: "00340434160000000001"
          }),
          next(ReturnReceived, returned("RET-01-R000001", "SO-R1")),
          // The same return again under a new sequence number (a station replaying its log): mailed never.
          next(ReturnReceived, returned("RET-01-R000001", "SO-R1")),
          next(ReturnReceived, returned("RET-01-R000002", "SO-R1")),
          refund("1", 1, 1_290, "RF-1"),
          refund("2", 1, 2_500, "RF-1"),
          refund("2", 1, 2_500, "RF-1"),
          next(ReturnReceived, returned("RET-01-R000003", "SO-R2")),
          next(ReturnRefundIssued, {
            orderId: "SO-R2",
            lineId: "1",
            unit: 1,
            itemRef: "SO-R2/1/1",
            amountCents: 123_450,
            currency: "EUR",
            shopRefundId: "RF-9"
          })
        ]
        yield* publishAll(station, events)
        // And the whole stream once more, as a station that never saw the acks sends it.
        yield* publishAll(station, events)

        const emmas = yield* waitFor(
          Effect.sync(() => mailsTo(emma)),
          (found) => found.length >= 5,
          20_000
        )
        const annas = yield* waitFor(
          Effect.sync(() => mailsTo(anna)),
          (found) => found.length >= 3,
          20_000
        )
        yield* Effect.sleep(1_500)
        expect(subjects(mailsTo(emma))).toEqual([
          "We have received your return for order SO-R1",
          "We have received your return for order SO-R1",
          "Your Alpenglow order SO-R1",
          "Your order SO-R1 is on its way",
          "Your refund for order SO-R1"
        ])
        expect(subjects(mailsTo(anna))).toEqual([
          "Ihre Bestellung SO-R2 bei Alpenglow",
          "Ihre Erstattung zu Bestellung SO-R2",
          "Ihre Rücksendung zu Bestellung SO-R2 ist angekommen"
        ])
        const emmaRefund = emmas.find((mail) => mail.headers.subject === "Your refund for order SO-R1")!
        const emmaText = emmaRefund.text ?? ""
        expect(emmaText).toContain("we have refunded €37.90")
        expect(emmaText).toContain("Reference: RF-1")
        const annaRefund = annas.find((mail) => mail.headers.subject === "Ihre Erstattung zu Bestellung SO-R2")!
        expect(annaRefund.text).toContain("1.234,50\u00a0€")
        expect(annaRefund.html).toContain("1.234,50\u00a0€")

        // Every mail: RFC 8058 headers, one unsubscribe URL per customer, the same link in the body.
        const urlOf = (mail: ReceivedMail) => {
          expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click")
          const header = mail.headers["list-unsubscribe"] ?? ""
          expect(header).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/u\/[A-Za-z0-9_-]{24}>$/)
          const url = header.slice(1, -1)
          expect(mail.text).toContain(url)
          return url
        }
        const emmaUrls = new Set(mailsTo(emma).map(urlOf))
        const annaUrls = new Set(mailsTo(anna).map(urlOf))
        expect(emmaUrls.size).toBe(1)
        expect(annaUrls.size).toBe(1)
        const emmaUrl = [...emmaUrls][0]!
        expect(emmaUrl).not.toBe([...annaUrls][0])

        const sql = yield* Sql
        const optedOut = sql.query<{ customer_id: string; opted_out: number }>(
          "SELECT customer_id, opted_out FROM hub_customers ORDER BY customer_id"
        )
        // GET only asks (a link scanner changes nothing), in the customer's language.
        const page = yield* Effect.promise(() =>
          fetch(emmaUrl).then(async (r) => ({ status: r.status, html: await r.text() }))
        )
        expect(page.status).toBe(200)
        expect(page.html).toContain("Yes, unsubscribe")
        expect(page.html).toContain('<form method="post"')
        expect(page.html).not.toContain(emma)
        const german = yield* Effect.promise(() => fetch([...annaUrls][0]!).then((r) => r.text()))
        expect(german).toContain("Ja, abbestellen")
        expect(german).toContain('lang="de"')
        expect((yield* optedOut).map((row) => Number(row.opted_out))).toEqual([0, 0])

        // A mail client's one-click POST (RFC 8058 §3.1) records it.
        const posted = yield* Effect.promise(() =>
          fetch(emmaUrl, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "List-Unsubscribe=One-Click"
          }).then(async (r) => ({ status: r.status, html: await r.text() }))
        )
        expect(posted.status).toBe(200)
        expect(posted.html).toContain('data-state="done"')
        expect(yield* optedOut).toEqual([
          { customer_id: "C-SO-R1", opted_out: 1 },
          { customer_id: "C-SO-R2", opted_out: 0 }
        ])
        const again = yield* Effect.promise(() => fetch(emmaUrl).then((r) => r.text()))
        expect(again).toContain('data-state="already"')
        const unknown = yield* Effect.promise(() => fetch(`${hubUrl}/u/${"x".repeat(24)}`, { method: "POST" }))
        expect(unknown.status).toBe(404)

        // After the opt-out: delivery updates are suppressed (and say why), a new return is still mailed.
        const webhook = yield* Effect.promise(() =>
          postCarrierWebhook(
            hubUrl,
            secret,
            [
              {
                eventId: "r1-ofd",
                carrier: "dhl-paket",
                trackingNumber: "00340434160000000001",
                status: "out-for-delivery",
                occurredAtMs: Date.now() - 60_000
              },
              {
                eventId: "r1-del",
                carrier: "dhl-paket",
                trackingNumber: "00340434160000000001",
                status: "delivered",
                occurredAtMs: Date.now() - 30_000
              }
            ],
            { delivery: "opt-out-1" }
          )
        )
        expect(webhook.status).toBe(200)
        yield* publishAll(station, [next(ReturnReceived, returned("RET-01-R000004", "SO-R1"))])
        const suppressed = yield* waitFor(
          sql.query<{ kind: string; suppressed_reason: string }>(
            `SELECT n.kind, b.suppressed_reason FROM hub_outbox b JOIN hub_notifications n USING (notification_id)
           WHERE b.status = 'suppressed' ORDER BY n.kind`
          ),
          (rows) => rows.length >= 2,
          15_000
        )
        expect(suppressed).toEqual([
          { kind: "delivered", suppressed_reason: "customer C-SO-R1 opted out of optional mail (delivered)" },
          {
            kind: "out-for-delivery",
            suppressed_reason: "customer C-SO-R1 opted out of optional mail (out-for-delivery)"
          }
        ])
        yield* waitFor(
          Effect.sync(() => mailsTo(emma).length),
          (count) => count >= 6,
          15_000
        )
        yield* Effect.sleep(1_000)
        expect(
          subjects(mailsTo(emma)).filter((subject) => subject.startsWith("We have received your return"))
        ).toHaveLength(3)
        expect(mailsTo(emma)).toHaveLength(6)
      })
    await withRunningHub(
      await servers.rigOn(store, {
        settings,
        webhookSecret: secret,
        clientId: "packbench-hub-returns",
        port,
        senderPollMs: 200,
        tickIntervalMs: 60_000
      }),
      program
    )
  })
})
