import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { EventDefinition } from "../../../core/events/EventDefinition.ts"
import type { Order } from "../../../core/orders/Order.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { ReturnCancelled, ReturnReceived } from "../../../core/returns/ReturnsEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { packedParcel } from "../../../fixtures/hub/HubRig.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { CryptoTrackingTokensLayer } from "../../drivers/server/CryptoTrackingTokens.ts"
import { recordFeedbackAnswer } from "../feedback/FeedbackAnswers.ts"
import { HubProjection } from "../notify/HubProjection.ts"
import { HubSettings } from "../notify/HubSettings.ts"
import { Mailer, MailerError, type OutgoingMail } from "../notify/Mailer.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { NotificationSender } from "../notify/NotificationSender.ts"
import { WebhookError, WebhookSender } from "../notify/WebhookSender.ts"
import type { TrackingStatus } from "../tracking/TrackingStatus.ts"
import { computeCustomerMetrics, quantile } from "./computeCustomerMetrics.ts"
import { customerMetricsCsv } from "./customerMetricsCsv.ts"

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour
// Tuesday 24 November 2026, 09:00 UTC.
const t0 = Date.UTC(2026, 10, 24, 9, 0)
const window = { fromMs: t0 - day, toMs: t0 + 10 * day }

const order = (orderId: string, customerId: string, email: string, placedAtMs: number): Order => ({
  orderId,
  version: 1,
  status: "open",
  brand: "alpenglow",
  customer: { customerId, firstName: "Emma", lastName: "Stone", email, locale: "en" },
  shipTo: { name: "Emma Stone", street1: "1 High St", postalCode: "SW1A 1AA", city: "London", country: "GB" },
  serviceLevel: "standard",
  carrier: "dhl-paket",
  lines: [{ lineId: "1", sku: "X", quantity: 1, unitPrice: 1 }],
  payment: { method: "card", currency: "EUR", total: 1 },
  placedAt: new Date(placedAtMs).toISOString()
})

let seq = 0
const event = <Type extends string, Payload>(
  definition: EventDefinition<Type, Payload>,
  atMs: number,
  payload: Payload
): EventEnvelope => ({
  id: `ev-${++seq}`,
  type: definition.type,
  version: definition.version,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "E1",
  seq,
  eventTime: { wallMs: atMs, monoNs: "0" },
  recordTimeMs: atMs,
  actor: { role: "packer" },
  payload
})

const packed = (parcelId: string, orderId: string, atMs: number) =>
  event(ParcelPacked, atMs, packedParcel({ orderId, parcelId, trackingNumber: `TN-${parcelId}`, stationId: "PACK-01" }))

const handed = (parcelId: string, orderId: string, atMs: number) =>
  event(ParcelHandedToCarrier, atMs, {
    batchId: "H-1",
    parcelId,
    orderId,
    carrier: "dhl-paket",
    trackingNumber: `TN-${parcelId}`
  })

const returned = (returnId: string, orderId: string | null, atMs: number) =>
  event(ReturnReceived, atMs, {
    returnId,
    known: orderId !== null,
    orderId,
    parcelId: null,
    rmaId: null,
    ssccUrn: null,
    scanned: "RMA",
    notes: ""
  })

/** Accepts every mail except to the refused addresses, which the "provider" refuses for good. */
const mailerRefusing = (refused: ReadonlySet<string>) => {
  const accepted: Array<OutgoingMail> = []
  const layer = Layer.succeed(
    Mailer,
    Mailer.of({
      send: (mail) =>
        refused.has(mail.to)
          ? Effect.fail(new MailerError({ reason: "Rejected", permanent: true, message: "550 no such user" }))
          : Effect.sync(() => {
              accepted.push(mail)
              return { response: "250 OK" }
            })
    })
  )
  return { accepted, layer }
}

const rig = (store: TestStore) => {
  const clock = StationClock.manual(t0 - 2 * day)
  const mailer = mailerRefusing(new Set(["bounce@example.test"]))
  const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        store.layer(),
        clock.layer,
        mailer.layer,
        Layer.succeed(
          WebhookSender,
          WebhookSender.of({
            send: () => Effect.fail(new WebhookError({ reason: "Unavailable", permanent: false, message: "unused" }))
          })
        ),
        CryptoTrackingTokensLayer,
        // Quiet hours off: the scenario's times must not defer mail.
        Layer.succeed(HubSettings, {
          ...HubSettings.defaults("https://track.test"),
          notify: {
            ...HubSettings.defaults("").notify,
            quietHours: { startHour: 0, endHour: 0 },
            orderConfirmations: true
          }
        })
      )
    )
  )
  return { clock, mailer, layer }
}

/** The metrics over a hub store: computeCustomerMetrics.test.ts runs it on SQLite, the integration twin on PostgreSQL. */
export const customerMetricsSuite = (store: TestStore) =>
  describe(`customer metrics on ${store.dialect}`, () => {
    it("computes reach, handover time, on-time, return, repurchase and CSAT from events fed through the hub", async () => {
      const { clock, mailer, layer } = rig(store)
      const program = Effect.gen(function* () {
        yield* migrate(hubMigrations)
        const hub = yield* HubProjection
        const sender = yield* NotificationSender
        const sql = yield* Sql
        const apply = (events: ReadonlyArray<EventEnvelope>) =>
          Effect.forEach(events, (envelope) => sql.transaction(hub.applyStationEvent(envelope)), {
            discard: true
          }).pipe(Effect.andThen(sender.sendDue))
        const at = (ms: number) => clock.setWall(ms)

        // Customer A orders twice in the window, B once (a mailbox that bounces), C once before and once in it.
        yield* apply([
          event(OrderReceived, t0 - 2 * hour, {
            order: order("SO-1", "C-A", "a@example.test", t0 - 3 * hour),
            replacedVersion: null
          }),
          event(OrderReceived, t0 - 2 * hour, {
            order: order("SO-2", "C-A", "a@example.test", t0 - 2 * hour),
            replacedVersion: null
          }),
          event(OrderReceived, t0 - 2 * hour, {
            order: order("SO-3", "C-B", "bounce@example.test", t0 - 2 * hour),
            replacedVersion: null
          }),
          event(OrderReceived, t0 - 2 * hour, {
            order: order("SO-4", "C-C", "c@example.test", t0 - 40 * day),
            replacedVersion: null
          }),
          event(OrderReceived, t0 - 2 * hour, {
            order: order("SO-5", "C-C", "c@example.test", t0 + day),
            replacedVersion: null
          })
        ])
        // Packed to handed: P-1 one hour, P-2 2 h 50 min (both handed over on day 0), P-3 20 min on day 1.
        at(t0 + 3 * hour)
        yield* apply([
          packed("P-1", "SO-1", t0),
          packed("P-2", "SO-2", t0 + 10 * minute),
          handed("P-1", "SO-1", t0 + hour),
          handed("P-2", "SO-2", t0 + 3 * hour)
        ])
        at(t0 + day + hour)
        yield* apply([packed("P-3", "SO-3", t0 + day), handed("P-3", "SO-3", t0 + day + 20 * minute)])
        // A parcel packed long before the window is in no figure of it.
        yield* apply([packed("P-OLD", "SO-4", t0 - 39 * day), handed("P-OLD", "SO-4", t0 - 39 * day + hour)])

        const expected = yield* sql.query<{ parcel_id: string; expected_delivery_by_ms: number }>(
          "SELECT parcel_id, expected_delivery_by_ms FROM hub_parcels WHERE parcel_id IN ('P-1', 'P-2')"
        )
        const promised = (parcelId: string) =>
          Number(expected.find((row) => row.parcel_id === parcelId)?.expected_delivery_by_ms)
        const scan = (parcelId: string, eventId: string, status: TrackingStatus, occurredAtMs: number) =>
          hub.applyCarrierEvent({
            eventId,
            carrier: "dhl-paket",
            trackingNumber: `TN-${parcelId}`,
            status,
            occurredAtMs
          })
        // P-1 goes out for delivery and arrives before the promised time; P-2 arrives a day late with no prior scan.
        at(promised("P-2") + day + hour)
        yield* scan("P-1", "c-1", "out-for-delivery", promised("P-1") - 5 * hour)
        yield* scan("P-1", "c-2", "delivered", promised("P-1") - 2 * hour)
        yield* scan("P-2", "c-3", "delivered", promised("P-2") + day)
        yield* sender.sendDue
        // The feedback requests go out three days after delivery; a return comes for SO-2 (redelivered once) and
        // one the station could not match to any order.
        at(promised("P-2") + 5 * day)
        yield* hub.tick
        yield* sender.sendDue
        const backAgain = returned("R-1", "SO-2", promised("P-2") + 4 * day)
        yield* apply([backAgain, backAgain, returned("R-2", null, promised("P-2") + 4 * day)])
        // A return of SO-1 opened by mistake and voided by the clerk (`return.cancelled`) is no return.
        const mistaken = returned("R-3", "SO-1", promised("P-2") + 4 * day)
        yield* apply([
          mistaken,
          event(ReturnCancelled, promised("P-2") + 4 * day + minute, {
            returnId: "R-3",
            corrects: mistaken.id,
            orderId: "SO-1",
            scanned: "RMA",
            itemCount: 0,
            reason: "opened by mistake"
          })
        ])

        const tokens = yield* sql.query<{ parcel_id: string; token: string }>(
          "SELECT parcel_id, token FROM hub_feedback ORDER BY parcel_id"
        )
        const tokenOf = (parcelId: string) => tokens.find((row) => row.parcel_id === parcelId)?.token ?? ""
        const nowMs = promised("P-2") + 6 * day
        const answers = [
          yield* recordFeedbackAnswer(tokenOf("P-1"), { rating: 5, comment: "Lovely" }, nowMs),
          yield* recordFeedbackAnswer(tokenOf("P-2"), { rating: 3, comment: "" }, nowMs),
          // A second answer for P-1 (another device, the back button) does not count twice or change the first.
          yield* recordFeedbackAnswer(tokenOf("P-1"), { rating: 1, comment: "changed my mind" }, nowMs)
        ]
        const asOf = { asOfMs: nowMs, alertAfterMs: 18 * hour }
        const metrics = yield* computeCustomerMetrics(window, asOf)
        const dayOne = yield* computeCustomerMetrics({ fromMs: t0 + day - hour, toMs: t0 + 2 * day }, asOf)
        return { tokens, answers, metrics, dayOne }
      })
      const { tokens, answers, metrics, dayOne } = await Effect.runPromise(program.pipe(Effect.provide(layer)))

      expect(tokens.map((row) => row.parcel_id)).toEqual(["P-1", "P-2"])
      for (const row of tokens) expect(row.token).toMatch(/^[A-Za-z0-9_-]{24}$/)
      const feedbackMail = mailer.accepted.find((mail) => mail.subject.startsWith("How do you like your order SO-1"))
      expect(feedbackMail?.text).toContain(`https://track.test/f/${tokens[0]?.token}`)
      expect(answers).toEqual(["recorded", "recorded", "already-answered"])

      // Three parcels in the window; B's mailbox refuses everything, so P-3 counts as never notified.
      expect(metrics.stages).toEqual([
        { stage: "order-confirmed", parcels: 3, notified: 2, share: 2 / 3 },
        { stage: "packed", parcels: 3, notified: 2, share: 2 / 3 },
        { stage: "shipped", parcels: 3, notified: 2, share: 2 / 3 },
        { stage: "out-for-delivery", parcels: 3, notified: 1, share: 1 / 3 },
        { stage: "delivered", parcels: 3, notified: 2, share: 2 / 3 },
        { stage: "feedback-request", parcels: 3, notified: 2, share: 2 / 3 }
      ])
      expect(metrics.packedToHanded).toEqual({
        parcels: 3,
        medianMs: hour,
        p90Ms: 2 * hour + 50 * minute,
        daily: [
          { day: "2026-11-24", parcels: 2, medianMs: hour, p90Ms: 2 * hour + 50 * minute },
          { day: "2026-11-25", parcels: 1, medianMs: 20 * minute, p90Ms: 20 * minute }
        ]
      })
      expect(metrics.onTime).toEqual({ delivered: 2, onTime: 1, rate: 0.5 })
      expect(metrics.returns).toEqual({ shippedOrders: 3, returnedOrders: 1, rate: 1 / 3 })
      expect(metrics.repurchase).toEqual({ customers: 3, repeatCustomers: 1, rate: 1 / 3 })
      expect(metrics.csat).toEqual({ answers: 2, satisfied: 1, share: 0.5, mean: 4, ratings: [0, 0, 1, 0, 1] })

      // A window around day 1 alone: only P-3 and C's second order are in it; nothing was delivered or answered.
      expect(dayOne.stages[0]).toEqual({ stage: "order-confirmed", parcels: 1, notified: 0, share: 0 })
      expect(dayOne.packedToHanded).toMatchObject({ parcels: 1, medianMs: 20 * minute })
      expect(dayOne.onTime.rate).toBeNull()
      expect(dayOne.repurchase).toEqual({ customers: 1, repeatCustomers: 0, rate: 0 })
      expect(dayOne.csat).toEqual({ answers: 0, satisfied: 0, share: null, mean: null, ratings: [0, 0, 0, 0, 0] })

      const csv = customerMetricsCsv(metrics).split("\r\n")
      expect(csv[0]).toBe("metric,day,value,numerator,denominator,unit,window_start,window_end")
      const window_ = `${new Date(window.fromMs).toISOString()},${new Date(window.toMs).toISOString()}`
      expect(csv).toContain(`on_time_rate,,0.5,1,2,ratio,${window_}`)
      expect(csv).toContain(`packed_to_handed_median,2026-11-25,${20 * minute},,1,ms,${window_}`)
      expect(csv).toContain(`csat_mean,,4,,2,score,${window_}`)
    })

    it("measures carrier pickup from handover to first scan per carrier and batch, and raises a cage nobody collected", async () => {
      const { clock, layer } = rig(store)
      const program = Effect.gen(function* () {
        yield* migrate(hubMigrations)
        const hub = yield* HubProjection
        const sql = yield* Sql
        const apply = (events: ReadonlyArray<EventEnvelope>) =>
          Effect.forEach(events, (envelope) => sql.transaction(hub.applyStationEvent(envelope)), { discard: true })
        const handover = (batchId: string, carrier: string, parcelId: string, atMs: number) => [
          packed(parcelId, `SO-${parcelId}`, atMs - hour),
          event(ParcelHandedToCarrier, atMs, {
            batchId,
            parcelId,
            orderId: `SO-${parcelId}`,
            carrier,
            trackingNumber: `TN-${parcelId}`
          })
        ]
        clock.setWall(t0 + 8 * hour)
        // Monday 17:00 (t0 + 8 h): DHL's cage HO-1 (three parcels) and UPS's cage HO-2 (two parcels).
        yield* apply([
          ...handover("HO-1", "dhl-paket", "D-1", t0 + 8 * hour),
          ...handover("HO-1", "dhl-paket", "D-2", t0 + 8 * hour),
          ...handover("HO-1", "dhl-paket", "D-3", t0 + 8 * hour),
          ...handover("HO-2", "ups", "U-1", t0 + 8 * hour),
          ...handover("HO-2", "ups", "U-2", t0 + 8 * hour)
        ])
        const scan = (carrier: string, parcelId: string, eventId: string, status: TrackingStatus, atMs: number) =>
          hub.applyCarrierEvent({ eventId, carrier, trackingNumber: `TN-${parcelId}`, status, occurredAtMs: atMs })
        // DHL picks up D-1 and D-2 that evening (2 h and 4 h), the second scan of D-1 does not move its first; D-3
        // only has DHL's label notice, which is no pickup. UPS never comes: only label notices.
        yield* scan("dhl-paket", "D-1", "d1-label", "info-received", t0 + 7 * hour)
        yield* scan("dhl-paket", "D-1", "d1-pick", "in-transit", t0 + 10 * hour)
        yield* scan("dhl-paket", "D-1", "d1-hub", "in-transit", t0 + 14 * hour)
        yield* scan("dhl-paket", "D-2", "d2-pick", "in-transit", t0 + 12 * hour)
        yield* scan("dhl-paket", "D-3", "d3-label", "info-received", t0 + 7 * hour)
        yield* scan("ups", "U-1", "u1-label", "info-received", t0 + 7 * hour)
        const window2 = { fromMs: t0, toMs: t0 + 2 * day }
        const options = { alertAfterMs: 18 * hour }
        return {
          evening: yield* computeCustomerMetrics(window2, { ...options, asOfMs: t0 + 20 * hour }),
          nextMorning: yield* computeCustomerMetrics(window2, { ...options, asOfMs: t0 + 26 * hour })
        }
      })
      const { evening, nextMorning } = await Effect.runPromise(program.pipe(Effect.provide(layer)))
      expect(nextMorning.pickup?.carriers).toEqual([
        { carrier: "dhl-paket", handedOver: 3, scanned: 2, medianMs: 2 * hour, p90Ms: 4 * hour, waiting: 1 },
        { carrier: "ups", handedOver: 2, scanned: 0, medianMs: null, p90Ms: null, waiting: 2 }
      ])
      expect(nextMorning.pickup?.batches).toEqual([
        {
          batchId: "HAM1/HO-1",
          carrier: "dhl-paket",
          handedAtMs: t0 + 8 * hour,
          parcels: 3,
          scanned: 2,
          medianMs: 2 * hour,
          alert: false
        },
        {
          batchId: "HAM1/HO-2",
          carrier: "ups",
          handedAtMs: t0 + 8 * hour,
          parcels: 2,
          scanned: 0,
          medianMs: null,
          alert: true
        }
      ])
      expect(nextMorning.pickup).toMatchObject({ asOfMs: t0 + 26 * hour, alertAfterMs: 18 * hour })
      // The same evening nothing is overdue yet: no waiting parcels, no alert.
      expect(evening.pickup?.carriers.map((carrier) => carrier.waiting)).toEqual([0, 0])
      expect(evening.pickup?.batches.map((batch) => batch.alert)).toEqual([false, false])

      const csv = customerMetricsCsv(nextMorning).split("\r\n")
      const window_ = `${new Date(t0).toISOString()},${new Date(t0 + 2 * day).toISOString()}`
      expect(csv).toContain(`pickup_lag_median.dhl-paket,,${2 * hour},,2,ms,${window_}`)
      expect(csv).toContain(`pickup_lag_p90.dhl-paket,,${4 * hour},,2,ms,${window_}`)
      expect(csv).toContain(`pickup_waiting.ups,,2,,2,count,${window_}`)
      expect(csv).toContain(`pickup_alert_batches,,1,,2,count,${window_}`)
    })

    it("takes quantiles by nearest rank", () => {
      expect(quantile([], 0.5)).toBeNull()
      expect(quantile([7], 0.9)).toBe(7)
      expect(quantile([4, 1, 3, 2], 0.5)).toBe(2)
      expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9)
    })
  })
