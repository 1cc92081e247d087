/**
 * The mails about one parcel (packed, shipped, out for delivery, delivered, delay alert) as the customer receives them:
 * the hub's projection and sender on the store under test, sending through the SMTP mailer to a real SMTP server.
 */
import { Effect, Layer } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { countingTrackingTokensLayer } from "../../../fixtures/hub/countingTrackingTokens.ts"
import { envelopesAt, packedParcel, sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import { unusedWebhookSenderLayer } from "../../../fixtures/hub/unusedWebhookSender.ts"
import { type ReceivedMail, startTestSmtpServer } from "../../../fixtures/mail/TestSmtpServer.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { layerSmtpMailer } from "../../drivers/mail/SmtpMailer.ts"
import type { TrackingStatus } from "../tracking/TrackingStatus.ts"
import { HubProjection } from "./HubProjection.ts"
import { HubSettings } from "./HubSettings.ts"
import { hubMigrations } from "./migrations/hubMigrations.ts"
import { NotificationSender } from "./NotificationSender.ts"

// Tuesday 24 November 2026, 10:00 in Berlin, 9:00 in London: outside quiet hours.
const start = Date.UTC(2026, 10, 24, 9, 0)

let smtp: Awaited<ReturnType<typeof startTestSmtpServer>> | undefined
const server = () => {
  if (smtp === undefined) throw new Error("the SMTP server is not running: use it inside a test")
  return smtp
}

const envelope = envelopesAt(start)

/** Order `orderId` of a customer of their own (`<orderId>@example.test`) who reads `locale`, living in Berlin. */
const orderReceived = (orderId: string, locale: "de" | "en") =>
  envelope("order.received", {
    order: sampleOrder(orderId, { email: `${orderId}@example.test`, locale }),
    replacedVersion: null
  })

const packed = (orderId: string, parcelId: string, trackingNumber: string) =>
  envelope("parcel.packed", packedParcel({ orderId, parcelId, trackingNumber, stationId: "PACK-01" }))

const handed = (orderId: string, parcelId: string, trackingNumber: string) =>
  envelope("parcel.handed-to-carrier", { batchId: "H-1", parcelId, orderId, carrier: "dhl-paket", trackingNumber })

/** A carrier's scan of `trackingNumber`; `deliver` dates it as it applies it. */
const scan = (trackingNumber: string, status: TrackingStatus) => ({
  eventId: `${trackingNumber}-${status}`,
  carrier: "dhl-paket",
  trackingNumber,
  status
})

const T1 = "00340434161111111111"
const T2 = "00340434162222222222"

/**
 * The mails `to` received, as `[subject, text, html]` of each, in the order they came: the text and the HTML only
 * from the greeting up to the closing line (the rest is the brand's frame).
 */
const mailsTo = (to: string) =>
  server()
    .messages()
    .filter((mail: ReceivedMail) => mail.headers.to === to)
    .map((mail) => ({ subject: mail.subject, text: mail.text ?? "", html: mail.html ?? "" }))

const rig = (store: TestStore) => {
  const clock = StationClock.manual(start)
  const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        store.layer(),
        clock.layer,
        layerSmtpMailer({ url: server().url, timeoutMs: 10_000 }),
        unusedWebhookSenderLayer,
        countingTrackingTokensLayer,
        Layer.succeed(HubSettings, HubSettings.defaults("https://track.test"))
      )
    )
  )
  /**
   * Applies `events` at the hub, then `scans` of the carrier, a second apart (so each order's mails are due in the
   * order their facts came), then sends what is due.
   */
  /** Runs `story` on one fresh, migrated hub: the projection, the sender and the test's clock. */
  const play = <A>(story: Effect.Effect<A, unknown, HubProjection | NotificationSender>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        return yield* story
      }).pipe(Effect.provide(layer))
    )
  const deliver = (events: ReadonlyArray<EventEnvelope>, scans: ReadonlyArray<ReturnType<typeof scan>> = []) =>
    play(
      Effect.gen(function* () {
        const hub = yield* HubProjection
        let at = start
        for (const event of events) {
          yield* hub.applyStationEvent(event)
          clock.advance(1_000)
          at += 1_000
        }
        for (const event of scans) {
          yield* hub.applyCarrierEvent({ ...event, occurredAtMs: at })
          clock.advance(1_000)
          at += 1_000
        }
        return yield* (yield* NotificationSender).sendDue
      })
    )
  return { deliver, play, clock }
}

/**
 * What the customer reads, the same on every store the hub runs on: ParcelMails.test.ts runs it on SQLite,
 * ParcelMails.integration.test.ts on PostgreSQL.
 */
export const parcelMailsSuite = (store: TestStore) =>
  describe(`mails about one parcel on ${store.dialect}`, () => {
    beforeEach(async () => {
      smtp = await startTestSmtpServer()
    })
    afterEach(async () => {
      await smtp?.stop()
      smtp = undefined
    })

    const twoParcels = (orderId: string) => [
      orderReceived(orderId, orderId.endsWith("E") ? "en" : "de"),
      packed(orderId, `${orderId}-P1`, T1),
      packed(orderId, `${orderId}-P2`, T2),
      handed(orderId, `${orderId}-P1`, T1),
      handed(orderId, `${orderId}-P2`, T2)
    ]
    const scansOfFirst = [scan(T1, "exception"), scan(T1, "out-for-delivery"), scan(T1, "delivered")]

    it("names the parcel by its tracking number in every mail about one parcel of an order with two, in English", async () => {
      const report = await rig(store).deliver(twoParcels("SO-2E"), scansOfFirst)
      expect(report).toMatchObject({ sent: 7, dead: 0, retried: 0 })
      const mails = mailsTo("SO-2E@example.test")
      const first = "a parcel of your order SO-2E (tracking number 00340434161111111111)"
      const second = "a parcel of your order SO-2E (tracking number 00340434162222222222)"
      expect(mails.map((mail) => mail.subject)).toEqual([
        "A parcel of your order SO-2E (tracking number 00340434161111111111) is packed",
        "A parcel of your order SO-2E (tracking number 00340434162222222222) is packed",
        "A parcel of your order SO-2E (tracking number 00340434161111111111) is on its way",
        "A parcel of your order SO-2E (tracking number 00340434162222222222) is on its way",
        "A parcel of your order SO-2E (tracking number 00340434161111111111) is delayed",
        "A parcel of your order SO-2E (tracking number 00340434161111111111) arrives today",
        "A parcel of your order SO-2E (tracking number 00340434161111111111) has arrived"
      ])
      const sentences = [
        `${first} is packed and waiting for DHL to collect it.`,
        `${second} is packed and waiting for DHL to collect it.`,
        `${first} has been handed to DHL.`,
        `${second} has been handed to DHL.`,
        `The carrier reports a problem with ${first}.`,
        `DHL is on the way to you with ${first}.`,
        `DHL has delivered ${first}. Enjoy!`
      ]
      for (const [index, mail] of mails.entries()) {
        expect(mail.text).toContain(sentences[index])
        expect(mail.html).toContain(sentences[index])
        expect(`${mail.subject}\n${mail.text}\n${mail.html}`).not.toMatch(/your parcel|your order SO-2E is/i)
      }
    })

    it("names the parcel by its Sendungsnummer in every mail about one parcel of an order with two, in German", async () => {
      const report = await rig(store).deliver(twoParcels("SO-2D"), scansOfFirst)
      expect(report).toMatchObject({ sent: 7, dead: 0, retried: 0 })
      const mails = mailsTo("SO-2D@example.test")
      const first = "Paket Ihrer Bestellung SO-2D (Sendungsnummer 00340434161111111111)"
      const second = "Paket Ihrer Bestellung SO-2D (Sendungsnummer 00340434162222222222)"
      expect(mails.map((mail) => mail.subject)).toEqual([
        `Ein ${first} ist gepackt`,
        `Ein ${second} ist gepackt`,
        `Ein ${first} ist unterwegs`,
        `Ein ${second} ist unterwegs`,
        `Verzögerung bei einem ${first}`,
        `Heute kommt ein ${first}`,
        `Ein ${first} ist angekommen`
      ])
      const sentences = [
        `Ein ${first} ist gepackt und wartet auf die Abholung durch DHL.`,
        `Ein ${second} ist gepackt und wartet auf die Abholung durch DHL.`,
        `Ein ${first} wurde an DHL übergeben.`,
        `Ein ${second} wurde an DHL übergeben.`,
        `Der Versanddienstleister meldet ein Problem mit einem ${first}.`,
        `DHL ist mit einem ${first} auf dem Weg zu Ihnen.`,
        `DHL hat ein ${first} zugestellt. Viel Freude damit!`
      ]
      for (const [index, mail] of mails.entries()) {
        expect(mail.text).toContain(sentences[index])
        expect(mail.html).toContain(sentences[index])
        expect(`${mail.subject}\n${mail.text}\n${mail.html}`).not.toMatch(/Ihr Paket|Ihre Bestellung SO-2D (ist|wurde)/)
      }
    })

    it("numbers the parcels of an order with two that have no tracking number to name them by", async () => {
      const report = await rig(store).deliver([
        orderReceived("SO-NE", "en"),
        packed("SO-NE", "SO-NE-P1", ""),
        packed("SO-NE", "SO-NE-P2", ""),
        orderReceived("SO-ND", "de"),
        packed("SO-ND", "SO-ND-P1", ""),
        packed("SO-ND", "SO-ND-P2", "")
      ])
      expect(report).toMatchObject({ sent: 4, dead: 0, retried: 0 })
      expect(mailsTo("SO-NE@example.test").map((mail) => [mail.subject, mail.text.includes(" (tracking")])).toEqual([
        ["Parcel 1 of your order SO-NE is packed", false],
        ["Parcel 2 of your order SO-NE is packed", false]
      ])
      expect(mailsTo("SO-ND@example.test").map((mail) => mail.subject)).toEqual([
        "Paket 1 Ihrer Bestellung SO-ND ist gepackt",
        "Paket 2 Ihrer Bestellung SO-ND ist gepackt"
      ])
      expect(mailsTo("SO-ND@example.test")[1]?.text).toContain(
        "Paket 2 Ihrer Bestellung SO-ND ist gepackt und wartet auf die Abholung durch DHL."
      )
    })

    describe("the feedback request of an order with two parcels", () => {
      const delay = HubSettings.defaults("https://track.test").notify.feedbackDelayMs
      const feedbackSubject = "How do you like your order SO-FBE?"
      /** The feedback requests SO-FBE's customer received so far. */
      const requests = Effect.sync(
        () => mailsTo("SO-FBE@example.test").filter((mail) => mail.subject === feedbackSubject).length
      )
      /** Lets `ms` pass, then runs the timers and sends what is due: how many requests the customer has then. */
      const requestsAfter = (clock: ReturnType<typeof StationClock.manual>, ms: number) =>
        Effect.gen(function* () {
          clock.advance(ms)
          yield* (yield* HubProjection).tick
          yield* (yield* NotificationSender).sendDue
          return yield* requests
        })

      it("is due only the delay after the last parcel's delivery, and goes once", async () => {
        const { play, clock } = rig(store)
        const seen = await play(
          Effect.gen(function* () {
            const hub = yield* HubProjection
            for (const event of twoParcels("SO-FBE")) yield* hub.applyStationEvent(event)
            const firstAt = start + 1_000
            clock.setWall(firstAt)
            yield* hub.applyCarrierEvent({ ...scan(T1, "delivered"), occurredAtMs: firstAt })
            const afterFirstDelay = yield* requestsAfter(clock, delay)
            const secondAt = firstAt + delay + 60_000
            clock.setWall(secondAt)
            yield* hub.applyCarrierEvent({ ...scan(T2, "delivered"), occurredAtMs: secondAt })
            const justBefore = yield* requestsAfter(clock, delay - 1)
            const due = yield* requestsAfter(clock, 1)
            const later = yield* requestsAfter(clock, delay)
            return { afterFirstDelay, justBefore, due, later }
          })
        )
        expect(seen).toEqual({ afterFirstDelay: 0, justBefore: 0, due: 1, later: 1 })
      })

      it.each([
        ["packed, on its own", "packed", false],
        ["packed, in a run of events", "packed", true],
        ["handed over, its packing not heard yet", "handed", false],
        ["handed over in a run of events, its packing not heard yet", "handed", true]
      ] as const)(
        "queued after the first parcel's delivery, is put off when the hub hears of a second parcel (%s), and goes after its delivery",
        async (_, heardAt, inRun) => {
          const { play, clock } = rig(store)
          const seen = await play(
            Effect.gen(function* () {
              const hub = yield* HubProjection
              const [received, packedFirst, , handedFirst] = twoParcels("SO-FBE")
              for (const event of [received!, packedFirst!, handedFirst!]) yield* hub.applyStationEvent(event)
              const firstAt = start + 1_000
              clock.setWall(firstAt)
              yield* hub.applyCarrierEvent({ ...scan(T1, "delivered"), occurredAtMs: firstAt })
              // The request is recorded, not yet sent (the sender has not run) when the hub hears of a second parcel.
              clock.advance(delay)
              yield* hub.tick
              const second = (heardAt === "packed" ? packed : handed)("SO-FBE", "SO-FBE-P2", T2)
              yield* inRun ? hub.applyStationEvents([second]) : hub.applyStationEvent(second)
              const whileSecondPacked = yield* requestsAfter(clock, 0)
              yield* hub.applyStationEvent(handed("SO-FBE", "SO-FBE-P2", T2))
              const whileSecondOnItsWay = yield* requestsAfter(clock, delay)
              const secondAt = firstAt + 2 * delay + 60_000
              clock.setWall(secondAt)
              yield* hub.applyCarrierEvent({ ...scan(T2, "delivered"), occurredAtMs: secondAt })
              const due = yield* requestsAfter(clock, delay)
              const later = yield* requestsAfter(clock, delay)
              return { whileSecondPacked, whileSecondOnItsWay, due, later }
            })
          )
          expect(seen).toEqual({ whileSecondPacked: 0, whileSecondOnItsWay: 0, due: 1, later: 1 })
        }
      )
    })

    it("still says 'your parcel' for an order with one parcel, in English and German", async () => {
      const one = (orderId: string, locale: "de" | "en", trackingNumber: string) => [
        orderReceived(orderId, locale),
        packed(orderId, `${orderId}-P1`, trackingNumber),
        handed(orderId, `${orderId}-P1`, trackingNumber)
      ]
      const report = await rig(store).deliver(
        [...one("SO-1E", "en", T1), ...one("SO-1D", "de", T2)],
        [...scansOfFirst, scan(T2, "exception"), scan(T2, "out-for-delivery"), scan(T2, "delivered")]
      )
      expect(report).toMatchObject({ sent: 10, dead: 0, retried: 0 })
      expect(mailsTo("SO-1E@example.test").map((mail) => mail.subject)).toEqual([
        "Your order SO-1E is packed",
        "Your order SO-1E is on its way",
        "Your order SO-1E is delayed",
        "Your parcel arrives today (SO-1E)",
        "Your parcel has arrived (SO-1E)"
      ])
      expect(mailsTo("SO-1D@example.test").map((mail) => mail.subject)).toEqual([
        "Ihre Bestellung SO-1D ist gepackt",
        "Ihre Bestellung SO-1D ist unterwegs",
        "Verzögerung bei Ihrer Bestellung SO-1D",
        "Heute kommt Ihr Paket (SO-1D)",
        "Ihr Paket ist angekommen (SO-1D)"
      ])
    })
  })
