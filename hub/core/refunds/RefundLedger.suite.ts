import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { EventLog } from "../../../core/events/EventLog.ts"
import { Order } from "../../../core/orders/Order.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { RefundRuleSet } from "../../../core/returns/RefundRules.ts"
import {
  type ReturnCancelled,
  type ReturnRefundDecided,
  ReturnRefundDecisionCorrected,
  type ReturnRefundIssued
} from "../../../core/returns/ReturnsEvents.ts"
import { registerReturnsInbound } from "../../../core/returns/ReturnsInbound.ts"
import { ReturnsService } from "../../../core/returns/ReturnsService.ts"
import { Session } from "../../../core/session/Session.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { Broker } from "../../../core/sync/Broker.ts"
import { Consumer } from "../../../core/sync/Consumer.ts"
import { inboundVersion } from "../../../core/sync/InboundVersion.ts"
import { Inbox } from "../../../core/sync/Inbox.ts"
import { makeMemoryBus } from "../../../core/sync/MemoryBroker.ts"
import { encodeJson, Topics } from "../../../core/sync/Topics.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { ScryptPinHashes } from "../../../drivers/session/ScryptPinHashes.ts"
import { countingTrackingTokensLayer } from "../../../fixtures/hub/countingTrackingTokens.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { fixture, seededStation } from "../../../fixtures/SeededStation.ts"
import { shipParcel } from "../../../fixtures/shipParcel.ts"
import { HubProjection } from "../notify/HubProjection.ts"
import { HubSettings } from "../notify/HubSettings.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { makeRefundLedger, type RefundRequested } from "./RefundLedger.ts"

const DAY = 86_400_000
const START_MS = 1_795_000_000_000
const NOW_MS = START_MS + 10 * DAY
const rules = Schema.decodeUnknownSync(RefundRuleSet)(fixture("refund-rules.json"))
const orders = Schema.decodeUnknownSync(Schema.Array(Order))(fixture("orders.json"))
const GPS_SERIAL_SCAN = "010426012345006921GPS-0001"
type ReturnRefundIssuedPayload = typeof ReturnRefundIssued.payload.Type

const stationLayer = (dir: string, stationId: string, bus: Effect.Success<ReturnType<typeof makeMemoryBus>>) =>
  Layer.mergeAll(ReturnsService.layer({ rules }), Inbox.layer).pipe(
    Layer.provideMerge(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer))),
    Layer.provideMerge(Layer.effect(Broker, bus.client(stationId))),
    Layer.provideMerge(
      seededStation({ filename: join(dir, `${stationId}.db`), clock: StationClock.manual(NOW_MS).layer, stationId })
    )
  )

const hubLayer = (store: TestStore, bus: Effect.Success<ReturnType<typeof makeMemoryBus>>) => {
  const base = Layer.mergeAll(
    store.layer(),
    StationClock.manual(NOW_MS).layer,
    Layer.effect(Broker, bus.client("hub")),
    countingTrackingTokensLayer,
    Layer.succeed(HubSettings, HubSettings.defaults("https://track.test"))
  )
  const consumer = Layer.unwrap(
    Effect.gen(function* () {
      const hub = yield* HubProjection
      return Consumer.layer({
        siteId: "+",
        knows: hub.knows,
        apply: hub.applyStationEvent,
        applyBatch: hub.applyStationEvents
      })
    })
  )
  return consumer.pipe(Layer.provideMerge(HubProjection.layer), Layer.provideMerge(base))
}

/**
 * Both stations take in the same two parcels (a serialised GPS, a mug) and refund each unit by the rules; and each
 * takes back one of the two mugs of another order, which both stations number unit 1.
 */
const gradeBothParcels = Effect.gen(function* () {
  for (const [orderId, parcelId, items] of [
    ["SO-100003", "P-3", [{ lineId: "1", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" }]],
    ["SO-100009", "P-9", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 1 }]],
    ["SO-100001", "P-1", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 2 }]]
  ] as const) {
    yield* shipParcel({
      orderId,
      parcelId,
      trackingNumber: `0034043400000000000${orderId.at(-1)}`,
      items,
      handedAtMs: NOW_MS - 5 * DAY
    })
  }
  yield* (yield* Session).signIn("B-2001")
  const returns = yield* ReturnsService
  const gradeAndDecide = Effect.gen(function* () {
    for (const item of (yield* returns.state).current!.items) {
      yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
    }
    return yield* returns.decide({})
  })
  yield* returns.scan({ raw: "00340434000000000003" })
  yield* returns.scan({ raw: GPS_SERIAL_SCAN })
  const gps = yield* gradeAndDecide
  yield* returns.finish({})
  yield* returns.scan({ raw: "00340434000000000001" })
  yield* returns.scan({ raw: "4260123450014" })
  const twoMugs = yield* gradeAndDecide
  yield* returns.finish({})
  // The mug's return stays open: the clerk is still on it when the hub's answer comes.
  yield* returns.scan({ raw: "00340434000000000009" })
  yield* returns.scan({ raw: "4260123450014" })
  const mug = yield* gradeAndDecide
  const events = yield* (yield* EventLog).read(0, 1000)
  return { gps: gps.current!.returnId, mug: mug.current!.returnId, twoMugs: twoMugs.current!.returnId, events }
})

/** The shop's order feed as one more station stream (as the pack bench reports orders it received). */
const orderFeed = (): ReadonlyArray<EventEnvelope> =>
  ["SO-100001", "SO-100003", "SO-100009"].map((orderId, index) => ({
    id: `feed-${orderId}`,
    type: OrderReceived.type,
    version: OrderReceived.version,
    siteId: "HAM1",
    stationId: "PACK-01",
    epoch: "feed",
    seq: index + 1,
    eventTime: { wallMs: START_MS, monoNs: "0" },
    recordTimeMs: START_MS,
    actor: { role: "packer", badgeId: "B-1001", name: "Order feed" },
    payload: { order: orders.find((order) => order.orderId === orderId)!, replacedVersion: null }
  })) as unknown as ReadonlyArray<EventEnvelope>

const asMessage = (event: EventEnvelope) => ({
  topic: Topics.event(event.siteId, event.stationId, event.type),
  payload: encodeJson(event),
  userProperties: {}
})

/** One event of a returns station's stream, as it reaches the hub (`epoch` the station's own, `seq` its place). */
const stationEvent = (stationId: string, seq: number, type: string, version: number, id: string, payload: object) =>
  ({
    id,
    type,
    version,
    siteId: "HAM1",
    stationId,
    epoch: stationId,
    seq,
    eventTime: { wallMs: NOW_MS, monoNs: "0" },
    recordTimeMs: NOW_MS,
    actor: { role: "returns-clerk", badgeId: "B-2001", name: "Clerk" },
    payload
  }) as unknown as EventEnvelope

/** A returned unit as `return.refund-decided` names it: SO-100003's GPS (serial GPS-0001), or a unit of `sku`. */
const unitOf = (returnId: string, item: { orderId: string; sku: string; serial: string | null } = GPS_UNIT) => ({
  returnId,
  itemRef: `${returnId}-01`,
  orderId: item.orderId,
  lineId: "1",
  unit: 1,
  sku: item.sku,
  gtin: null,
  serial: item.serial,
  lot: null
})
const GPS_UNIT = { orderId: "SO-100003", sku: "ALP-GPS-X1", serial: "GPS-0001" }

/** `return.refund-decided` of the unit (`unitOf`) by the rules, the first event of the station's stream unless `seq`. */
const decided = (
  stationId: string,
  version: number,
  returnId: string,
  outcome: string,
  amountCents: number,
  options: { readonly seq?: number; readonly item?: Parameters<typeof unitOf>[1]; readonly id?: string } = {}
) =>
  stationEvent(stationId, options.seq ?? 1, "return.refund-decided", version, options.id ?? `${returnId}-decided`, {
    ...unitOf(returnId, options.item),
    outcome,
    amountCents,
    currency: "EUR",
    ruleId: null,
    reason: { de: "Keine zweite Erstattung", en: "No second refund" },
    source: "rules",
    previousOutcome: null
  })

/** A claim of a unit refunded in full, as `fedToHub` reads the ledger's claims. */
const refundedClaim = (returnId: string, unitKey: string, amountCents: number) => ({
  return_id: returnId,
  unit_key: unitKey,
  outcome: "refund-full",
  amount_cents: amountCents
})

/** The station's correction of `corrected` (its unit's decision is `no-refund`), at `seq` of its stream. */
const correctedToNoRefund = (corrected: EventEnvelope, seq: number) => {
  const { outcome, amountCents, currency, ruleId, reason, source, previousOutcome, ...unit } =
    corrected.payload as typeof ReturnRefundDecided.payload.Type
  return stationEvent(
    corrected.stationId,
    seq,
    ReturnRefundDecisionCorrected.type,
    ReturnRefundDecisionCorrected.version,
    `${corrected.id}-corrected`,
    {
      ...unit,
      corrects: corrected.id,
      correctedOutcome: outcome,
      outcome: "no-refund",
      amountCents: 0,
      currency,
      reason
    }
  )
}

/** The hub's store migrated and the shop's orders fed in; feeds station events through the real consumer. */
const hubWithOrders = Effect.gen(function* () {
  yield* migrate(hubMigrations)
  const consumer = yield* Consumer
  const feed = (events: ReadonlyArray<EventEnvelope>) =>
    Effect.forEach(events, (event) => consumer.receive(asMessage(event)))
  yield* feed(orderFeed())
  return feed
})

/**
 * Feeds `events` to a new hub with the shop's orders, through the real consumer, and returns each
 * event's outcome and what the ledger made of them: its claims, rejections and messages (stream, return, amount).
 */
const fedToHub = (store: TestStore, events: ReadonlyArray<EventEnvelope>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const hub = yield* Layer.build(hubLayer(store, bus))
        return yield* Effect.provide(
          Effect.gen(function* () {
            const feed = yield* hubWithOrders
            const outcomes = yield* feed(events)
            const sql = yield* Sql
            const claims = yield* sql.query(
              "SELECT return_id, unit_key, outcome, amount_cents FROM hub_refund_claims ORDER BY return_id"
            )
            const rejections = yield* sql.query("SELECT return_id, reason FROM hub_refund_rejections")
            const messages = yield* sql.query<{ stream: string; body: string }>(
              "SELECT stream, body FROM hub_messages ORDER BY stream, seq"
            )
            return {
              outcomes,
              claims,
              rejections,
              messages: messages.map((row) => {
                const { payload } = JSON.parse(row.body)
                return [row.stream, payload.returnId, payload.amountCents]
              })
            }
          }),
          hub
        )
      })
    )
  )

/**
 * Two stations grade the same parcels; their event streams reach one hub store (SQLite or PostgreSQL) through the
 * real consumer in the given order, each stream twice more (a replay, and once reversed); the hub's rejections are
 * then delivered, twice, to the losing station's real inbox.
 */
const scenario = (store: TestStore, first: "RET-01" | "RET-02") =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const dir = mkdtempSync(join(tmpdir(), "pb-ledger-"))
        const bus = yield* makeMemoryBus()
        const stations = {
          "RET-01": yield* Layer.build(stationLayer(dir, "RET-01", bus)),
          "RET-02": yield* Layer.build(stationLayer(dir, "RET-02", bus))
        }
        const graded = {
          "RET-01": yield* Effect.provide(gradeBothParcels, stations["RET-01"]),
          "RET-02": yield* Effect.provide(gradeBothParcels, stations["RET-02"])
        }
        const second: "RET-01" | "RET-02" = first === "RET-01" ? "RET-02" : "RET-01"
        const hub = yield* Layer.build(hubLayer(store, bus))
        const hubSide = yield* Effect.provide(
          Effect.gen(function* () {
            const feed = yield* hubWithOrders
            yield* feed(graded[first].events)
            yield* feed(graded[second].events)
            const replays = [
              ...(yield* feed(graded[first].events)),
              ...(yield* feed([...graded[second].events].reverse())),
              ...(yield* feed(graded[second].events))
            ]
            const sql = yield* Sql
            const claims = yield* sql.query<{
              order_id: string
              unit_key: string
              return_id: string
              station_id: string
            }>("SELECT order_id, unit_key, return_id, station_id FROM hub_refund_claims ORDER BY order_id, unit_key")
            const ordersKnown = yield* sql.query("SELECT order_id FROM hub_refund_orders")
            const messages = yield* sql.query<{ stream: string; seq: number; topic: string; body: string }>(
              "SELECT stream, seq, topic, body FROM hub_messages ORDER BY stream, seq"
            )
            return { claims, messages, replays, ordersKnown: ordersKnown.length }
          }),
          hub
        )
        const rejections = hubSide.messages.filter((row) => row.stream === `station:HAM1/${second}`)
        const loser = yield* Effect.provide(
          Effect.gen(function* () {
            const inbox = yield* Inbox
            yield* registerReturnsInbound(inbox)
            const outcomes = []
            for (let round = 0; round < 2; round++) {
              for (const row of rejections) {
                outcomes.push(
                  yield* inbox.receive({
                    topic: row.topic,
                    payload: encodeJson(JSON.parse(row.body)),
                    userProperties: {}
                  })
                )
              }
            }
            const sql = yield* Sql
            const refunds = yield* sql.query<{ order_id: string; status: string }>(
              "SELECT order_id, status FROM refunds ORDER BY order_id"
            )
            const rejected = (yield* (yield* EventLog).read(0, 1000)).filter(
              (event) => event.type === "return.refund-rejected"
            )
            return { outcomes, refunds, rejected, view: yield* (yield* ReturnsService).state }
          }),
          stations[second]
        )
        return { graded, first, second, hubSide, loser }
      })
    )
  )

/**
 * A ledger over a fresh hub store, with a station's decision for one unit as its event says it. SO-100001 paid 42.30:
 * two mugs at 12.90 on line 1, a pair of socks at 16.50 on line 2.
 */
const withLedger = <A, E>(
  store: TestStore,
  body: (ledger: ReturnType<typeof makeRefundLedger>, sql: Sql["Service"]) => Effect.Effect<A, E, Sql>
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      const sql = yield* Sql
      return yield* body(makeRefundLedger(sql), sql)
    }).pipe(Effect.provide(Layer.mergeAll(store.layer(), StationClock.manual(NOW_MS).layer)))
  )

const unitDecided = (
  decision: {
    readonly returnId: string
    readonly orderId: string
    readonly lineId: string
    readonly unit: number
    readonly sku: string
    readonly amountCents: number
    readonly serial?: string
  },
  source: "rules" | "manager-approval" = "rules"
): typeof ReturnRefundDecided.payload.Type => ({
  returnId: decision.returnId,
  itemRef: `${decision.returnId}-01`,
  orderId: decision.orderId,
  lineId: decision.lineId,
  unit: decision.unit,
  sku: decision.sku,
  gtin: null,
  serial: decision.serial ?? null,
  lot: null,
  outcome: "refund-full",
  amountCents: decision.amountCents,
  currency: "EUR",
  ruleId: null,
  reason: { de: "", en: "" },
  source,
  previousOutcome: source === "manager-approval" ? "hold-for-review" : null
})

const decidedAt = (stationId: string, returnId: string) =>
  ({ id: `${returnId}-decided`, siteId: "HAM1", stationId }) as EventEnvelope

/** SO-100001 as Shopware has it after an edit: every line a new id, the mugs split over two lines. */
const so100001 = orders.find((candidate) => candidate.orderId === "SO-100001")!
const so100001Renumbered: Order = {
  ...so100001,
  version: 2,
  lines: [
    { ...so100001.lines[0]!, lineId: "m-7", quantity: 1 },
    { ...so100001.lines[1]!, lineId: "s-7" },
    { ...so100001.lines[0]!, lineId: "m-8", quantity: 1 }
  ]
}
/** SO-100008 paid 74.70: a head lamp at 34.90 (line 1), two bottles at 19.90 (line 2). */
const so100008 = orders.find((candidate) => candidate.orderId === "SO-100008")!
const so100008Renumbered: Order = {
  ...so100008,
  version: 2,
  lines: [
    { ...so100008.lines[0]!, lineId: "h-7" },
    { ...so100008.lines[1]!, lineId: "b-7" }
  ]
}
/** A serialised GPS at 79.00 and two bags at 59.00, paid 197.00: the GPS twice would fit in what was paid. */
const so100003 = orders.find((candidate) => candidate.orderId === "SO-100003")!
const gpsAndBags: Order = {
  ...so100003,
  orderId: "SO-200003",
  lines: [so100003.lines[0]!, { lineId: "2", sku: "ALP-BAG-20", quantity: 2, unitPrice: 59 }],
  payment: { ...so100003.payment, total: 197 }
}
const gpsAndBagsRenumbered: Order = {
  ...gpsAndBags,
  version: 2,
  lines: [
    { ...gpsAndBags.lines[1]!, lineId: "b-7" },
    { ...gpsAndBags.lines[0]!, lineId: "g-7" }
  ]
}

/** What the ledger holds and told, read back: claims by item, rejections, the shop's requests in order. */
const ledgerOutcome = (sql: Sql["Service"]) =>
  Effect.gen(function* () {
    const claims = yield* sql.query<{ item_ref: string; order_id: string; line_id: string; amount_cents: number }>(
      "SELECT item_ref, order_id, line_id, amount_cents FROM hub_refund_claims ORDER BY item_ref"
    )
    const rejections = yield* sql.query<{
      return_id: string
      line_id: string
      reason: string
      other_return_id: string
    }>("SELECT return_id, line_id, reason, other_return_id FROM hub_refund_rejections ORDER BY return_id")
    const parked = yield* sql.query<{ decided_event_id: string }>(
      "SELECT decided_event_id FROM hub_refund_parked ORDER BY decided_event_id"
    )
    const requests = yield* sql.query<{ body: string }>(
      "SELECT body FROM hub_messages WHERE stream = 'shop:HAM1' ORDER BY seq"
    )
    return {
      claims: claims.map((row) => [row.item_ref, row.line_id, Number(row.amount_cents)]),
      rejections: rejections.map((row) => [row.return_id, row.line_id, row.reason, row.other_return_id]),
      parked: parked.map((row) => row.decided_event_id),
      requests: requests.map((row) => {
        const payload = JSON.parse(row.body).payload as RefundRequested
        return [payload.requestId, payload.lineId, payload.amountCents]
      })
    }
  })

/** The cross-station refund rules over a hub store: RefundLedger.test.ts runs it on SQLite, the twin on PostgreSQL. */
export const refundLedgerSuite = (store: TestStore) =>
  describe(`hub refund ledger on ${store.dialect}`, () => {
    for (const first of ["RET-01", "RET-02"] as const) {
      it(`passes one refund per unit to the shop and tells the other station why (${first} first)`, async () => {
        const { graded, second, hubSide, loser } = await scenario(store, first)
        expect(hubSide.replays.every((outcome) => outcome === "duplicate")).toBe(true)
        expect(hubSide.ordersKnown).toBe(3)
        expect(hubSide.claims).toEqual([
          { order_id: "SO-100001", unit_key: "unit:1", return_id: graded[first].twoMugs, station_id: first },
          { order_id: "SO-100001", unit_key: "unit:2", return_id: graded[second].twoMugs, station_id: second },
          { order_id: "SO-100003", unit_key: "serial:GPS-0001", return_id: graded[first].gps, station_id: first },
          { order_id: "SO-100009", unit_key: "unit:1", return_id: graded[first].mug, station_id: first }
        ])
        const bodies = hubSide.messages.map((row) => ({
          stream: row.stream,
          seq: Number(row.seq),
          ...JSON.parse(row.body)
        }))
        const requests = bodies.filter((body) => body.stream === "shop:HAM1")
        expect(
          requests.map((body) => [
            body.seq,
            body.type,
            body.payload.stationId,
            body.payload.orderId,
            body.payload.amountCents
          ])
        ).toEqual([
          [1, "refund.requested", first, "SO-100003", 7900],
          [2, "refund.requested", first, "SO-100001", 1290],
          [3, "refund.requested", first, "SO-100009", 1290],
          [4, "refund.requested", second, "SO-100001", 1290]
        ])
        const rejections = bodies.filter((body) => body.stream === `station:HAM1/${second}`)
        expect(rejections.map((body) => body.payload)).toEqual([
          expect.objectContaining({
            orderId: "SO-100003",
            returnId: graded[second].gps,
            reason: "duplicate-unit",
            otherReturnId: graded[first].gps,
            otherStationId: first,
            otherStatus: "requested"
          }),
          expect.objectContaining({
            orderId: "SO-100009",
            returnId: graded[second].mug,
            reason: "duplicate-unit",
            otherReturnId: graded[first].mug,
            otherStationId: first
          })
        ])
        expect(hubSide.messages.filter((row) => row.stream === `station:HAM1/${first}`)).toEqual([])
        expect(hubSide.messages.find((row) => row.stream === `station:HAM1/${second}`)?.topic).toBe(
          `packbench/v1/HAM1/${second}/inbox/hub/refund.rejected`
        )

        expect(loser.outcomes).toEqual(["applied", "applied", "duplicate", "duplicate"])
        expect(loser.refunds).toEqual([
          { order_id: "SO-100001", status: "decided" },
          { order_id: "SO-100003", status: "rejected-duplicate" },
          { order_id: "SO-100009", status: "rejected-duplicate" }
        ])
        expect(loser.rejected).toHaveLength(2)
        const mug = loser.view.current!.items[0]!
        expect(mug.decision).toMatchObject({
          status: "rejected-duplicate",
          rejection: { otherReturnId: graded[first].mug, otherStationId: first }
        })
        expect(mug.decision?.rejection?.reason.en).toContain(graded[first].mug)
        expect(mug.decision?.rejection?.reason.de).toContain(graded[first].mug)
      })
    }
    it("takes return.refund-decided at version 1 (older stations) and 2; a no-refund claims no unit, asks the shop nothing and is refused nothing", async () => {
      // RET-01 (an older station, version 1) refunds the GPS; RET-02 decides the same unit with no refund.
      const result = await fedToHub(store, [
        decided("RET-01", 1, "RET-01-R000001", "refund-full", 7_900),
        decided("RET-02", 2, "RET-02-R000001", "no-refund", 0),
        decided("RET-03", 3, "RET-03-R000001", "no-refund", 0)
      ])
      // A version the hub does not know (3, from a newer station) is held until its upgrade.
      expect(result.outcomes).toEqual(["applied", "applied", "held"])
      expect(result.claims).toEqual([
        { return_id: "RET-01-R000001", unit_key: "serial:GPS-0001", outcome: "refund-full", amount_cents: 7_900 }
      ])
      expect(result.rejections).toEqual([])
      expect(result.messages).toEqual([["shop:HAM1", "RET-01-R000001", 7_900]])
    })

    it("applies a station's correction of a version 1 hold-for-review at 0 as the no-refund it states, and the station's later events after it", async () => {
      // RET-02, before no-refund, recorded the GPS RET-01 refunded as held at 0; upgraded, it corrects that, then
      // refunds a mug of another order. RET-03's decision of a mug corrected to no-refund is applied as that decision
      // would be: the shop is asked for 0 instead.
      const heldAtZero = decided("RET-02", 1, "RET-02-R000001", "hold-for-review", 0)
      const mug = { orderId: "SO-100001", sku: "ALP-MUG-01", serial: null }
      const mugRefunded = decided("RET-03", 2, "RET-03-R000001", "refund-full", 1_290, {
        item: { ...mug, orderId: "SO-100009" }
      })
      const result = await fedToHub(store, [
        decided("RET-01", 1, "RET-01-R000001", "refund-full", 7_900),
        heldAtZero,
        correctedToNoRefund(heldAtZero, 2),
        decided("RET-02", 2, "RET-02-R000002", "refund-full", 1_290, { seq: 3, item: mug }),
        mugRefunded,
        correctedToNoRefund(mugRefunded, 2)
      ])
      // Nothing is held behind the correction: RET-02's mug, after it, is applied and refunded.
      expect(result.outcomes).toEqual(["applied", "applied", "applied", "applied", "applied", "applied"])
      // The GPS held at 0 claimed nothing, nor does its correction; RET-03's mug keeps no money and no claim.
      expect(result.claims).toEqual([
        refundedClaim("RET-01-R000001", "serial:GPS-0001", 7_900),
        refundedClaim("RET-02-R000002", "unit:1", 1_290)
      ])
      expect(result.rejections).toEqual([])
      expect(result.messages).toEqual([
        ["shop:HAM1", "RET-01-R000001", 7_900],
        ["shop:HAM1", "RET-02-R000002", 1_290],
        ["shop:HAM1", "RET-03-R000001", 1_290],
        ["shop:HAM1", "RET-03-R000001", 0]
      ])
    })

    it("releases a return's claim when its unit is decided, or corrected to, no refund: another return of the unit is then claimed, not refused, and a replay changes nothing", async () => {
      // RET-01 refunds the GPS in one return, then decides it with no refund; RET-02 refunds SO-100009's only mug and
      // corrects that to no refund. Each unit, returned again, is refunded in the second return.
      const mug = { orderId: "SO-100009", sku: "ALP-MUG-01", serial: null }
      const mugRefunded = decided("RET-02", 2, "RET-02-R000001", "refund-full", 1_290, { item: mug })
      const events = [
        decided("RET-01", 2, "RET-01-R000001", "refund-full", 7_900),
        decided("RET-01", 2, "RET-01-R000001", "no-refund", 0, { seq: 2, id: "RET-01-R000001-no-refund" }),
        decided("RET-01", 2, "RET-01-R000002", "refund-full", 7_900, { seq: 3 }),
        mugRefunded,
        correctedToNoRefund(mugRefunded, 2),
        decided("RET-02", 2, "RET-02-R000002", "refund-full", 1_290, { seq: 3, item: mug })
      ]
      const { outcomes, ...ledger } = await fedToHub(store, [...events, ...events])
      expect(outcomes).toEqual([...events.map(() => "applied"), ...events.map(() => "duplicate")])
      expect(ledger).toEqual({
        claims: [
          refundedClaim("RET-01-R000002", "serial:GPS-0001", 7_900),
          refundedClaim("RET-02-R000002", "unit:1", 1_290)
        ],
        rejections: [],
        // The shop is told not to pay the first return's unit, and to pay the second's.
        messages: [
          ["shop:HAM1", "RET-01-R000001", 7_900],
          ["shop:HAM1", "RET-01-R000001", 0],
          ["shop:HAM1", "RET-01-R000002", 7_900],
          ["shop:HAM1", "RET-02-R000001", 1_290],
          ["shop:HAM1", "RET-02-R000001", 0],
          ["shop:HAM1", "RET-02-R000002", 1_290]
        ]
      })
    })

    it("asks the shop for no more than a unit's share of what was paid, and never more than the order paid", async () => {
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const sql = yield* Sql
          const ledger = makeRefundLedger(sql)
          const order = orders.find((candidate) => candidate.orderId === "SO-100007")!
          yield* ledger.recordOrder(order)
          const decide = (stationId: string, returnId: string, lineId: string, amountCents: number) =>
            ledger.applyDecided(
              { id: `${returnId}-decided`, siteId: "HAM1", stationId } as EventEnvelope,
              {
                returnId,
                itemRef: `${returnId}-01`,
                orderId: order.orderId,
                lineId,
                unit: 1,
                sku: null,
                gtin: null,
                serial: null,
                lot: null,
                outcome: "refund-partial",
                amountCents,
                currency: "EUR",
                ruleId: null,
                reason: { de: "", en: "" },
                source: "manager-override",
                previousOutcome: null
              },
              NOW_MS
            )
          // Whatever a station decided (its event may say anything): a unit paid 16.50 is refunded at most 16.50.
          yield* decide("RET-01", "RET-01-R000001", "1", 5_000)
          yield* decide("RET-02", "RET-02-R000001", "2", 1_000)
          yield* decide("RET-02", "RET-02-R000002", "2", 2_600)
          // The shop's own stream says the order now paid 40.00 (a partial cancellation): the next unit would take
          // the order's refunds past that.
          yield* ledger.recordShopOrder(
            { ...order, version: order.version + 1, payment: { ...order.payment, total: 40 } },
            yield* inboundVersion(`order ${order.orderId}`, order.version + 1, NOW_MS)
          )
          yield* decide("RET-01", "RET-01-R000002", "1", 1_000)
          const claims = yield* sql.query("SELECT return_id, amount_cents FROM hub_refund_claims ORDER BY return_id")
          const rejections = yield* sql.query("SELECT return_id, reason, other_return_id FROM hub_refund_rejections")
          const requested = yield* sql.query<{ body: string }>(
            "SELECT body FROM hub_messages WHERE stream = 'shop:HAM1' ORDER BY seq"
          )
          return { claims, rejections, requested: requested.map((row) => JSON.parse(row.body).payload.amountCents) }
        }).pipe(Effect.provide(Layer.mergeAll(store.layer(), StationClock.manual(NOW_MS).layer)))
      )
      expect(result.claims).toEqual([
        { return_id: "RET-01-R000001", amount_cents: 1_650 },
        { return_id: "RET-02-R000001", amount_cents: 1_000 },
        { return_id: "RET-02-R000002", amount_cents: 1_650 }
      ])
      expect(result.requested).toEqual([1_650, 1_000, 1_650])
      // 16.50 + 10.00 + 16.50 taken of 40.00: another 10.00 would not fit.
      expect(result.rejections).toEqual([
        { return_id: "RET-01-R000002", reason: "paid-amount-exceeded", other_return_id: "RET-02-R000002" }
      ])
    })

    it("pays a unit refunded before the shop numbered the order's lines anew once, approved again on its new line, and still pays a second unit of the item", async () => {
      const result = await withLedger(store, (ledger, sql) =>
        Effect.gen(function* () {
          for (const order of [so100001, so100008, gpsAndBags]) {
            yield* ledger.recordShopOrder(order, yield* inboundVersion(`order ${order.orderId}`, 1, NOW_MS))
          }
          const decide = (
            stationId: string,
            decision: Parameters<typeof unitDecided>[0],
            source?: "rules" | "manager-approval"
          ) => ledger.applyDecided(decidedAt(stationId, decision.returnId), unitDecided(decision, source), NOW_MS)
          // Before the edit: the head lamp, one of the two mugs and the GPS are refunded.
          const lamp = { orderId: "SO-100008", unit: 1, sku: "ALP-HL-200", amountCents: 3_490 }
          yield* decide("RET-01", { ...lamp, returnId: "RET-01-R000001", lineId: "1" })
          const mug = { orderId: "SO-100001", unit: 1, sku: "ALP-MUG-01", amountCents: 1_290 }
          yield* decide("RET-01", { ...mug, returnId: "RET-01-R000002", lineId: "1" })
          const gps = { orderId: "SO-200003", unit: 1, sku: "ALP-GPS-X1", amountCents: 7_900, serial: "GPS-0001" }
          yield* decide("RET-01", { ...gps, returnId: "RET-01-R000003", lineId: "1" })
          // The shop numbers the orders' lines anew; the station moved the parcels' units onto the new lines, held
          // the units returned again (core/returns/evaluateRefund.ts), and a manager approved them. Each order paid
          // enough for a second refund of the unit.
          for (const order of [so100001Renumbered, so100008Renumbered, gpsAndBagsRenumbered]) {
            yield* ledger.recordShopOrder(order, yield* inboundVersion(`order ${order.orderId}`, 2, NOW_MS))
          }
          yield* decide("RET-01", { ...lamp, returnId: "RET-01-R000004", lineId: "h-7" }, "manager-approval")
          yield* decide("RET-01", { ...gps, returnId: "RET-01-R000005", lineId: "g-7" }, "manager-approval")
          // The customer's second mug is a unit of its own: paid, on the line with a mug left; a third is not.
          yield* decide("RET-01", { ...mug, returnId: "RET-01-R000006", lineId: "m-7" }, "manager-approval")
          yield* decide("RET-01", { ...mug, returnId: "RET-01-R000007", lineId: "m-8" }, "manager-approval")
          return yield* ledgerOutcome(sql)
        })
      )
      expect(result.claims).toEqual([
        ["RET-01-R000001-01", "1", 3_490],
        ["RET-01-R000002-01", "1", 1_290],
        ["RET-01-R000003-01", "1", 7_900],
        ["RET-01-R000006-01", "m-7", 1_290]
      ])
      // The lamp and the GPS are held by claims on lines the order no longer has: duplicates across the renumbering.
      // The third mug is one more than the order has, held by a claim on a line it has: a plain duplicate.
      expect(result.rejections).toEqual([
        ["RET-01-R000004", "h-7", "duplicate-unit-renumbered", "RET-01-R000001"],
        ["RET-01-R000005", "g-7", "duplicate-unit-renumbered", "RET-01-R000003"],
        ["RET-01-R000007", "m-8", "duplicate-unit", "RET-01-R000006"]
      ])
      expect(result.requests).toEqual([
        ["RET-01-R000001-01", "1", 3_490],
        ["RET-01-R000002-01", "1", 1_290],
        ["RET-01-R000003-01", "1", 7_900],
        ["RET-01-R000006-01", "m-7", 1_290]
      ])
    })

    for (const newVersion of ["before", "after"] as const) {
      for (const first of ["RET-01", "RET-02"] as const) {
        it(`pays one refund for a unit two stations grade, one before the renumbering and one after (${first}'s first, the new lines reach the ledger ${newVersion} both)`, async () => {
          const result = await withLedger(store, (ledger, sql) =>
            Effect.gen(function* () {
              yield* ledger.recordShopOrder(so100001, yield* inboundVersion("order SO-100001", 1, NOW_MS))
              const renumber = ledger.recordShopOrder(
                so100001Renumbered,
                yield* inboundVersion("order SO-100001", 2, NOW_MS)
              )
              const socks = { unit: 1, orderId: "SO-100001", sku: "ALP-SOCK-M", amountCents: 1_650 }
              // RET-01 graded before the edit (the socks' old line), RET-02 after it (their new one).
              const decisions = {
                "RET-01": ledger.applyDecided(
                  decidedAt("RET-01", "RET-01-R000001"),
                  unitDecided({ ...socks, returnId: "RET-01-R000001", lineId: "2" }),
                  NOW_MS
                ),
                "RET-02": ledger.applyDecided(
                  decidedAt("RET-02", "RET-02-R000001"),
                  unitDecided({ ...socks, returnId: "RET-02-R000001", lineId: "s-7" }),
                  NOW_MS
                )
              }
              if (newVersion === "before") yield* renumber
              yield* decisions[first]
              if (newVersion === "after") yield* renumber
              yield* ledger.releaseParked("SO-100001", NOW_MS)
              yield* decisions[first === "RET-01" ? "RET-02" : "RET-01"]
              return yield* ledgerOutcome(sql)
            })
          )
          const second = first === "RET-01" ? "RET-02" : "RET-01"
          expect(result.parked).toEqual([])
          expect(result.claims).toHaveLength(1)
          expect(result.claims[0]?.[0]).toBe(`${first}-R000001-01`)
          expect(result.requests).toHaveLength(1)
          expect(result.requests[0]?.[2]).toBe(1_650)
          // The shop is asked for a line of the order as the ledger knows it when it asks (the shop side finds the
          // line the decision names where the shop's order no longer has it).
          expect(result.requests[0]?.[1]).toBe(newVersion === "before" ? "s-7" : "2")
          expect(result.rejections).toEqual([
            [`${second}-R000001`, second === "RET-01" ? "2" : "s-7", "duplicate-unit-renumbered", `${first}-R000001`]
          ])
        })
      }
    }

    it("tells a station in words that the unit it decided on a line the shop has numbered anew is held by another return; a reason the station does not know is quarantined, its refund left as it was", async () => {
      const result = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const dir = mkdtempSync(join(tmpdir(), "pb-ledger-"))
            const bus = yield* makeMemoryBus()
            const station = yield* Layer.build(stationLayer(dir, "RET-02", bus))
            // RET-02 takes the socks back before it hears of the shop's edit: decided on their line 2.
            const decided = yield* Effect.provide(
              Effect.gen(function* () {
                yield* shipParcel({
                  orderId: "SO-100001",
                  parcelId: "P-1",
                  trackingNumber: "00340434000000000001",
                  items: [
                    { lineId: "1", sku: "ALP-MUG-01", quantity: 2 },
                    { lineId: "2", sku: "ALP-SOCK-M", quantity: 1 }
                  ],
                  handedAtMs: NOW_MS - 5 * DAY
                })
                yield* (yield* Session).signIn("B-2001")
                const returns = yield* ReturnsService
                yield* returns.scan({ raw: "00340434000000000001" })
                const scanned = yield* returns.scan({ raw: "4260123450038" })
                yield* returns.grade({ itemRef: scanned.current!.items[0]!.itemRef, grade: "new-sealed" })
                yield* returns.decide({})
                const events = yield* (yield* EventLog).read(0, 1000)
                return events.find((event) => event.type === "return.refund-decided")!
              }),
              station
            )
            // At the hub, RET-01 refunded the socks on their new line s-7 first.
            const bodies = yield* Effect.provide(
              Effect.gen(function* () {
                yield* migrate(hubMigrations)
                const sql = yield* Sql
                const ledger = makeRefundLedger(sql)
                yield* ledger.recordShopOrder(so100001, yield* inboundVersion("order SO-100001", 1, NOW_MS))
                yield* ledger.recordShopOrder(so100001Renumbered, yield* inboundVersion("order SO-100001", 2, NOW_MS))
                yield* ledger.applyDecided(
                  decidedAt("RET-01", "RET-01-R000001"),
                  unitDecided({
                    returnId: "RET-01-R000001",
                    orderId: "SO-100001",
                    lineId: "s-7",
                    unit: 1,
                    sku: "ALP-SOCK-M",
                    amountCents: 1_650
                  }),
                  NOW_MS
                )
                yield* ledger.applyDecided(
                  { ...decided, siteId: "HAM1", stationId: "RET-02" },
                  decided.payload as typeof ReturnRefundDecided.payload.Type,
                  NOW_MS
                )
                return yield* sql.query<{ topic: string; body: string }>(
                  "SELECT topic, body FROM hub_messages WHERE stream = 'station:HAM1/RET-02' ORDER BY seq"
                )
              }),
              Layer.mergeAll(store.layer(), StationClock.manual(NOW_MS).layer)
            )
            const rejection = bodies[0]!
            const sent = JSON.parse(rejection.body)
            const atStation = yield* Effect.provide(
              Effect.gen(function* () {
                const inbox = yield* Inbox
                yield* registerReturnsInbound(inbox)
                const sql = yield* Sql
                const status = Effect.map(
                  sql.query<{ status: string }>("SELECT status FROM refunds WHERE item_ref = ?", [
                    sent.payload.itemRef
                  ]),
                  (rows) => rows[0]?.status
                )
                // The same refusal with a reason from a release after this one, as the hub's first message.
                const unknown = yield* inbox.receive({
                  topic: rejection.topic,
                  payload: encodeJson({
                    ...sent,
                    msgId: `${sent.msgId}-later`,
                    payload: { ...sent.payload, reason: "some-later-reason" }
                  }),
                  userProperties: {}
                })
                const afterUnknown = yield* status
                const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine")
                const known = yield* inbox.receive({
                  topic: rejection.topic,
                  payload: encodeJson({ ...sent, seq: sent.seq + 1 }),
                  userProperties: {}
                })
                const rejected = (yield* (yield* EventLog).read(0, 1000)).filter(
                  (event) => event.type === "return.refund-rejected"
                )
                const view = yield* (yield* ReturnsService).state
                return { unknown, afterUnknown, quarantined, known, status: yield* status, rejected, view }
              }),
              station
            )
            return { sent, atStation }
          })
        )
      )
      expect(result.sent.payload).toMatchObject({
        orderId: "SO-100001",
        lineId: "2",
        reason: "duplicate-unit-renumbered",
        otherReturnId: "RET-01-R000001",
        otherStationId: "RET-01"
      })
      const { atStation } = result
      // A reason the station does not know changes nothing and is kept, with why, for the Manager screen.
      expect(atStation.unknown).toBe("quarantined")
      expect(atStation.afterUnknown).toBe("decided")
      expect(atStation.quarantined.map((row) => row.reason)).toEqual([
        expect.stringContaining("payload does not fit refund.rejected")
      ])
      expect(atStation.known).toBe("applied")
      expect(atStation.status).toBe("rejected-duplicate")
      expect(atStation.rejected.map((event) => (event.payload as { reason: string }).reason)).toEqual([
        "duplicate-unit-renumbered"
      ])
      const socks = atStation.view.current!.items[0]!
      expect(socks.decision).toMatchObject({
        status: "rejected-duplicate",
        rejection: { otherReturnId: "RET-01-R000001", otherStationId: "RET-01" }
      })
      expect(socks.decision?.rejection?.reason.en).toBe(
        "No refund: the shop numbered the order's lines anew, and this unit was already requested for refund under the other numbering in return RET-01-R000001 (RET-01)"
      )
      expect(socks.decision?.rejection?.reason.de).toBe(
        "Keine Erstattung: Der Shop hat die Positionen des Auftrags neu nummeriert, und diese Einheit ist unter der anderen Nummerierung schon in Retoure RET-01-R000001 (RET-01) zur Erstattung angefordert"
      )
    })

    /** RET-01's decision of a mug of SO-999999, an order the hub does not know yet (`id`: the deciding event's). */
    const decidedForUnknown = (id: string, outcome: string, amountCents: number) =>
      decided("RET-01", 2, "RET-01-R000009", outcome, amountCents, {
        id,
        item: { orderId: "SO-999999", sku: "ALP-MUG-01", serial: null }
      })

    /** RET-01-R000009 voided at RET-01 (`return.cancelled`). */
    const voidedUnknown = stationEvent("RET-01", 3, "return.cancelled", 1, "voided", {
      returnId: "RET-01-R000009",
      corrects: null,
      orderId: "SO-999999",
      scanned: "SO-999999",
      itemCount: 1,
      reason: "scanned the wrong parcel"
    })

    /**
     * The ledger takes `decisions` (or a `return.cancelled`) for SO-999999, then the shop's order; what it passed on
     * before and after.
     */
    const decidedBeforeOrder = (decisions: ReadonlyArray<EventEnvelope>) =>
      Effect.runPromise(
        Effect.gen(function* () {
          yield* migrate(hubMigrations)
          const sql = yield* Sql
          const ledger = makeRefundLedger(sql)
          const known = orders.find((candidate) => candidate.orderId === "SO-100001")!
          const unknown = { ...known, orderId: "SO-999999" }
          for (const event of decisions) {
            if (event.type === "return.cancelled") {
              yield* ledger.applyReturnCancelled(event, event.payload as typeof ReturnCancelled.payload.Type, NOW_MS)
            } else {
              yield* ledger.applyDecided(event, event.payload as typeof ReturnRefundDecided.payload.Type, NOW_MS)
            }
          }
          const before = yield* sql.query("SELECT body FROM hub_messages")
          const parked = yield* sql.query("SELECT order_id FROM hub_refund_parked")
          yield* ledger.recordShopOrder(
            unknown,
            yield* inboundVersion(`order ${unknown.orderId}`, unknown.version, NOW_MS)
          )
          const released = yield* ledger.releaseParked(unknown.orderId, NOW_MS)
          const after = yield* sql.query<{ body: string }>("SELECT body FROM hub_messages")
          const claims = yield* sql.query("SELECT item_ref FROM hub_refund_claims")
          return {
            before: before.length,
            parked,
            released,
            claims,
            after: after.map((row) => JSON.parse(row.body).payload.amountCents)
          }
        }).pipe(Effect.provide(Layer.mergeAll(store.layer(), StationClock.manual(NOW_MS).layer)))
      )

    it("drops a decision waiting for its order once the unit is decided with no refund: the order's arrival claims nothing", async () => {
      const result = await decidedBeforeOrder([
        decidedForUnknown("decided", "refund-full", 1_290),
        decidedForUnknown("no-refund", "no-refund", 0)
      ])
      expect(result).toEqual({ before: 0, parked: [], released: 0, claims: [], after: [] })
    })

    it.each(["hold-for-review", "exchange"])(
      "drops a decision waiting for its order once the unit is decided again, to %s: the latest decision is in force, so the order's arrival claims nothing",
      async (outcome) => {
        const result = await decidedBeforeOrder([
          decidedForUnknown("decided", "refund-full", 1_290),
          decidedForUnknown("decided-again", outcome, 0)
        ])
        expect(result).toEqual({ before: 0, parked: [], released: 0, claims: [], after: [] })
      }
    )

    it("takes up only the latest of a unit's decisions waiting for its order once it arrives", async () => {
      const result = await decidedBeforeOrder([
        decidedForUnknown("decided", "refund-full", 1_290),
        decidedForUnknown("decided-again", "refund-partial", 500)
      ])
      expect(result.parked).toEqual([{ order_id: "SO-999999" }])
      expect(result.released).toBe(1)
      expect(result.after).toEqual([500])
    })

    it("takes up decisions of different items waiting for their order in the order the hub received them, not by event id: the first to arrive wins a contested unit", async () => {
      // SO-999999's only pair of socks (line 2), refunded at RET-02 and then at RET-01, both taken in the same
      // millisecond of the hub's clock; RET-01's event id (a UUIDv7, random within its millisecond) sorts first.
      const socks = (stationId: string, returnId: string, id: string) => {
        const event = decided(stationId, 2, returnId, "refund-full", 1_650, {
          id,
          item: { orderId: "SO-999999", sku: "ALP-SOCK-M", serial: null }
        })
        return { ...event, payload: { ...(event.payload as object), lineId: "2" } }
      }
      const result = await decidedBeforeOrder([
        socks("RET-02", "RET-02-R000004", "019b0000-0000-7fff-bfff-ffffffffffff"),
        socks("RET-01", "RET-01-R000004", "019b0000-0000-7000-8000-000000000000")
      ])
      expect(result.parked).toEqual([{ order_id: "SO-999999" }, { order_id: "SO-999999" }])
      expect(result.released).toBe(2)
      // RET-01 is refused the unit (its `refund.rejected` carries no amount), and the shop asked to refund RET-02's.
      expect(result.claims).toEqual([{ item_ref: "RET-02-R000004-01" }])
      expect(result.after.filter((amountCents) => amountCents !== undefined)).toEqual([1_650])
    })

    it("drops a voided return's decisions waiting for their order: the order's arrival claims nothing", async () => {
      const result = await decidedBeforeOrder([decidedForUnknown("decided", "refund-full", 1_290), voidedUnknown])
      expect(result).toEqual({ before: 0, parked: [], released: 0, claims: [], after: [] })
    })

    it("passes nothing on for an order the hub does not know, and takes the decision up once the shop's order arrives", async () => {
      const result = await decidedBeforeOrder([decidedForUnknown("forged-decided", "refund-full", 99_999_999)])
      expect(result.before).toBe(0)
      expect(result.parked).toEqual([{ order_id: "SO-999999" }])
      expect(result.released).toBe(1)
      // SO-100001's first line: 12.90 a mug.
      expect(result.after).toEqual([1_290])
    })

    const mug = { returnId: "RET-01-R000001", orderId: "SO-100009", lineId: "1", unit: 1, sku: "ALP-MUG-01" }

    /** SO-100009 known to the ledger, and its only mug refunded in full in RET-01-R000001. */
    const mugRefunded = (ledger: ReturnType<typeof makeRefundLedger>) =>
      Effect.andThen(
        ledger.recordOrder(orders.find((candidate) => candidate.orderId === mug.orderId)!),
        ledger.applyDecided(decidedAt("RET-01", mug.returnId), unitDecided({ ...mug, amountCents: 1_290 }), NOW_MS)
      )

    /**
     * SO-100009's only mug refunded in RET-01-R000001, which the shop connector's push paid (`done`) before the
     * station's `return.refund-issued` reached the hub; then `meanwhile` (which RET-01 does next), and the real return
     * of the mug graded at RET-02. What the ledger holds and told, with each claim's status and when it was paid.
     */
    const paidBeforeItsStationSaidSo = (
      meanwhile: (ledger: ReturnType<typeof makeRefundLedger>) => Effect.Effect<unknown, unknown, Sql>,
      push: { readonly status: string; readonly failedAs: string | null } = { status: "done", failedAs: null }
    ) =>
      withLedger(store, (ledger, sql) =>
        Effect.gen(function* () {
          yield* mugRefunded(ledger)
          yield* sql.execute(
            `INSERT INTO shop_pushes (push_id, connector_id, seq, kind, idempotency_key, subject, order_id, group_key,
               payload, status, failed_as, attempts, next_attempt_ms, created_at_ms, updated_at_ms, done_at_ms)
             VALUES ('push-1', 'shopify-main', 1, 'refund', 'packbench-RET-01-R000001-decided', 'RET-01-R000001-01',
               'SO-100009', 'SO-100009/HAM1/RET-01-R000001', '{}', ?, ?, 1, ?, ?, ?, ?)`,
            [push.status, push.failedAs, NOW_MS, NOW_MS, NOW_MS, push.status === "done" ? NOW_MS + 1_000 : null]
          )
          yield* meanwhile(ledger)
          yield* ledger.applyDecided(
            decidedAt("RET-02", "RET-02-R000001"),
            unitDecided({ ...mug, returnId: "RET-02-R000001", amountCents: 1_290 }),
            NOW_MS
          )
          const statuses = yield* sql.query<{ item_ref: string; status: string; issued_at_ms: number | null }>(
            "SELECT item_ref, status, issued_at_ms FROM hub_refund_claims ORDER BY item_ref"
          )
          return {
            ...(yield* ledgerOutcome(sql)),
            statuses: statuses.map((row) => [row.item_ref, row.status, Number(row.issued_at_ms)])
          }
        })
      )

    /** The mug's claim kept as paid (when the shop's push was done), RET-02 refused, the shop asked to pay once. */
    const paidOnce = {
      claims: [["RET-01-R000001-01", "1", 1_290]],
      statuses: [["RET-01-R000001-01", "issued", NOW_MS + 1_000]],
      rejections: [["RET-02-R000001", "1", "duplicate-unit", "RET-01-R000001"]],
      parked: [],
      requests: [["RET-01-R000001-01", "1", 1_290]]
    }

    /** RET-01 voids the mug's return (`return.cancelled`). */
    const voidMugReturn = (ledger: ReturnType<typeof makeRefundLedger>) => {
      const voided = stationEvent("RET-01", 2, "return.cancelled", 1, "voided", {
        returnId: mug.returnId,
        corrects: null,
        orderId: mug.orderId,
        scanned: mug.orderId,
        itemCount: 1,
        reason: "scanned the wrong parcel"
      })
      return ledger.applyReturnCancelled(voided, voided.payload as typeof ReturnCancelled.payload.Type, NOW_MS)
    }

    it("keeps a voided return's claim whose refund the shop paid before its station said so: the unit is not refunded twice", async () => {
      const result = await paidBeforeItsStationSaidSo(voidMugReturn)
      // The shop is not told to withdraw what it paid, and not asked to pay the unit again.
      expect(result).toEqual(paidOnce)
    })

    it.each([
      ["sending", "sending", null],
      ["handed over on an answer the hub could not read", "failed", "malformed"]
    ])(
      "holds a voided return's claim whose refund the shop may have paid (its push %s), unissued: the real return of the unit is refused, and the shop is not told to withdraw it",
      async (_, status, failedAs) => {
        const result = await paidBeforeItsStationSaidSo(voidMugReturn, { status, failedAs })
        expect(result).toEqual({ ...paidOnce, statuses: [["RET-01-R000001-01", "requested", 0]] })
      }
    )

    /** RET-01's `return.refund-issued` of the mug, recorded at `wallMs` on the station's clock. */
    const mugIssued = (wallMs: number) => {
      const event = stationEvent("RET-01", 3, "return.refund-issued", 1, `issued-${wallMs}`, {
        orderId: mug.orderId,
        lineId: mug.lineId,
        unit: mug.unit,
        itemRef: `${mug.returnId}-01`,
        amountCents: 1_290,
        currency: "EUR",
        shopRefundId: "R-1"
      })
      return {
        event: { ...event, eventTime: { wallMs, monoNs: "0" } },
        issued: event.payload as ReturnRefundIssuedPayload
      }
    }

    it("keeps when a voided return's claim was paid through the shop's push: its station's late word of the refund moves nothing", async () => {
      const late = mugIssued(NOW_MS + 5_000)
      const result = await paidBeforeItsStationSaidSo((ledger) =>
        Effect.andThen(voidMugReturn(ledger), ledger.applyIssued(late.event, late.issued, NOW_MS + 10_000))
      )
      expect(result).toEqual(paidOnce)
    })

    it("records when the station says the refund was issued, not when the hub heard of it (never after the hub's now), and a later word moves nothing", async () => {
      const issuedAt = (words: ReadonlyArray<readonly [number, number]>) =>
        withLedger(store, (ledger, sql) =>
          Effect.gen(function* () {
            yield* mugRefunded(ledger)
            for (const [stationMs, hubMs] of words) {
              const word = mugIssued(stationMs)
              yield* ledger.applyIssued(word.event, word.issued, hubMs)
            }
            const rows = yield* sql.query<{ status: string; issued_at_ms: number }>(
              "SELECT status, issued_at_ms FROM hub_refund_claims"
            )
            return rows.map((row) => [row.status, Number(row.issued_at_ms)])
          })
        )
      // Heard of a minute late, and again (a manager had the refund sent again) later still.
      expect(
        await issuedAt([
          [NOW_MS - 60_000, NOW_MS],
          [NOW_MS + 1_000, NOW_MS + 5_000]
        ])
      ).toEqual([["issued", NOW_MS - 60_000]])
      // A station's clock a day ahead cannot put the refund in the hub's future.
      expect(await issuedAt([[NOW_MS + DAY, NOW_MS]])).toEqual([["issued", NOW_MS]])
    })

    it.each([
      ["no-refund", 0],
      ["refund-partial", 500]
    ] as const)(
      "keeps the claim of a unit the shop paid before its station said so when the unit is decided again (%s): the paid refund stands, and the unit is not refunded twice",
      async (outcome, amountCents) => {
        const result = await paidBeforeItsStationSaidSo((ledger) =>
          ledger.applyDecided(
            { id: "decided-again", siteId: "HAM1", stationId: "RET-01" } as EventEnvelope,
            { ...unitDecided({ ...mug, amountCents }), outcome, source: "manager-override" },
            NOW_MS
          )
        )
        expect(result).toEqual(paidOnce)
      }
    )
  })
