/**
 * Where a customer's correction of an order no shop connector brought goes (every station that has the order), and
 * what the customer hears when a station does not apply it: real stations (SQLite, their inbox and order handlers)
 * and the hub's projection, correction page and sender on the store under test.
 */
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { EventLog } from "../../../core/events/EventLog.ts"
import type { Address, Order } from "../../../core/orders/Order.ts"
import { registerOrderInbound } from "../../../core/orders/OrderInbound.ts"
import { migrate, statementFor } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import type { BrokerMessage } from "../../../core/sync/Broker.ts"
import { Inbox } from "../../../core/sync/Inbox.ts"
import { encodeJson } from "../../../core/sync/Topics.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { countingTrackingTokens } from "../../../fixtures/hub/countingTrackingTokens.ts"
import { packedParcel } from "../../../fixtures/hub/HubRig.ts"
import { inboxScenario, shopMessage } from "../../../fixtures/InboxScenario.ts"
import { pausedAfter, waitsOnRowLock } from "../../../fixtures/postgres/Interleaving.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { fixture } from "../../../fixtures/SeededStation.ts"
import { draftOrder, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { type HubDatabase, layerHubDatabase } from "../../drivers/server/HubDatabase.ts"
import { HubProjection } from "../notify/HubProjection.ts"
import { HubSettings } from "../notify/HubSettings.ts"
import { Mailer, type OutgoingMail } from "../notify/Mailer.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { NotificationSender } from "../notify/NotificationSender.ts"
import { defaultNotifySettings } from "../notify/NotifySettings.ts"
import { WebhookError, WebhookSender } from "../notify/WebhookSender.ts"
import { ingestShopOrder } from "../shop/ShopInbox.ts"
import type { ShopOrderDraft } from "../shop/ShopOrderDraft.ts"
import { TrackingTokens } from "../tracking/TrackingTokens.ts"
import { submitCorrection } from "./AddressCorrections.ts"
import { sendCorrectionTo } from "./CorrectionToStations.ts"

/** Thursday 1 January 2026, 11:00 in Berlin: outside the customer's quiet hours. */
const NOW = Date.UTC(2026, 0, 1, 10, 0)
const orders = fixture("orders.json") as Array<Order>
const base = orders.find((candidate) => candidate.orderId === "SO-100001")!
const held: Address = { ...base.shipTo, street1: "Hauptstraße" }
const sourceOrder = (version: number, more: Partial<Order> = {}): Order => ({ ...base, version, shipTo: held, ...more })
const form = { name: "Anna Schmidt", street1: "Hauptstraße 14", postalCode: "10115", city: "Berlin" }
const corrected: Address = { ...form, country: "DE" }

let seq = 0
/** A station's event as its outbox sends it. */
const stationEvent = (stationId: string, type: string, payload: unknown): EventEnvelope => ({
  id: `ev-${stationId}-${++seq}`,
  type,
  version: 1,
  siteId: "HAM1",
  stationId,
  epoch: "E1",
  seq,
  eventTime: { wallMs: NOW, monoNs: "0" },
  recordTimeMs: NOW,
  actor: { role: "system" },
  payload
})
const received = (stationId: string) =>
  stationEvent(stationId, "order.received", { order: sourceOrder(3), replacedVersion: null })
const addressHold = (stationId: string, order: Order = base) =>
  stationEvent(stationId, "order.address-hold", {
    orderId: order.orderId,
    customerEmail: order.customer.email,
    customerLocale: order.customer.locale,
    carrier: "dhl-paket",
    problems: [{ field: "street1", code: "house-number-missing", message: "The house number is missing." }],
    request: "customer-correction"
  })

/**
 * The hub on a fresh database of `store` (a SQLite file, or a PostgreSQL database): its projection and sender, with a
 * mailer that keeps what it accepted, on a clock the test moves. `restarted` is the same hub started anew: every
 * service built again (`Layer.fresh`) over a connection of its own to the same database, with the same clock, mail
 * server and token source.
 */
const hubOn = (store: TestStore) => {
  const mails: Array<OutgoingMail> = []
  const clock = StationClock.manual(NOW)
  const tokens = countingTrackingTokens()
  let database: Promise<HubDatabase> | undefined
  const onDatabase = Layer.unwrap(
    Effect.promise(() => {
      database ??= store.database()
      return database
    }).pipe(Effect.map(layerHubDatabase))
  )
  const layer = Layer.mergeAll(NotificationSender.layer, HubProjection.layer).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        onDatabase,
        clock.layer,
        Layer.succeed(
          Mailer,
          Mailer.of({ send: (mail) => Effect.sync(() => mails.push(mail)).pipe(Effect.as({ response: "250 OK" })) })
        ),
        Layer.succeed(
          WebhookSender,
          WebhookSender.of({
            send: () => Effect.fail(new WebhookError({ reason: "Unavailable", permanent: false, message: "unused" }))
          })
        ),
        Layer.succeed(TrackingTokens, tokens),
        Layer.succeed(HubSettings, HubSettings.defaults("https://track.test"))
      )
    )
  )
  return { mails, layer, restarted: Layer.fresh(layer), clock }
}

/** How long the hub waits for every station's answer to a correction (`hub.notify.correctionAnswerWait`). */
const answerWaitMs = defaultNotifySettings.correctionAnswerWaitMs

/** The hub's timer pass at `hub`'s clock moved on by `ms`, then its sender. */
const laterTick = (hub: ReturnType<typeof hubOn>, ms: number) =>
  Effect.gen(function* () {
    hub.clock.advance(ms)
    yield* (yield* HubProjection).tick
    yield* (yield* NotificationSender).sendDue
  })

/** Applies station events at the hub, each in its own transaction as the consumer would. */
const applyAtHub = (events: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    const hub = yield* HubProjection
    const sql = yield* Sql
    for (const event of events) yield* sql.transaction(hub.applyStationEvent(event))
  })

/**
 * The hub knows SO-100001 (version 3, from a source that is no shop connector) from `stations`, the first of them held
 * its address, and the customer posts the correction through the link of that hold.
 */
const correctAtHub = (stations: ReadonlyArray<string>, locale: "de" | "en") =>
  Effect.gen(function* () {
    yield* migrate(hubMigrations)
    const sql = yield* Sql
    yield* sql.execute(
      `INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms)
       VALUES ('C-1001', 'Anna', 'Schmidt', 'anna.schmidt@example.de', ?, 0)`,
      [locale]
    )
    yield* applyAtHub([...stations.map(received), addressHold(stations[0]!)])
    // The request went out (the customer followed its link): the mails after it are the test's.
    yield* sql.execute("UPDATE hub_outbox SET status = 'sent'")
    yield* sql.execute(
      `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, hold_round)
       VALUES ('h', 'SO-100001', 'n', 0, ?, 1)`,
      [NOW + 3_600_000]
    )
    const outcome = yield* submitCorrection("h", form, NOW, defaultNotifySettings)
    expect(outcome.type).toBe("taken")
  })

/** The address the hub's copy of SO-100001 has: what its later mails and the tracking page show. */
const hubShipTo = Effect.gen(function* () {
  const rows = yield* (yield* Sql).query<{ ship_to: string }>(
    "SELECT ship_to FROM hub_orders WHERE order_id = 'SO-100001'"
  )
  return (JSON.parse(rows[0]!.ship_to) as Address).street1
})

/** What the hub queued for the stations, by station: the messages as the station's inbox receives them. */
const toStations = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ topic: string; body: string }>("SELECT topic, body FROM hub_messages ORDER BY seq")
  const byStation = new Map<string, Array<BrokerMessage>>()
  for (const row of rows) {
    const stationId = row.topic.split("/")[3]!
    const message = { topic: row.topic, payload: encodeJson(JSON.parse(row.body)), userProperties: {} }
    byStation.set(stationId, [...(byStation.get(stationId) ?? []), message])
  }
  return byStation
})

/**
 * A real station `stationId` with the source's order at version 3 held for its address there; `before` runs first
 * (the source's own changes, the parcel leaving), then the hub's messages, then `after` (the source's changes that
 * come later). Returns the station's events and order.
 */
const atStation = (
  stationId: string,
  messages: ReadonlyArray<BrokerMessage>,
  before: Effect.Effect<void, unknown, Inbox | Sql> = Effect.void,
  after: Effect.Effect<void, unknown, Inbox | Sql> = Effect.void
) =>
  inboxScenario(
    (inbox) =>
      registerOrderInbound(inbox, { isOpen: () => Effect.succeed(false), interrupt: () => Effect.void }).pipe(
        Effect.andThen(
          Effect.gen(function* () {
            yield* inbox.receive(shopMessage("order.upsert", sourceOrder(3)))
            const sql = yield* Sql
            yield* sql.execute("UPDATE orders SET status = 'address-hold' WHERE order_id = 'SO-100001'")
          })
        )
      ),
    Effect.gen(function* () {
      yield* before
      const inbox = yield* Inbox
      const outcomes = yield* Effect.forEach(messages, (message) => inbox.receive(message))
      yield* after
      const log = yield* EventLog
      const sql = yield* Sql
      const rows = yield* sql.query<{ status: string; data: string }>(
        "SELECT status, data FROM orders WHERE order_id = 'SO-100001'"
      )
      // The events as they reach the hub: this station's, numbered in its own stream.
      const events = (yield* log.read(0, 100)).map((event) => ({ ...event, stationId, epoch: `E-${stationId}` }))
      return { outcomes, events, status: rows[0]!.status, shipTo: (JSON.parse(rows[0]!.data) as Order).shipTo }
    }),
    { stationId }
  )

/** The mails about what became of a correction: not applied, or applied to a parcel held for a new label. */
/** The source's next version (4) with an address it sets itself, at the station. */
const sourceSets = (shipTo: Address) =>
  Effect.gen(function* () {
    const outcome = yield* (yield* Inbox).receive(shopMessage("order.upsert", sourceOrder(4, { shipTo })))
    expect(outcome).toBe("applied")
  })

const notices = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ kind: string; subject_id: string; status: string }>(
    `SELECT n.kind, n.subject_id, o.status FROM hub_notifications n JOIN hub_outbox o USING (notification_id)
     WHERE n.kind IN ('address-correction-ignored', 'address-correction-relabel', 'address-correction-parcel-left',
       'address-correction-applied') ORDER BY n.created_at_ms, n.kind`
  )
  return rows.map((row) => `${row.kind} ${row.subject_id}: ${row.status}`)
})

/** The mails that say what became of a correction, among the others the hub sends (the parcel's own). */
const correctionMails = (mails: ReadonlyArray<OutgoingMail>) =>
  mails.filter((mail) => mail.subject.includes("Adresskorrektur") || mail.subject.includes("address correction"))

/**
 * Station `stationId` packs parcel `parcelId` of SO-100001 (tracking number `trackingNumber`) and hands it over, as its
 * events reach the hub.
 */
const parcelLeaves = (stationId: string, parcelId: string, trackingNumber = "00340434161094042557") => [
  stationEvent(stationId, "parcel.packed", {
    ...packedParcel({ orderId: "SO-100001", parcelId, trackingNumber, stationId }),
    carrier: "dhl-paket"
  }),
  stationEvent(stationId, "parcel.handed-to-carrier", {
    batchId: "B-1",
    parcelId,
    orderId: "SO-100001",
    carrier: "dhl-paket",
    trackingNumber
  })
]

/**
 * A shop connector's order (Shopify's #1001, changed at the shop a minute before the suite's time) that PACK-01 held
 * for its address, and its customer's correction on the hub's page, which goes out on the shop side's site stream.
 */
const connectorOrderCorrected = Effect.gen(function* () {
  yield* migrate(hubMigrations)
  const sql = yield* Sql
  const ingested = yield* ingestShopOrder(
    sql,
    testSettings,
    { rules: [], defaultSite: "HAM1" },
    draftOrder({ updatedAtMs: NOW - 60_000, placedAt: new Date(NOW - 3_600_000).toISOString() }),
    { text: "{}", sha256: "0".repeat(64) },
    NOW,
    "read"
  )
  expect(ingested).toBe("upserted")
  // The order as the shop side sends it to the site's stations.
  const sent = yield* sql.query<{ body: string }>("SELECT body FROM shop_messages ORDER BY seq")
  const order = (JSON.parse(sent[0]!.body) as { payload: Order }).payload
  yield* applyAtHub([
    stationEvent("PACK-01", "order.received", { order, replacedVersion: null }),
    addressHold("PACK-01", order)
  ])
  yield* sql.execute("UPDATE hub_outbox SET status = 'sent'")
  yield* sql.execute(
    `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, hold_round)
     VALUES ('h', ?, 'n', 0, ?, 1)`,
    [order.orderId, NOW + 3_600_000]
  )
  const form = { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20457", city: "Hamburg" }
  const outcome = yield* submitCorrection("h", form, NOW, defaultNotifySettings)
  expect(outcome).toMatchObject({ type: "taken", route: "shop" })
  return order
})

/** The shop side's stream to the site, as a station's inbox receives it. */
const shopStream = Effect.gen(function* () {
  const rows = yield* (yield* Sql).query<{ topic: string; body: string }>(
    "SELECT topic, body FROM shop_messages ORDER BY seq"
  )
  return rows.map(
    (row): BrokerMessage => ({ topic: row.topic, payload: encodeJson(JSON.parse(row.body)), userProperties: {} })
  )
})

/**
 * A real station PACK-01 taking the shop side's `steps` in turn: a message into its inbox, or something done to its
 * store between them. Returns what its inbox made of each message, its events and order `orderId`'s address.
 */
const connectorStation = (
  orderId: string,
  steps: ReadonlyArray<BrokerMessage | ((sql: Sql["Service"]) => Effect.Effect<unknown, unknown>)>
) =>
  inboxScenario(
    (inbox) => registerOrderInbound(inbox, { isOpen: () => Effect.succeed(false), interrupt: () => Effect.void }),
    Effect.gen(function* () {
      const inbox = yield* Inbox
      const sql = yield* Sql
      const outcomes: Array<unknown> = []
      for (const step of steps) {
        if (typeof step === "function") yield* step(sql)
        else outcomes.push(yield* inbox.receive(step))
      }
      const events = (yield* (yield* EventLog).read(0, 100)).map((event) => ({
        ...event,
        stationId: "PACK-01",
        epoch: "E-PACK-01"
      }))
      const rows = yield* sql.query<{ data: string }>("SELECT data FROM orders WHERE order_id = ?", [orderId])
      return { outcomes, events, shipTo: (JSON.parse(rows[0]!.data) as Order).shipTo }
    })
  )

/**
 * What the customer was told of SO-100001's correction before and right after `stationId`'s parcel leaves, and in the
 * end: after the wait, a replay of the station's `earlier` events and the handover on a hub started anew, and the
 * wait again.
 */
const aroundHandover = (hub: ReturnType<typeof hubOn>, stationId: string, earlier: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    yield* laterTick(hub, 0)
    const beforeHandover = yield* notices
    const leaves = parcelLeaves(stationId, "P-SO-100001-1")
    yield* applyAtHub(leaves)
    yield* laterTick(hub, 0)
    const atHandover = yield* notices
    yield* laterTick(hub, answerWaitMs)
    yield* replayAfterRestart(hub, [...earlier, ...leaves])
    yield* laterTick(hub, answerWaitMs)
    return { beforeHandover, atHandover, notices: yield* notices }
  })

/** Nothing before the handover, one mail at it, and nothing more. */
const toldOnceAtHandover = {
  beforeHandover: [],
  atHandover: ["address-correction-ignored SO-100001/correction-1: sent"],
  notices: ["address-correction-ignored SO-100001/correction-1: sent"]
}

/** The order a station's events are about. */
const orderIdOf = (station: { readonly events: ReadonlyArray<EventEnvelope> }) =>
  (station.events[0]!.payload as { order: Order }).order.orderId

/**
 * SO-100001 corrected at PACK-01 and PACK-02 (the customer's `locale`): `applier` applies the correction, the other
 * is silent; parcel P-SO-100001-1 is packed at `packer` and handed over at the other. Returns the applier's events
 * and the parcel's two.
 */
const packedHereHandedThere = (applier: string, packer: string, locale: "de" | "en") =>
  Effect.gen(function* () {
    yield* correctAtHub(["PACK-01", "PACK-02"], locale)
    const messages = yield* toStations
    const applied = yield* Effect.promise(() => atStation(applier, messages.get(applier)!))
    const [packed] = parcelLeaves(packer, "P-SO-100001-1")
    const [, handed] = parcelLeaves(packer === "PACK-01" ? "PACK-02" : "PACK-01", "P-SO-100001-1")
    return { applied: applied.events, packed: packed!, handed: handed! }
  })

/**
 * A second parcel of SO-100001, P-SO-100001-2, packed and handed over at PACK-02, which never answered the correction,
 * after `earlier` were applied; then a replay of all of it on a hub started anew, each event redelivered, and the wait.
 * Returns the correction mails the leaving sent, and the notices and correction mails in the end.
 */
const laterParcelLeavesUncorrected = (hub: ReturnType<typeof hubOn>, earlier: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    const before = correctionMails(hub.mails).length
    const leaves = parcelLeaves("PACK-02", "P-SO-100001-2")
    yield* applyAtHub(leaves)
    yield* laterTick(hub, 0)
    const atLeaving = correctionMails(hub.mails)
      .slice(before)
      .map((mail) => mail.text)
    yield* applyAtHub(leaves)
    yield* replayAfterRestart(hub, [...earlier, ...leaves])
    yield* laterTick(hub, answerWaitMs)
    return { atLeaving, notices: yield* notices, mails: correctionMails(hub.mails).map((mail) => mail.text) }
  })

/** The sender's claim of the mails it decided to send (hub/core/notify/NotificationSender.ts's `claimAll`). */
const CLAIM = "UPDATE hub_outbox SET status = 'sending'"
/** The projection's read of a correction's mails before it decides by them (CorrectionAnswers.ts's `lockedMails`). */
const MAIL_READ = "SELECT n.notification_id, n.parcel_id, o.status FROM hub_notifications n"

/**
 * SO-100001's handover mail, that the parcel left without the correction, waiting in the outbox (PACK-01 applied the
 * correction and packed the parcel PACK-02 handed over, `packedHereHandedThere`); then the sender's pass and the
 * consumer's transaction applying the packing side by side (PostgreSQL): `first`'s transaction pauses after its
 * statement (the sender's claim, or the projection's read of the mails) while the other starts, and either stands on a
 * row lock or runs through (`beside`); then both finish and the sender passes again. Returns `beside` and the notices.
 */
const interleaved = (hub: ReturnType<typeof hubOn>, first: "sender" | "projection") =>
  Effect.gen(function* () {
    const say = yield* packedHereHandedThere("PACK-01", "PACK-01", "en")
    yield* applyAtHub([say.handed, ...say.applied])
    const sql = yield* Sql
    const reached = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    const paused = pausedAfter(first === "sender" ? CLAIM : MAIL_READ, reached, release)
    const send = Effect.gen(function* () {
      yield* (yield* NotificationSender).sendDue
    })
    const pack = sql.transaction(
      Effect.gen(function* () {
        yield* (yield* HubProjection).applyStationEvent(say.packed)
      }),
      { partition: ["station:HAM1/PACK-01"] }
    )
    const held = yield* Effect.forkChild(
      first === "sender"
        ? send.pipe(Effect.provide(Layer.fresh(NotificationSender.layer).pipe(Layer.provide(paused))))
        : pack.pipe(Effect.provide(Layer.fresh(HubProjection.layer).pipe(Layer.provide(paused))))
    )
    yield* Deferred.await(reached).pipe(Effect.timeout("20 seconds"))
    const beside = yield* Effect.forkChild(first === "sender" ? pack : send)
    const besideRan = yield* Effect.raceFirst(
      Fiber.join(beside).pipe(Effect.as("ran through" as const)),
      waitsOnRowLock.pipe(Effect.map((waited) => (Option.isSome(waited) ? "waited" : "neither")))
    )
    yield* Deferred.succeed(release, undefined)
    yield* Fiber.join(held)
    yield* Fiber.join(beside)
    yield* laterTick(hub, 0)
    return { beside: besideRan, notices: yield* notices }
  })

/**
 * `hub` started anew on its database (`restarted`), as a hub process does: its sender returns the mails it had claimed
 * to the outbox, the consumer applies `events` again as a replay brings them (with ids of their own), then its timer
 * pass and its sender run. The restarted hub stops after that; the test goes on with `hub`.
 */
const replayAfterRestart = (hub: ReturnType<typeof hubOn>, events: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    const services = Effect.all({ sql: Sql, projection: HubProjection, sender: NotificationSender })
    const running = yield* services
    yield* Effect.gen(function* () {
      // Nothing of the running hub: a layer provided inside it would reuse what it built (the layers' memo map).
      const started = yield* services
      expect({
        sql: started.sql === running.sql,
        projection: started.projection === running.projection,
        sender: started.sender === running.sender
      }).toEqual({ sql: false, projection: false, sender: false })
      yield* (yield* NotificationSender).recoverInterrupted
      yield* applyAtHub(events.map((event) => ({ ...event, id: `${event.id}-replayed` })))
      yield* (yield* HubProjection).tick
      yield* (yield* NotificationSender).sendDue
    }).pipe(Effect.provide(hub.restarted))
  })

export const ignoredCorrectionSuite = (store: TestStore) =>
  describe(`a customer's correction a station did not apply, and where corrections go (${store.dialect})`, () => {
    it("tells the customer in German, once, that the shop had changed the address itself", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01"], "de")
          const messages = (yield* toStations).get("PACK-01")!
          const own: Address = { ...held, street1: "Hauptstraße 20" }
          // The source sets an address itself before the correction reaches the station.
          const sourceChanges = Effect.gen(function* () {
            yield* (yield* Inbox).receive(shopMessage("order.upsert", sourceOrder(4, { shipTo: own })))
          })
          const station = yield* Effect.promise(() => atStation("PACK-01", messages, sourceChanges))
          yield* applyAtHub(station.events)
          // The same word again (a resend the consumer would drop; a replay) and from a second station of the site.
          const word = station.events.find((event) => event.type === "inbound.update-ignored")!
          yield* applyAtHub([
            { ...word, id: `${word.id}-again` },
            { ...word, id: "ev-other", stationId: "PACK-02" }
          ])
          yield* (yield* NotificationSender).sendDue
          return { station, notices: yield* notices, hubShipTo: yield* hubShipTo }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.shipTo.street1).toBe("Hauptstraße 20")
      // The hub learnt the source's address from the station's order version: the ignored correction leaves it.
      expect(result.hubShipTo).toBe("Hauptstraße 20")
      expect(result.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(hub.mails).toHaveLength(1)
      const mail = hub.mails[0]!
      expect(mail.to).toBe("anna.schmidt@example.de")
      expect(mail.language).toBe("de")
      expect(mail.subject).toBe("Ihre Adresskorrektur für Bestellung SO-100001 konnten wir nicht übernehmen")
      expect(mail.text).toContain("Der Shop hatte die Lieferadresse Ihrer Bestellung SO-100001 bereits selbst geändert")
      expect(mail.text).toContain("Hauptstraße 14, 10115 Berlin")
      expect(mail.html).toContain("Hauptstraße 14, 10115 Berlin")
    })

    it("tells the customer in English that the parcel had already been handed to the carrier", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01"], "en")
          const messages = (yield* toStations).get("PACK-01")!
          // The parcel left (the shop released the hold itself, the bench packed and handed it over) before the
          // correction reached the station.
          const parcelLeaves = Effect.gen(function* () {
            yield* (yield* Sql).execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100001'")
          })
          const station = yield* Effect.promise(() => atStation("PACK-01", messages, parcelLeaves))
          yield* applyAtHub(station.events)
          const corrected = yield* hubShipTo
          yield* (yield* NotificationSender).sendDue
          return { station, notices: yield* notices, corrected, hubShipTo: yield* hubShipTo }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.status).toBe("shipped")
      // The hub's copy of the order goes back to the address the parcel travels to.
      expect(result.hubShipTo).toBe("Hauptstraße")
      expect(result.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(hub.mails.map((mail) => [mail.language, mail.subject])).toEqual([
        ["en", "We could not use your address correction for order SO-100001"]
      ])
      expect(hub.mails[0]!.text).toContain(
        "your order SO-100001 had already been handed to the carrier when your correction reached us"
      )
    })

    it("tells nothing of a correction that was applied, of an older one, of one it never made, or for a word it does not know", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01"], "de")
          const messages = (yield* toStations).get("PACK-01")!
          const station = yield* Effect.promise(() => atStation("PACK-01", messages))
          yield* applyAtHub(station.events)
          const word = (correction: number, cause: string) =>
            stationEvent("PACK-01", "inbound.update-ignored", {
              messageType: "order.hub-address-correction",
              orderId: "SO-100001",
              receivedVersion: correction,
              storedVersion: 3,
              reason: "…",
              cause
            })
          // Not newer than one taken; corrections the hub never made (one past any number a hold can have, as a broken
          // or hostile station may name); a word of a newer station; no word at all.
          yield* applyAtHub([
            word(1, "not-newer"),
            word(7, "source-changed"),
            word(2 ** 40, "source-changed"),
            stationEvent("PACK-01", "order.address-corrected", {
              orderId: "SO-100001",
              orderVersion: 3,
              shipTo: held,
              releasedHold: false,
              labelReprintRequired: true,
              correction: 2 ** 40
            }),
            word(1, "moon-phase")
          ])
          yield* applyAtHub([
            stationEvent("PACK-01", "inbound.update-ignored", {
              messageType: "order.hub-address-correction",
              orderId: "SO-100001",
              receivedVersion: 1,
              storedVersion: 3,
              reason: "an older station's words"
            })
          ])
          yield* (yield* NotificationSender).sendDue
          return { station, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.status).toBe("open")
      expect(result.station.shipTo).toEqual(corrected)
      expect(result.notices).toEqual([])
      expect(hub.mails).toEqual([])
    })

    it("tells the customer once when the source sets its own address after the station applied the correction", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01"], "en")
          // The hub sends the same correction to the station a second time (the station says it is not newer).
          yield* sendCorrectionTo(
            yield* Sql,
            { siteId: "HAM1", stationId: "PACK-01" },
            { orderId: "SO-100001", correction: 1, shipTo: corrected, previousShipTo: held },
            NOW
          )
          const messages = (yield* toStations).get("PACK-01")!
          // The station applies the correction, then the source's next version sets an address of its own.
          const station = yield* Effect.promise(() => atStation("PACK-01", messages, Effect.void, sourceSets(own)))
          yield* applyAtHub(station.events)
          yield* replayAfterRestart(hub, station.events)
          yield* (yield* NotificationSender).sendDue
          return { station, notices: yield* notices, hubShipTo: yield* hubShipTo }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.outcomes).toEqual(["applied", "applied"])
      expect(result.station.events.map((event) => (event.payload as { cause?: string }).cause)).toContain("not-newer")
      expect(result.station.shipTo).toEqual(own)
      expect(result.hubShipTo).toBe("Hauptstraße 20")
      expect(result.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(hub.mails.map((mail) => [mail.language, mail.subject])).toEqual([
        ["en", "We could not use your address correction for order SO-100001"]
      ])
      expect(hub.mails[0]!.text).toContain(
        "the shop changed the delivery address of your order SO-100001 itself after your correction"
      )
      expect(hub.mails[0]!.text).toContain("Hauptstraße 14, 10115 Berlin")
    })

    it("tells the customer that a parcel packed for the old address stays until it has a label for the new one", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01"], "de")
          const messages = (yield* toStations).get("PACK-01")!
          // The order was packed (its parcel labelled for the address before) when the correction arrived.
          const packed = Effect.gen(function* () {
            yield* (yield* Sql).execute("UPDATE orders SET status = 'packed' WHERE order_id = 'SO-100001'")
          })
          const station = yield* Effect.promise(() => atStation("PACK-01", messages, packed))
          yield* applyAtHub(station.events)
          yield* replayAfterRestart(hub, station.events)
          yield* (yield* NotificationSender).sendDue
          return { station, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.shipTo).toEqual(corrected)
      const applied = result.station.events.find((event) => event.type === "order.address-corrected")!
      expect(applied.payload).toMatchObject({ correction: 1, labelReprintRequired: true })
      expect(result.notices).toEqual(["address-correction-relabel SO-100001/correction-1: sent"])
      expect(hub.mails).toHaveLength(1)
      const mail = hub.mails[0]!
      expect(mail.language).toBe("de")
      expect(mail.subject).toBe("Ihre neue Adresse für Bestellung SO-100001 ist angekommen")
      expect(mail.text).toContain("bereits für die bisherige Adresse gepackt war. Wir haben das Paket angehalten")
      expect(mail.text).toContain("erst mit einem neuen Etikett für Ihre neue Adresse")
      expect(mail.text).toContain("Hauptstraße 14, 10115 Berlin")
    })

    it("tells the customer of a shop connector's order too that the packed parcel waits for a label with the new address", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const order = yield* connectorOrderCorrected
          const messages = yield* shopStream
          // The station packed the order before the correction came.
          const station = yield* Effect.promise(() =>
            connectorStation(order.orderId, [
              messages[0]!,
              (sql) => sql.execute("UPDATE orders SET status = 'packed' WHERE order_id = ?", [order.orderId]),
              messages[1]!
            ])
          )
          yield* applyAtHub(station.events)
          yield* replayAfterRestart(hub, station.events)
          yield* (yield* NotificationSender).sendDue
          return { station, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.outcomes).toEqual(["applied", "applied"])
      const applied = result.station.events.find((event) => event.type === "order.address-corrected")!
      expect(applied.payload).toMatchObject({ orderVersion: 2, labelReprintRequired: true })
      expect(result.notices).toEqual([`address-correction-relabel ${orderIdOf(result.station)}/correction-1: sent`])
      expect(hub.mails.map((mail) => [mail.to, mail.language, mail.subject])).toEqual([
        ["mia@example.com", "de", `Ihre neue Adresse für Bestellung ${orderIdOf(result.station)} ist angekommen`]
      ])
      expect(hub.mails[0]!.text).toContain("Hafenstraße 11, 20457 Hamburg")
    })

    it("tells the customer of a shop connector's order once when the shop sets an address of its own after the station applied the correction", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const order = yield* connectorOrderCorrected
          const sql = yield* Sql
          const change = (street1: string, updatedAtMs: number) =>
            ingestShopOrder(
              sql,
              testSettings,
              { rules: [], defaultSite: "HAM1" },
              draftOrder({
                updatedAtMs,
                placedAt: new Date(NOW - 3_600_000).toISOString(),
                shipTo: { ...draftOrder().shipTo, street1 }
              }),
              { text: "{}", sha256: "1".repeat(64) },
              NOW,
              "read"
            )
          // The station applies the customer's correction; the shop still has the old address (its push waits), then
          // sets one of its own.
          const first = (yield* shopStream).slice(0, 2)
          const applied = yield* Effect.promise(() => connectorStation(order.orderId, first))
          yield* applyAtHub(applied.events)
          yield* (yield* NotificationSender).sendDue
          const whileApplied = yield* notices
          expect(yield* change("Hafenstraße 1", NOW - 30_000)).toBe("unchanged")
          expect(yield* change("Hafenstraße 30", NOW)).toBe("address-corrected")
          const all = yield* shopStream
          const station = yield* Effect.promise(() => connectorStation(order.orderId, all))
          yield* applyAtHub(station.events.slice(applied.events.length))
          yield* replayAfterRestart(hub, station.events)
          yield* laterTick(hub, answerWaitMs)
          return { order, station, whileApplied, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.station.outcomes).toEqual(["applied", "applied", "applied"])
      expect(result.station.shipTo.street1).toBe("Hafenstraße 30")
      expect(result.whileApplied).toEqual([])
      expect(result.notices).toEqual([`address-correction-ignored ${result.order.orderId}/correction-1: sent`])
      const told = correctionMails(hub.mails)
      expect(told.map((mail) => [mail.to, mail.language])).toEqual([["mia@example.com", "de"]])
      expect(told[0]!.text).toContain(
        `Der Shop hat die Lieferadresse Ihrer Bestellung ${result.order.orderId} nach Ihrer Korrektur selbst geändert`
      )
      expect(told[0]!.text).toContain("Hafenstraße 11, 20457 Hamburg")
    })

    it("tells nothing when the shop echoes the pushed address in its own form, and tells once when it then changes the house number", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const order = yield* connectorOrderCorrected
          const sql = yield* Sql
          const shopSends = (shipTo: ShopOrderDraft["shipTo"], updatedAtMs: number) =>
            ingestShopOrder(
              sql,
              testSettings,
              { rules: [], defaultSite: "HAM1" },
              draftOrder({ updatedAtMs, placedAt: new Date(NOW - 3_600_000).toISOString(), shipTo }),
              { text: "{}", sha256: "2".repeat(64) },
              NOW,
              "read"
            )
          // The shop took the hub's push of the customer's address (Mia Berg, Hafenstraße 11, 20457 Hamburg, DE) and
          // sends it back in its own form: capitals, doubled spaces, the postal code spaced, empty fields, its province.
          const echo = {
            name: "  MIA   BERG ",
            company: "",
            street1: "HAFENSTRASSE  11",
            street2: "",
            postalCode: "204 57",
            city: "hamburg",
            region: "HH",
            country: "de"
          }
          const first = (yield* shopStream).slice(0, 2)
          const applied = yield* Effect.promise(() => connectorStation(order.orderId, first))
          yield* applyAtHub(applied.events)
          // Before the push, a change of the order at the shop still carries the address the customer corrected, in
          // the shop's form: the customer's correction holds, and the stations hear nothing.
          const before = { ...echo, street1: "HAFENSTRASSE 1" }
          expect(yield* shopSends(before, NOW - 45_000)).toBe("unchanged")
          // The echo of the pushed address is no change of the shop's: nothing goes to the stations either.
          expect(yield* shopSends(echo, NOW - 30_000)).toBe("unchanged")
          expect(yield* shopStream).toHaveLength(first.length)
          const withEcho = yield* shopStream
          const echoed = yield* Effect.promise(() => connectorStation(order.orderId, withEcho))
          yield* applyAtHub(echoed.events.slice(applied.events.length))
          yield* laterTick(hub, answerWaitMs)
          const afterEcho = {
            notices: yield* notices,
            answers: yield* sql.query<{ outcome: string }>(
              "SELECT outcome FROM hub_correction_answers WHERE order_id = ?",
              [order.orderId]
            )
          }
          // Then the shop changes the house number itself: that is the shop's own address.
          expect(yield* shopSends({ ...echo, street1: "HAFENSTRASSE 13" }, NOW)).toBe("address-corrected")
          const withChange = yield* shopStream
          const station = yield* Effect.promise(() => connectorStation(order.orderId, withChange))
          yield* applyAtHub(station.events.slice(echoed.events.length))
          yield* laterTick(hub, answerWaitMs)
          return { order, afterEcho, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.afterEcho).toEqual({ notices: [], answers: [{ outcome: "applied" }] })
      expect(result.notices).toEqual([`address-correction-ignored ${result.order.orderId}/correction-1: sent`])
      const told = correctionMails(hub.mails)
      expect(told.map((mail) => [mail.to, mail.language])).toEqual([["mia@example.com", "de"]])
      expect(told[0]!.text).toContain(
        `Der Shop hat die Lieferadresse Ihrer Bestellung ${result.order.orderId} nach Ihrer Korrektur selbst geändert`
      )
    })

    it("decides one mail per correction from every station's word: none while another station applied it, one when no station keeps it", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "de")
          const messages = yield* toStations
          // PACK-01 had the source's own address before the correction came; PACK-02 applies it, and the source's
          // version reaches it only later.
          const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!, sourceSets(own)))
          const pack02 = yield* Effect.promise(() =>
            atStation("PACK-02", messages.get("PACK-02")!, Effect.void, sourceSets(own))
          )
          const applied = pack02.events.findIndex((event) => event.type === "order.address-corrected")
          const pack02Applied = pack02.events.slice(0, applied + 1)
          const pack02Later = pack02.events.slice(applied + 1)
          // PACK-01's word comes while PACK-02's is still on its way, then PACK-02's: the correction holds there.
          yield* applyAtHub(pack01.events)
          yield* applyAtHub(pack02Applied)
          yield* replayAfterRestart(hub, [...pack01.events, ...pack02Applied])
          yield* (yield* NotificationSender).sendDue
          const whileApplied = yield* notices
          // The source's own address reaches PACK-02: no station keeps the correction now.
          yield* applyAtHub(pack02Later)
          yield* replayAfterRestart(hub, [...pack01.events, ...pack02.events])
          yield* (yield* NotificationSender).sendDue
          return { pack01, pack02, whileApplied, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.pack01.events.map((event) => event.type)).toContain("inbound.update-ignored")
      expect(result.pack02.events.map((event) => event.type)).toContain("order.address-corrected")
      expect(result.whileApplied).toEqual([])
      expect(result.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(hub.mails).toHaveLength(1)
      expect(hub.mails[0]!.text).toContain(
        "Der Shop hatte die Lieferadresse Ihrer Bestellung SO-100001 bereits selbst geändert"
      )
    })

    it("sends the correction to every station that has the order, and to one that gets it later, which packs the corrected address", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          // Every station of the site has the order (the site's inbox); PACK-01 held it, PACK-02 did not.
          yield* correctAtHub(["PACK-01", "PACK-02"], "de")
          const atCorrection = yield* toStations
          // PACK-03 hears of the order only after the correction (the shop sent it there later); the consumer applies
          // it in a batch, as it does most orders.
          const sql = yield* Sql
          const projection = yield* HubProjection
          yield* sql.transaction(projection.applyStationEvents([received("PACK-03")]), { batchWrites: true })
          const afterwards = yield* toStations
          const pack02 = yield* Effect.promise(() => atStation("PACK-02", afterwards.get("PACK-02")!))
          const pack03 = yield* Effect.promise(() => atStation("PACK-03", afterwards.get("PACK-03")!))
          // PACK-03 tells the hub of the order again (a newer version, a resend): nothing is sent twice.
          yield* applyAtHub([received("PACK-03")])
          const last = yield* toStations
          return { atCorrection, afterwards, last, pack02, pack03 }
        }).pipe(Effect.provide(hub.layer))
      )
      expect([...result.atCorrection.keys()]).toEqual(["PACK-01", "PACK-02"])
      expect([...result.afterwards.keys()]).toEqual(["PACK-01", "PACK-02", "PACK-03"])
      expect([...result.last.values()].map((messages) => messages.length)).toEqual([1, 1, 1])
      for (const station of [result.pack02, result.pack03]) {
        expect(station.outcomes).toEqual(["applied"])
        expect(station.status).toBe("open")
        expect(station.shipTo).toEqual(corrected)
      }
    })

    it("tells the customer once the wait is over when a station never answers, once across restarts, and nothing after a late answer that it was applied", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "en")
          const messages = yield* toStations
          // PACK-01 had the source's own address before the correction came; PACK-02 (switched off, or a build that
          // drops the hub's correction) never answers.
          const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!, sourceSets(own)))
          yield* applyAtHub(pack01.events)
          yield* laterTick(hub, 0)
          const atOnce = yield* notices
          yield* laterTick(hub, answerWaitMs - 60_000)
          const beforeWaitEnds = yield* notices
          yield* laterTick(hub, 60_000)
          const whenWaitEnds = yield* notices
          // Another pass, a hub started anew on the store with a replay and its own timer pass: nothing more.
          yield* laterTick(hub, 60_000)
          yield* replayAfterRestart(hub, pack01.events)
          yield* laterTick(hub, answerWaitMs)
          // PACK-02 comes back and applies the correction to a parcel it had packed: no mail contradicts the first.
          yield* applyAtHub([
            stationEvent("PACK-02", "order.address-corrected", {
              orderId: "SO-100001",
              orderVersion: 3,
              shipTo: corrected,
              releasedHold: true,
              labelReprintRequired: true,
              correction: 1
            })
          ])
          yield* laterTick(hub, 60_000)
          return { atOnce, beforeWaitEnds, whenWaitEnds, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.atOnce).toEqual([])
      expect(result.beforeWaitEnds).toEqual([])
      expect(result.whenWaitEnds).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(result.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(hub.mails.map((mail) => [mail.language, mail.subject])).toEqual([
        ["en", "We could not use your address correction for order SO-100001"]
      ])
      expect(hub.mails[0]!.text).toContain(
        "the shop had already changed the delivery address of your order SO-100001 itself before your correction reached us"
      )
    })

    it("tells the customer once that the parcel left without the correction when a station that did not apply it hands it over, never that it goes to the shop's address", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "en")
          const messages = yield* toStations
          // PACK-01 applies the correction, then the source's next version sets an address of its own there.
          const pack01 = yield* Effect.promise(() =>
            atStation("PACK-01", messages.get("PACK-01")!, Effect.void, sourceSets(own))
          )
          yield* applyAtHub(pack01.events)
          // PACK-02 (a newer build) did not apply it for a reason this hub does not know, and its parcel of the order
          // leaves; the hub hears of the handover only after the shop's address overrode the correction at PACK-01.
          yield* applyAtHub([
            stationEvent("PACK-02", "inbound.update-ignored", {
              messageType: "order.hub-address-correction",
              orderId: "SO-100001",
              receivedVersion: 1,
              storedVersion: 3,
              reason: "…",
              cause: "label-printed"
            })
          ])
          return yield* aroundHandover(hub, "PACK-02", pack01.events)
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result).toEqual(toldOnceAtHandover)
      const told = correctionMails(hub.mails)
      expect(told.map((mail) => [mail.language, mail.subject])).toEqual([
        ["en", "We could not use your address correction for order SO-100001"]
      ])
      expect(told[0]!.text).toContain(
        "your parcel of order SO-100001 was handed to the carrier without your correction and is on its way to the address it was labelled for"
      )
      expect(told[0]!.text).toContain("Hauptstraße 14, 10115 Berlin")
      expect(hub.mails.map((mail) => mail.text).join("\n")).not.toContain(
        "your parcel goes to the address the shop set"
      )
    })

    it("tells the waiting mail's customer that the parcel left without the correction when a silent station's parcel leaves before it went", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "de")
          const messages = yield* toStations
          const pack01 = yield* Effect.promise(() =>
            atStation("PACK-01", messages.get("PACK-01")!, Effect.void, sourceSets(own))
          )
          yield* applyAtHub(pack01.events)
          // PACK-02 stays silent; the wait ends and the timer pass decides (the sender has not run yet).
          hub.clock.advance(answerWaitMs)
          yield* (yield* HubProjection).tick
          const decided = yield* notices
          // PACK-02's parcel of the order leaves before the sender's next pass, and PACK-02 applies the correction
          // after all (too late for that parcel).
          yield* applyAtHub(parcelLeaves("PACK-02", "P-SO-100001-1"))
          yield* applyAtHub([
            stationEvent("PACK-02", "order.address-corrected", {
              orderId: "SO-100001",
              orderVersion: 3,
              shipTo: corrected,
              releasedHold: true,
              labelReprintRequired: false,
              correction: 1
            })
          ])
          yield* (yield* NotificationSender).sendDue
          return { decided, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.decided).toEqual(["address-correction-ignored SO-100001/correction-1: pending"])
      expect(result.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      const told = correctionMails(hub.mails)
      expect(told).toHaveLength(1)
      expect(told[0]!.language).toBe("de")
      expect(told[0]!.text).toContain(
        "Ihr Paket zur Bestellung SO-100001 wurde ohne Ihre Korrektur an den Versanddienst übergeben und ist an die Adresse unterwegs, für die es beschriftet wurde"
      )
      expect(told[0]!.text).not.toContain("die der Shop eingetragen hat")
    })

    it("tells at once, whatever a silent station does, that the parcel goes to the shop's address when the station that said it follows that address hands it over", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "de")
          const messages = yield* toStations
          // PACK-01 had the source's own address before the correction came, then packs and hands over the parcel;
          // PACK-02 is silent.
          const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!, sourceSets(own)))
          yield* applyAtHub(pack01.events)
          return yield* aroundHandover(hub, "PACK-01", pack01.events)
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result).toEqual(toldOnceAtHandover)
      const told = correctionMails(hub.mails)
      expect(told).toHaveLength(1)
      expect(told[0]!.text).toContain(
        "Der Shop hatte die Lieferadresse Ihrer Bestellung SO-100001 bereits selbst geändert"
      )
    })

    it("tells nothing when the parcel leaves from the station that applied the correction, nor, after the wait, while a parcel recorded without its station has left", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "en")
          const messages = yield* toStations
          // PACK-01 applies the correction and its parcel leaves with the customer's address.
          const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!))
          yield* applyAtHub([...pack01.events, ...parcelLeaves("PACK-01", "P-SO-100001-1")])
          yield* laterTick(hub, answerWaitMs)
          const applied = yield* notices
          return { applied }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.applied).toEqual([])
      // A hub that recorded a parcel's handover before it kept the parcel's station (hub migration 77): PACK-01
      // follows the shop's address, PACK-02 is silent, and which address the parcel carries is not known.
      const old = hubOn(store)
      const before = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "en")
          const messages = yield* toStations
          const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!, sourceSets(own)))
          yield* applyAtHub(pack01.events)
          yield* (yield* Sql).execute(
            `INSERT INTO hub_parcels (parcel_id, order_id, carrier, tracking_number, tracking_token, handed_at_ms,
               updated_at_ms) VALUES ('P-OLD', 'SO-100001', 'dhl-paket', '00340434161094042557', 't-old', ?, ?)`,
            [NOW, NOW]
          )
          yield* laterTick(old, answerWaitMs)
          yield* laterTick(old, answerWaitMs)
          return yield* notices
        }).pipe(Effect.provide(old.layer))
      )
      expect(before).toEqual([])
      expect(correctionMails(old.mails)).toEqual([])
    })

    it("tells the customer once more, that the parcel left without the correction, when it leaves after the mail that it goes to the shop's address went", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "de")
          const messages = yield* toStations
          // PACK-01 had the source's own address before the correction came; PACK-02 is silent. The wait ends: the
          // customer is told that the parcel goes to the shop's address.
          const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!, sourceSets(own)))
          yield* applyAtHub(pack01.events)
          yield* laterTick(hub, answerWaitMs)
          const toldShopAddress = yield* notices
          // Then PACK-02's parcel, packed without the correction, leaves; a replay and later passes say nothing more.
          const leaves = parcelLeaves("PACK-02", "P-SO-100001-1")
          yield* applyAtHub(leaves)
          yield* laterTick(hub, 0)
          yield* replayAfterRestart(hub, [...pack01.events, ...leaves])
          yield* laterTick(hub, answerWaitMs)
          return { toldShopAddress, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.toldShopAddress).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(result.notices).toEqual([
        "address-correction-ignored SO-100001/correction-1: sent",
        "address-correction-parcel-left SO-100001/correction-1: sent"
      ])
      const told = correctionMails(hub.mails)
      expect(told.map((mail) => [mail.language, mail.subject])).toEqual([
        ["de", "Ihre Adresskorrektur für Bestellung SO-100001 konnten wir nicht übernehmen"],
        ["de", "Neuigkeiten zu Ihrer Adresskorrektur für Bestellung SO-100001"]
      ])
      expect(told[0]!.text).toContain("die der Shop eingetragen hat")
      expect(told[1]!.text).toContain(
        "Ein Paket Ihrer Bestellung wurde nun ohne Ihre Korrektur an den Versanddienst übergeben und ist an die Adresse unterwegs, für die es beschriftet wurde"
      )
      expect(told[1]!.text).toContain("Hauptstraße 14, 10115 Berlin")
    })

    it("names the parcel by its tracking number in the correction's own mail when the hub knows another parcel of the order by then, in German and English; 'your parcel' when it knows none", async () => {
      // PACK-01 applies the correction; PACK-02, silent, hands over P-SO-100001-2, packed without it. Before the
      // sender's pass the hub may hear of PACK-01's packing of the order's other parcel, P-SO-100001-1.
      const toldOf = (locale: "de" | "en", otherParcel: boolean) => {
        const hub = hubOn(store)
        return Effect.runPromise(
          Effect.gen(function* () {
            yield* correctAtHub(["PACK-01", "PACK-02"], locale)
            const messages = yield* toStations
            const pack01 = yield* Effect.promise(() => atStation("PACK-01", messages.get("PACK-01")!))
            yield* applyAtHub([...pack01.events, ...parcelLeaves("PACK-02", "P-SO-100001-2", "00340434161094042558")])
            if (otherParcel) yield* applyAtHub(parcelLeaves("PACK-01", "P-SO-100001-1").slice(0, 1))
            yield* laterTick(hub, 0)
            return { notices: yield* notices, mails: correctionMails(hub.mails).map((mail) => mail.text) }
          }).pipe(Effect.provide(hub.layer))
        )
      }
      // Each case: what the one mail says, and what it must not say.
      const cases = [
        [
          "en",
          true,
          "a parcel of your order SO-100001 (tracking number 00340434161094042558) was handed to the carrier without your correction",
          "your parcel"
        ],
        [
          "de",
          true,
          "Ein Paket Ihrer Bestellung SO-100001 (Sendungsnummer 00340434161094042558) wurde ohne Ihre Korrektur an den Versanddienst übergeben",
          "Ihr Paket"
        ],
        [
          "en",
          false,
          "your parcel of order SO-100001 was handed to the carrier without your correction",
          "00340434161094042558"
        ],
        ["de", false, "Ihr Paket zur Bestellung SO-100001 wurde ohne Ihre Korrektur", "00340434161094042558"]
      ] as const
      for (const [locale, otherParcel, says, saysNot] of cases) {
        const told = await toldOf(locale, otherParcel)
        expect(told.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
        expect(told.mails).toHaveLength(1)
        expect(told.mails[0]).toContain(says)
        expect(told.mails[0]).not.toContain(saysNot)
      }
    })

    it("decides a parcel another station handed over by the packing station's answer when its packing is heard later: tells that it left without the correction", async () => {
      // PACK-02 applies the correction and hands over the parcel PACK-01, silent, packed before the correction reached it.
      const stationsSay = packedHereHandedThere("PACK-02", "PACK-01", "en")
      const told = (hub: ReturnType<typeof hubOn>) =>
        Effect.gen(function* () {
          yield* laterTick(hub, 0)
          return { notices: yield* notices, mails: correctionMails(hub.mails).map((mail) => mail.text) }
        })
      const oneByOneHub = hubOn(store)
      const oneByOne = await Effect.runPromise(
        Effect.gen(function* () {
          const say = yield* stationsSay
          yield* applyAtHub([...say.applied, say.handed])
          const atHandover = yield* told(oneByOneHub)
          yield* applyAtHub([say.packed])
          const atPacking = yield* told(oneByOneHub)
          yield* replayAfterRestart(oneByOneHub, [...say.applied, say.handed, say.packed])
          yield* laterTick(oneByOneHub, answerWaitMs)
          return { atHandover, atPacking, end: yield* told(oneByOneHub) }
        }).pipe(Effect.provide(oneByOneHub.layer))
      )
      expect(oneByOne.atHandover).toEqual({ notices: [], mails: [] })
      expect(oneByOne.atPacking.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(oneByOne.atPacking.mails).toHaveLength(1)
      expect(oneByOne.atPacking.mails[0]).toContain(
        "your parcel of order SO-100001 was handed to the carrier without your correction"
      )
      expect(oneByOne.end).toEqual(oneByOne.atPacking)
      // The consumer applies the packing in a batch of the station's events: the same.
      const batchHub = hubOn(store)
      const batch = await Effect.runPromise(
        Effect.gen(function* () {
          const say = yield* stationsSay
          yield* applyAtHub([...say.applied, say.handed])
          const projection = yield* HubProjection
          yield* (yield* Sql).transaction(projection.applyStationEvents([say.packed]), { batchWrites: true })
          return yield* told(batchHub)
        }).pipe(Effect.provide(batchHub.layer))
      )
      expect(batch.notices).toEqual(oneByOne.atPacking.notices)
      expect(batch.mails).toHaveLength(1)
      expect(batch.mails[0]).toContain(
        "your parcel of order SO-100001 was handed to the carrier without your correction"
      )
    })

    it("takes back what a handover told when the packing station heard later had applied the correction: a mail still to go does not, one that went is corrected once", async () => {
      // PACK-01 applies the correction and packs the parcel; PACK-02, silent, hands it over before the hub hears of
      // the packing.
      const stationsSay = packedHereHandedThere("PACK-01", "PACK-01", "de")
      // The mail that the parcel left without the correction went before the packing is heard.
      const wentHub = hubOn(store)
      const went = await Effect.runPromise(
        Effect.gen(function* () {
          const say = yield* stationsSay
          yield* applyAtHub([say.handed])
          yield* laterTick(wentHub, 60_000)
          const atHandover = yield* notices
          yield* applyAtHub([...say.applied, say.packed])
          yield* laterTick(wentHub, 0)
          yield* replayAfterRestart(wentHub, [say.handed, ...say.applied, say.packed])
          yield* laterTick(wentHub, answerWaitMs)
          return { atHandover, notices: yield* notices }
        }).pipe(Effect.provide(wentHub.layer))
      )
      expect(went.atHandover).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(went.notices).toEqual([
        "address-correction-ignored SO-100001/correction-1: sent",
        "address-correction-applied SO-100001/correction-1: sent"
      ])
      const told = correctionMails(wentHub.mails)
      expect(told.map((mail) => mail.subject)).toEqual([
        "Ihre Adresskorrektur für Bestellung SO-100001 konnten wir nicht übernehmen",
        "Korrektur: Ihre Adresskorrektur für Bestellung SO-100001 wurde doch übernommen"
      ])
      expect(told[1]!.text).toContain(
        "Das war falsch: Das Paket wurde für Ihre neue Adresse beschriftet und ist dorthin unterwegs"
      )
      expect(told[1]!.text).toContain("Hauptstraße 14, 10115 Berlin")
      // The packing is heard before the sender's next pass: the mail does not go, and nothing else does.
      const pendingHub = hubOn(store)
      const pending = await Effect.runPromise(
        Effect.gen(function* () {
          const say = yield* stationsSay
          yield* applyAtHub([say.handed])
          const decided = yield* notices
          yield* applyAtHub([...say.applied, say.packed])
          yield* laterTick(pendingHub, answerWaitMs)
          return { decided, notices: yield* notices }
        }).pipe(Effect.provide(pendingHub.layer))
      )
      expect(pending).toEqual({
        decided: ["address-correction-ignored SO-100001/correction-1: pending"],
        notices: ["address-correction-ignored SO-100001/correction-1: suppressed"]
      })
      expect(correctionMails(pendingHub.mails)).toEqual([])
    })

    it("tells the customer of a later parcel that left without the correction after the first one's mail did not go (its packing station had applied it)", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const say = yield* packedHereHandedThere("PACK-01", "PACK-01", "en")
          yield* applyAtHub([say.handed, ...say.applied, say.packed])
          return yield* laterParcelLeavesUncorrected(hub, [say.handed, ...say.applied, say.packed])
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.notices).toEqual([
        "address-correction-ignored SO-100001/correction-1: suppressed",
        "address-correction-ignored SO-100001/parcel/P-SO-100001-2/correction-1: sent"
      ])
      expect(result.mails).toEqual([result.atLeaving[0]])
      expect(result.mails[0]).toContain(
        "a parcel of your order SO-100001 (tracking number 00340434161094042557) was handed to the carrier without your correction"
      )
    })

    it("tells the customer of a later parcel that left without the correction after the mail that said the first one's mail was wrong", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const say = yield* packedHereHandedThere("PACK-01", "PACK-01", "de")
          yield* applyAtHub([say.handed])
          yield* laterTick(hub, 60_000)
          yield* applyAtHub([...say.applied, say.packed])
          yield* laterTick(hub, 0)
          return yield* laterParcelLeavesUncorrected(hub, [say.handed, ...say.applied, say.packed])
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result.notices).toEqual([
        "address-correction-ignored SO-100001/correction-1: sent",
        "address-correction-applied SO-100001/correction-1: sent",
        "address-correction-ignored SO-100001/parcel/P-SO-100001-2/correction-1: sent"
      ])
      expect(result.mails).toHaveLength(3)
      expect(result.atLeaving).toEqual([result.mails[2]])
      expect(result.mails[2]).toContain(
        "Ein Paket Ihrer Bestellung SO-100001 (Sendungsnummer 00340434161094042557) wurde ohne Ihre Korrektur"
      )
      expect(result.mails[1]).toContain("Das war falsch: Das Paket wurde für Ihre neue Adresse beschriftet")
      expect(result.mails[2]).toContain("Hauptstraße 14, 10115 Berlin")
    })

    it("takes back a later parcel's own mail when its packing heard after the handover had applied the correction, while another parcel left without it", async () => {
      // P-SO-100001-2 leaves from PACK-02, silent: the correction's mail tells of it. Then PACK-02 hands over
      // P-SO-100001-1, which PACK-01 packed with the correction applied, before the hub hears of that packing.
      const laterPackingHeard = (hub: ReturnType<typeof hubOn>, mailGoesFirst: boolean) =>
        Effect.gen(function* () {
          const say = yield* packedHereHandedThere("PACK-01", "PACK-01", "en")
          yield* applyAtHub([...say.applied, ...parcelLeaves("PACK-02", "P-SO-100001-2")])
          yield* laterTick(hub, 0)
          yield* applyAtHub([say.handed])
          if (mailGoesFirst) yield* laterTick(hub, 0)
          yield* applyAtHub([say.packed])
          yield* laterTick(hub, 0)
          yield* replayAfterRestart(hub, [say.handed, say.packed])
          yield* laterTick(hub, answerWaitMs)
          return { notices: yield* notices, mails: correctionMails(hub.mails).map((mail) => mail.text) }
        }).pipe(Effect.provide(hub.layer))
      const pending = await Effect.runPromise(laterPackingHeard(hubOn(store), false))
      expect(pending.notices).toEqual([
        "address-correction-ignored SO-100001/correction-1: sent",
        "address-correction-ignored SO-100001/parcel/P-SO-100001-1/correction-1: suppressed"
      ])
      expect(pending.mails).toHaveLength(1)
      const went = await Effect.runPromise(laterPackingHeard(hubOn(store), true))
      // Recorded at one instant of the test's clock: in any order.
      expect([...went.notices].sort()).toEqual([
        "address-correction-applied SO-100001/parcel/P-SO-100001-1/correction-1: sent",
        "address-correction-ignored SO-100001/correction-1: sent",
        "address-correction-ignored SO-100001/parcel/P-SO-100001-1/correction-1: sent"
      ])
      expect(went.mails).toHaveLength(3)
      expect(went.mails[2]).toContain(
        "we wrote to you that a parcel of your order SO-100001 (tracking number 00340434161094042557) did not get your correction. That was wrong"
      )
    })

    it("tells a parcel that left before the hub named a mail's parcel in the correction's mail only, when its handover comes again after the upgrade", async () => {
      const hub = hubOn(store)
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "en")
          const leaves = parcelLeaves("PACK-02", "P-SO-100001-1")
          yield* applyAtHub(leaves)
          yield* laterTick(hub, 0)
          // As a hub before 84 kept it: nothing on the parcel of what its leaving told, no parcel on the mail.
          const sql = yield* Sql
          yield* sql.execute("UPDATE hub_parcels SET left_correction = NULL, left_cause = NULL")
          yield* sql.execute("UPDATE hub_notifications SET parcel_id = NULL")
          // Hub migration 85 as the upgrade runs it.
          for (const statement of hubMigrations.find((migration) => migration.id === 85)!.statements) {
            const text = statementFor(statement, sql.dialect)
            if (text !== null) yield* sql.execute(text)
          }
          yield* replayAfterRestart(hub, leaves)
          yield* laterTick(hub, answerWaitMs)
          return yield* notices
        }).pipe(Effect.provide(hub.layer))
      )
      expect(result).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(correctionMails(hub.mails)).toHaveLength(1)
    })

    // Only PostgreSQL runs the sender's transaction beside the projection's; SQLite runs every one alone.
    it.runIf(store.dialect === "postgres")(
      "tells the customer that the mail claimed for sending while the packing is decided was wrong, and takes back one not claimed yet",
      async () => {
        // The sender claims the handover's mail before the packing is decided: the mail goes, and is corrected once.
        const hub = hubOn(store)
        const result = await Effect.runPromise(interleaved(hub, "sender").pipe(Effect.provide(hub.layer)))
        expect(result).toEqual({
          beside: "waited",
          // Both recorded at the test's one time: listed by kind.
          notices: [
            "address-correction-applied SO-100001/correction-1: sent",
            "address-correction-ignored SO-100001/correction-1: sent"
          ]
        })
        expect(correctionMails(hub.mails).map((mail) => mail.subject)).toEqual([
          "We could not use your address correction for order SO-100001",
          "Correction: your address correction for order SO-100001 was used after all"
        ])
        // The other way round: the packing's transaction reads the mail first, and the sender's pass leaves the row
        // it holds without waiting for it; its next pass finds the mail suppressed.
        const firstHub = hubOn(store)
        const first = await Effect.runPromise(interleaved(firstHub, "projection").pipe(Effect.provide(firstHub.layer)))
        expect(first).toEqual({
          beside: "ran through",
          notices: ["address-correction-ignored SO-100001/correction-1: suppressed"]
        })
        expect(correctionMails(firstHub.mails)).toEqual([])
      }
    )

    it("overrides the correction at a station by the source's address while another station's parcel left with the customer's, and tells nothing", async () => {
      const hub = hubOn(store)
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* correctAtHub(["PACK-01", "PACK-02"], "en")
          const messages = yield* toStations
          // Both apply the correction; PACK-02's parcel leaves with it, then the source sets its own address at both.
          const pack01 = yield* Effect.promise(() =>
            atStation("PACK-01", messages.get("PACK-01")!, Effect.void, sourceSets(own))
          )
          const pack02 = yield* Effect.promise(() =>
            atStation("PACK-02", messages.get("PACK-02")!, Effect.void, sourceSets(own))
          )
          const applied = pack02.events.findIndex((event) => event.type === "order.address-corrected")
          yield* applyAtHub([
            ...pack02.events.slice(0, applied + 1),
            ...parcelLeaves("PACK-02", "P-SO-100001-1"),
            ...pack02.events.slice(applied + 1),
            ...pack01.events
          ])
          yield* laterTick(hub, answerWaitMs)
          const answers = yield* (yield* Sql).query<{ station_id: string; outcome: string }>(
            "SELECT station_id, outcome FROM hub_correction_answers WHERE order_id = 'SO-100001' ORDER BY station_id"
          )
          return { answers, notices: yield* notices }
        }).pipe(Effect.provide(hub.layer))
      )
      // PACK-02's parcel carries the customer's address, which the source's change does not reach; PACK-01 follows
      // the source's address now.
      expect(result.answers).toEqual([
        { station_id: "PACK-01", outcome: "overridden" },
        { station_id: "PACK-02", outcome: "applied" }
      ])
      expect(result.notices).toEqual([])
      expect(correctionMails(hub.mails)).toEqual([])
    })

    it("records every station's answer and tells the customer the same when the consumer applies them in one batch among other events", async () => {
      const own: Address = { ...held, street1: "Hauptstraße 20" }
      const other = orders.find((candidate) => candidate.orderId !== base.orderId)!
      /** The stations' events, as they reach the hub: answers to the correction among other orders' events. */
      const stationsSay = Effect.gen(function* () {
        yield* correctAtHub(["PACK-01", "PACK-02", "PACK-03"], "de")
        const messages = yield* toStations
        // PACK-01 applies the correction and then takes the source's own address; PACK-02 had the source's address
        // before it came; PACK-03 is silent and hands its parcel over.
        const pack01 = yield* Effect.promise(() =>
          atStation("PACK-01", messages.get("PACK-01")!, Effect.void, sourceSets(own))
        )
        const pack02 = yield* Effect.promise(() => atStation("PACK-02", messages.get("PACK-02")!, sourceSets(own)))
        const otherParcel = {
          ...packedParcel({
            orderId: other.orderId,
            parcelId: "P-OTHER",
            trackingNumber: "00340434161094042558",
            stationId: "PACK-01"
          }),
          carrier: "dhl-paket"
        }
        return [
          stationEvent("PACK-01", "order.received", { order: other, replacedVersion: null }),
          ...pack01.events,
          stationEvent("PACK-01", "parcel.packed", otherParcel),
          ...pack02.events,
          ...parcelLeaves("PACK-03", "P-SO-100001-1"),
          stationEvent("PACK-01", "parcel.handed-to-carrier", {
            batchId: "B-1",
            parcelId: "P-OTHER",
            orderId: other.orderId,
            carrier: "dhl-paket",
            trackingNumber: "00340434161094042558"
          })
        ]
      })
      const outcome = (hub: ReturnType<typeof hubOn>) =>
        Effect.gen(function* () {
          yield* (yield* NotificationSender).sendDue
          const answers = yield* (yield* Sql).query<{ station_id: string; outcome: string; cause: string | null }>(
            `SELECT station_id, outcome, cause FROM hub_correction_answers WHERE order_id = 'SO-100001'
             ORDER BY station_id`
          )
          return {
            answers,
            notices: yield* notices,
            mails: correctionMails(hub.mails).map((mail) => mail.text)
          }
        })
      const oneByOneHub = hubOn(store)
      const oneByOne = await Effect.runPromise(
        Effect.gen(function* () {
          yield* applyAtHub(yield* stationsSay)
          return yield* outcome(oneByOneHub)
        }).pipe(Effect.provide(oneByOneHub.layer))
      )
      const batchHub = hubOn(store)
      const batch = await Effect.runPromise(
        Effect.gen(function* () {
          const events = yield* stationsSay
          const projection = yield* HubProjection
          yield* (yield* Sql).transaction(projection.applyStationEvents(events), { batchWrites: true })
          return yield* outcome(batchHub)
        }).pipe(Effect.provide(batchHub.layer))
      )
      expect(oneByOne.answers).toEqual([
        { station_id: "PACK-01", outcome: "overridden", cause: null },
        { station_id: "PACK-02", outcome: "ignored", cause: "source-changed" }
      ])
      expect(oneByOne.notices).toEqual(["address-correction-ignored SO-100001/correction-1: sent"])
      expect(oneByOne.mails).toHaveLength(1)
      expect(oneByOne.mails[0]).toContain("Ihr Paket zur Bestellung SO-100001 wurde ohne Ihre Korrektur")
      expect(batch).toEqual(oneByOne)
    })
  })
