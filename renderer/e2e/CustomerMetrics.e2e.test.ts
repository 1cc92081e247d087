import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../core/events/Event.ts"
import { CustomerMetrics } from "../../core/metrics/CustomerMetrics.ts"
import { OrderReceived } from "../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../core/pack/PackEvents.ts"
import { ReturnReceived } from "../../core/returns/ReturnsEvents.ts"
import { makeMqttBroker } from "../../drivers/mqtt/MqttBroker.ts"
import { freePort } from "../../drivers/net/LoopbackPort.ts"
import { packedParcel, publishAll, sampleOrder, stationStream } from "../../fixtures/hub/HubRig.ts"
import { waitFor } from "../../fixtures/mqtt/SyncRig.ts"
import { enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import type { TrackingStatus } from "../../hub/core/tracking/TrackingStatus.ts"
import { signWebhook } from "../../hub/drivers/server/WebhookSignature.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour

let opened: StationInBrowser | undefined
let brokerPort = 0
let hubPort = 0

beforeAll(async () => {
  brokerPort = await freePort()
  hubPort = await freePort()
  opened = await openStationInBrowser("metrics", {
    PACKBENCH_EMBEDDED_BROKER_PORT: String(brokerPort),
    PACKBENCH_HUB_PORT: String(hubPort),
    // The feedback mail this test waits for must not depend on the hour it runs at.
    PACKBENCH_HUB_QUIET_HOURS: "off"
  })
}, 120_000)

afterAll(() => opened?.close())

/** Another station of the site, publishing on the station's embedded broker, as a second bench would. */
const seedHub = async (dataDir: string) => {
  const hubUrl = `http://127.0.0.1:${hubPort}`
  const now = Date.now()
  const next = stationStream({ siteId: "HAM1", stationId: "PACK-77", epoch: "E1" })
  const at = (event: EventEnvelope, ms: number): EventEnvelope => ({
    ...event,
    eventTime: { ...event.eventTime, wallMs: ms },
    recordTimeMs: ms
  })
  const order = (orderId: string, customerId: string) => {
    const base = sampleOrder(orderId, { email: `${customerId.toLowerCase()}@example.test`, locale: "en" })
    return next(OrderReceived, {
      order: {
        ...base,
        customer: { ...base.customer, customerId },
        placedAt: new Date(now - 13 * day).toISOString()
      },
      replacedVersion: null
    })
  }
  const parcel = (parcelId: string, orderId: string, packedAtMs: number, handedAtMs: number, batchId = "H-77") => [
    at(
      next(
        ParcelPacked,
        packedParcel({
          orderId,
          parcelId,
          trackingNumber: `00340434160000000${parcelId.slice(-3)}`,
          stationId: "PACK-77"
        })
      ),
      packedAtMs
    ),
    at(
      next(ParcelHandedToCarrier, {
        batchId,
        parcelId,
        orderId,
        carrier: "dhl-paket",
        trackingNumber: `00340434160000000${parcelId.slice(-3)}`
      }),
      handedAtMs
    )
  ]
  // Customer X orders twice; M-2 comes back. Packed to handed: 30 min, 2 h, 1 h.
  const events = [
    order("M-1", "X"),
    order("M-2", "X"),
    order("M-3", "Y"),
    ...parcel("MP-101", "M-1", now - 5 * day, now - 5 * day + 30 * minute),
    ...parcel("MP-102", "M-2", now - 12 * day, now - 12 * day + 2 * hour),
    // MP-103 leaves alone in cage H-78, which the carrier never scans: the pickup alert.
    ...parcel("MP-103", "M-3", now - 3 * day, now - 3 * day + hour, "H-78"),
    next(ReturnReceived, {
      returnId: "R-77",
      known: true,
      orderId: "M-2",
      parcelId: "MP-102",
      rmaId: null,
      ssccUrn: null,
      scanned: "RMA-77",
      notes: ""
    })
  ]
  // A second bench of the site, enrolled on the embedded broker as an operator would (the broker takes no one else).
  const bench = await enrolEmbeddedClient(dataDir, { role: "station", siteId: "HAM1", stationId: "PACK-77" })
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const station = yield* makeMqttBroker({
          url: `mqtt://127.0.0.1:${brokerPort}`,
          ...bench,
          protocolVersion: 4
        })
        yield* waitFor(station.state, (state) => state.connection === "connected", 10_000)
        yield* publishAll(station, events)
      })
    )
  )
  // The embedded hub made its metrics token on first start; the station's Manager screen sends it too.
  const token = readFileSync(join(dataDir, "hub", "metrics-token"), "utf8").trim()
  const metricsNow = async () =>
    Schema.decodeUnknownSync(CustomerMetrics)(
      await (await fetch(`${hubUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).json()
    )
  await Effect.runPromise(
    waitFor(
      Effect.promise(metricsNow),
      (metrics) => metrics.returns.shippedOrders === 3 && metrics.returns.returnedOrders === 1,
      20_000
    )
  )

  // MP-101 arrives the next day (on time); MP-102 eleven days after its handover (late).
  const secret = readFileSync(join(dataDir, "hub", "webhook-secret"), "utf8").trim()
  const scan = (parcelId: string, eventId: string, status: TrackingStatus, occurredAtMs: number) => ({
    eventId,
    carrier: "dhl-paket",
    trackingNumber: `00340434160000000${parcelId.slice(-3)}`,
    status,
    occurredAtMs
  })
  const body = JSON.stringify({
    events: [scan("MP-101", "e-1", "delivered", now - 4 * day), scan("MP-102", "e-2", "delivered", now - day)]
  })
  const timestamp = String(Math.floor(Date.now() / 1000))
  const posted = await fetch(`${hubUrl}/webhooks/carrier`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-packbench-timestamp": timestamp,
      "x-packbench-delivery": "e2e-1",
      "x-packbench-signature": signWebhook(secret, timestamp, body)
    },
    body
  })
  expect(posted.status).toBe(200)

  // MP-101 was delivered four days ago: its feedback request goes out at the hub's next timer pass (every minute).
  const mailDir = join(dataDir, "hub", "mail")
  const feedbackLink = await Effect.runPromise(
    waitFor(
      Effect.sync(() => {
        for (const name of readdirSync(mailDir)) {
          const text = readFileSync(join(mailDir, name), "utf8").replace(/=\r?\n/g, "")
          if (!text.includes("How do you like your order M-1")) continue
          const link = /http:\/\/127\.0\.0\.1:\d+\/f\/[A-Za-z0-9_-]+/.exec(text)?.[0]
          if (link !== undefined) return link
        }
        return undefined
      }),
      (link) => link !== undefined,
      90_000
    )
  )
  const answered = await fetch(feedbackLink!, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "rating=5&comment=Fast+and+friendly"
  })
  expect(answered.status).toBe(200)
  // The delivered mails and the feedback request are in the mail folder before the hub records them sent (after the
  // mailer's answer): the figures are read once those commits are in, whatever the machine's pace.
  const notified = (metrics: CustomerMetrics, stage: string) =>
    metrics.stages.find((each) => each.stage === stage)?.notified ?? 0
  return Effect.runPromise(
    waitFor(
      Effect.promise(metricsNow),
      (metrics) => notified(metrics, "delivered") >= 2 && notified(metrics, "feedback-request") >= 1,
      20_000
    )
  )
}

describe("customer metrics on the Manager screen", () => {
  it("shows the hub's figures as KPI tiles and charts and exports them as CSV", async () => {
    const { page, station, pageProblems } = opened!
    const metrics = await seedHub(station.config.dataDir)
    expect(metrics.onTime).toEqual({ delivered: 2, onTime: 1, rate: 0.5 })
    expect(metrics.csat).toMatchObject({ answers: 1, satisfied: 1, mean: 5 })
    expect(metrics.packedToHanded).toMatchObject({ parcels: 3, medianMs: hour, p90Ms: 2 * hour })
    // Handed over to the first carrier scan: MP-101 and MP-102 were scanned (delivered), MP-103 never.
    expect(metrics.pickup?.carriers).toEqual([
      expect.objectContaining({ carrier: "dhl-paket", handedOver: 3, scanned: 2, waiting: 1 })
    ])
    expect(metrics.pickup?.batches.map((batch) => [batch.batchId, batch.scanned, batch.alert])).toEqual([
      ["HAM1/H-78", 0, true],
      ["HAM1/H-77", 2, false]
    ])

    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.keyboard.press("F3")
    const card = page.getByTestId("customer-metrics")
    await card.getByTestId("kpi-on-time").waitFor({ timeout: 20_000 })
    const tile = async (id: string) => (await card.getByTestId(`kpi-${id}`).innerText()).replace(/\s+/g, " ")
    expect(await tile("on-time")).toBe("Delivered on time 50% 1 of 2")
    expect(await tile("return-rate")).toBe(`Return rate 33.3% 1 of 3`)
    const repurchase = metrics.repurchase
    expect(await tile("repurchase")).toContain(`${repurchase.repeatCustomers} of ${repurchase.customers}`)
    expect(await tile("csat")).toBe("Satisfied (4–5 of 5) 100% avg 5 of 5 · answers: 1")
    expect(await card.getByTestId("handover-summary").innerText()).toContain("Median 1 h · p90 2 h · 3 parcels")

    const bars = card.getByTestId("stage-reach-chart")
    expect((await bars.locator('[data-stage="delivered"]').textContent())?.replace(/\s+/g, " ")).toContain("67% 2/3")
    expect((await bars.locator('[data-stage="feedback-request"]').textContent())?.replace(/\s+/g, " ")).toContain(
      "33% 1/3"
    )
    expect(await card.getByTestId("handover-chart").locator("[data-day]").count()).toBe(3)
    const pickup = card.getByTestId("pickup-lag")
    expect(await pickup.getByTestId("pickup-alerts").innerText()).toContain(
      // The carrier in the bench's words, not its id.
      "DHL Parcel has scanned none of the 1 parcel of cage HAM1/H-78"
    )
    expect(await pickup.getByTestId("pickup-summary").innerText()).toContain(
      "1 parcel without a carrier scan after 18 h"
    )
    expect((await pickup.locator('[data-carrier="dhl-paket"]').textContent())?.replace(/\s+/g, " ")).toContain(
      "DHL Parcel"
    )
    expect((await pickup.locator('[data-carrier="dhl-paket"]').textContent())?.replace(/\s+/g, " ")).toContain("2/3")
    expect(await pickup.getByTestId("pickup-batches").locator("tr.pickup-batch-alert").count()).toBe(1)

    await card.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SCREENSHOTS, "7-manager-customer-metrics.png"), fullPage: true })
    await card.screenshot({ path: join(SCREENSHOTS, "7-customer-metrics-card.png") })
    await pickup.screenshot({ path: join(SCREENSHOTS, "7-carrier-pickup.png") })

    const download = page.waitForEvent("download")
    await card.getByTestId("metrics-export").click()
    const file = await download
    expect(file.suggestedFilename()).toMatch(/^customer-metrics-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync((await file.path())!, "utf8").split("\r\n")
    expect(csv[0]).toBe("metric,day,value,numerator,denominator,unit,window_start,window_end")
    expect(csv.some((line) => line.startsWith("on_time_rate,,0.5,1,2,ratio,"))).toBe(true)

    // German too: the same figures under German labels.
    await page.getByRole("button", { name: "DE", exact: true }).click()
    await card.getByText("Kundenkennzahlen").waitFor()
    expect(await tile("on-time")).toBe("Pünktlich zugestellt 50 % 1 von 2")
    expect(pageProblems).toEqual([])
  }, 180_000)
})
