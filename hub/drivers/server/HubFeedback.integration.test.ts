import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { CustomerMetrics } from "../../../core/metrics/CustomerMetrics.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { postCarrierWebhook } from "../../../fixtures/carriers/CarrierSimulator.ts"
import {
  hubTestSettings,
  packedParcel,
  publishAll,
  type RunningHub,
  sampleOrder,
  stationOnBroker,
  TEST_METRICS_TOKEN,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import type { ReceivedMail } from "../../../fixtures/mail/TestSmtpServer.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { HUB_PAGE_POLICY } from "./HubHttpServer.ts"

const withToken = { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } }

const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]

const secret = "feedback-webhook-secret"
// Fresh servers per test: each store's run counts only its own mail.
const servers = hubServers({ fresh: "each-test" })

/** The mail's body as a reader sees it: quoted-printable soft line breaks joined, `=3D` back to `=`. */
const bodyOf = (mail: ReceivedMail) => mail.text ?? ""

const form = (fields: Readonly<Record<string, string>>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})

describe.each(stores)("feedback page and metrics over HTTP on $dialect", (store) => {
  it("mails a feedback link after delivery, stores one answer per parcel and serves it in /metrics and /metrics.csv", async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    // The request follows the delivered scan at the next timer pass.
    const settings = hubTestSettings(base, { feedbackDelayMs: 0 })
    const customer = "rater@example.test"
    const program = (hub: RunningHub) =>
      Effect.gen(function* () {
        const { broker: station, next } = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "FB-01" })
        const trackingNumber = "00340434169999999999"
        yield* publishAll(station, [
          next(OrderReceived, { order: sampleOrder("FB-1", { email: customer, locale: "en" }), replacedVersion: null }),
          next(ParcelPacked, packedParcel({ orderId: "FB-1", parcelId: "P-FB-1", trackingNumber, stationId: "FB-01" })),
          next(ParcelHandedToCarrier, {
            batchId: "H-1",
            parcelId: "P-FB-1",
            orderId: "FB-1",
            carrier: "dhl-paket",
            trackingNumber
          })
        ])
        yield* waitFor(
          Effect.sync(() => servers.mailsTo(customer)),
          (mails) => mails.length >= 3,
          15_000
        )

        const delivered = yield* Effect.promise(() =>
          postCarrierWebhook(
            hub.url,
            secret,
            [{ eventId: "d-1", carrier: "dhl-paket", trackingNumber, status: "delivered", occurredAtMs: Date.now() }],
            { delivery: "delivery-1" }
          )
        )
        expect(delivered.status).toBe(200)

        const requests = yield* waitFor(
          Effect.sync(() => servers.mailsTo(customer).filter((mail) => mail.headers.subject?.startsWith("How do"))),
          (mails) => mails.length === 1,
          15_000
        )
        const link = /http:\/\/127\.0\.0\.1:\d+\/f\/[A-Za-z0-9_-]+/.exec(bodyOf(requests[0]!))?.[0]
        expect(link).toBeDefined()
        const url = link!

        const page = yield* Effect.promise(() => fetch(`${url}?rating=4`))
        expect(page.status).toBe(200)
        expect(page.headers.get("content-security-policy")).toBe(HUB_PAGE_POLICY)
        expect(page.headers.get("x-frame-options")).toBe("DENY")
        expect(page.headers.get("referrer-policy")).toBe("no-referrer")
        const html = yield* Effect.promise(() => page.text())
        expect(html).toContain('lang="en"')
        expect(html).toContain("How happy are you?")
        expect(html).toContain('value="4" required checked')
        expect(html).not.toContain(customer)
        // Opening the link (a mail scanner does) records nothing.
        const beforeAnswer = yield* Effect.promise(() =>
          fetch(`${hub.url}/metrics`, withToken).then((response) => response.json())
        )
        expect(Schema.decodeUnknownSync(CustomerMetrics)(beforeAnswer).csat.answers).toBe(0)

        const invalid = yield* Effect.promise(() => fetch(url, form({ rating: "9", comment: "" })))
        expect(invalid.status).toBe(400)
        expect(yield* Effect.promise(() => invalid.text())).toContain("Please choose a rating from 1 to 5.")

        // A comment with control characters (a NUL, which PostgreSQL cannot store; a terminal escape) is refused
        // with why, nothing stored, and the form comes back with the rating and the comment without them to send again.
        const control = yield* Effect.promise(() =>
          fetch(url, form({ rating: "4", comment: "Quick\u0000 & <fine>\u001b[2J" }))
        )
        expect(control.status).toBe(400)
        const controlHtml = yield* Effect.promise(() => control.text())
        expect(controlHtml).toContain("Your comment contained invisible control characters")
        expect(controlHtml).toContain('value="4" required checked')
        expect(controlHtml).toContain(">\nQuick &amp; &lt;fine&gt;[2J</textarea>")

        const answered = yield* Effect.promise(() =>
          fetch(url, form({ rating: "4", comment: "Quick & <fine>\r\n\tthanks" }))
        )
        expect(answered.status).toBe(200)
        const thanks = yield* Effect.promise(() => answered.text())
        expect(thanks).toContain("Thank you for your rating!")
        expect(thanks).toContain("Quick &amp; &lt;fine&gt;\r\n\tthanks")

        const again = yield* Effect.promise(() => fetch(url, form({ rating: "1", comment: "" })))
        expect(again.status).toBe(409)
        const againHtml = yield* Effect.promise(() => again.text())
        expect(againHtml).toContain("You have already rated this order")
        expect(againHtml).toContain('data-rating="4"')

        const unknown = yield* Effect.promise(() =>
          fetch(`${hub.url}/f/${"x".repeat(24)}`, form({ rating: "5", comment: "" }))
        )
        expect(unknown.status).toBe(404)

        // The SMTP server has the request, but the hub records it sent only once the server's answer is back: its
        // commit may come a moment after the mail.
        const metrics = yield* waitFor(
          Effect.promise(() =>
            fetch(`${hub.url}/metrics`, withToken)
              .then((response) => response.json())
              .then((json) => Schema.decodeUnknownSync(CustomerMetrics)(json))
          ),
          (now) => (now.stages.find((stage) => stage.stage === "feedback-request")?.notified ?? 0) > 0,
          15_000
        )
        expect(metrics.csat).toEqual({ answers: 1, satisfied: 1, share: 1, mean: 4, ratings: [0, 0, 0, 1, 0] })
        expect(metrics.onTime).toEqual({ delivered: 1, onTime: 1, rate: 1 })
        expect(metrics.stages.find((stage) => stage.stage === "feedback-request")).toEqual({
          stage: "feedback-request",
          parcels: 1,
          notified: 1,
          share: 1
        })

        const csv = yield* Effect.promise(() => fetch(`${hub.url}/metrics.csv?from=2026-01-01`, withToken))
        expect(csv.status).toBe(200)
        expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8")
        expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="customer-metrics-2026-01-01-/)
        const lines = (yield* Effect.promise(() => csv.text())).split("\r\n")
        expect(lines[0]).toBe("metric,day,value,numerator,denominator,unit,window_start,window_end")
        expect(lines.some((line) => line.startsWith("csat_share,,1,1,1,ratio,2026-01-01T00:00:00.000Z,"))).toBe(true)

        const bad = yield* Effect.promise(() => fetch(`${hub.url}/metrics?from=yesterday`, withToken))
        expect(bad.status).toBe(400)
        expect(yield* Effect.promise(() => bad.json())).toEqual({
          error:
            "from=yesterday: expected epoch milliseconds, a day (2026-11-01) or a time with its offset (2026-11-01T06:00:00+01:00)"
        })
      })
    await withRunningHub(
      await servers.rigOn(store, {
        settings,
        webhookSecret: secret,
        clientId: "packbench-hub-feedback",
        port,
        senderPollMs: 300,
        tickIntervalMs: 500
      }),
      program
    )
  })
})
