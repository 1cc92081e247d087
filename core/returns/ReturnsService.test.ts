import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { loadBrands } from "../../drivers/station/loadBrands.ts"
import { decisionsBeforeNoRefund, writeReturnsBeforeNoRefund } from "../../fixtures/returnsBeforeNoRefund.ts"
import { fixture, seededStation } from "../../fixtures/SeededStation.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { type ShippedItem, shipParcel as shipParcelAt } from "../../fixtures/shipParcel.ts"
import { apiErrorOf } from "../api/ApiError.ts"
import { EventLog } from "../events/EventLog.ts"
import type { Order, OrderLine } from "../orders/Order.ts"
import { registerOrderInbound } from "../orders/OrderInbound.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import { Session } from "../session/Session.ts"
import type { SessionError } from "../session/SessionError.ts"
import { Sql } from "../store/Sql.ts"
import type { Inbox, InboxContext } from "../sync/Inbox.ts"
import { StationClock } from "../time/Clock.ts"
import { RefundRuleSet } from "./RefundRules.ts"
import type { ReturnsError } from "./ReturnsError.ts"
import { duplicateUnitLinesUnknown, registerReturnsInbound } from "./ReturnsInbound.ts"
import { ReturnsService } from "./ReturnsService.ts"

const rules = Schema.decodeUnknownSync(RefundRuleSet)(fixture("refund-rules.json"))
const DAY = 86_400_000
const START_MS = 1_795_000_000_000

const brands = loadBrands(join(import.meta.dirname, "../../fixtures/data/brands"), "alpenglow")
const returnUrls = brands.brands.map((brand) => brand.returnUrl)

/** A station whose database `afterSeed` may change before the returns desk starts on it (what an older version left). */
const stationLayer = (filename: string, afterSeed?: Effect.Effect<unknown, unknown, Sql>) =>
  ReturnsService.layer({ rules, returnUrls }).pipe(
    Layer.provideMerge(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer))),
    Layer.provideMerge(
      seededStation({
        filename,
        clock: StationClock.manual(START_MS + 10 * DAY).layer,
        stationId: "RET-01",
        ...(afterSeed === undefined ? {} : { afterSeed })
      })
    )
  )

/**
 * Runs `effect` on the station database in `filename`, as one start of the station (a second call restarts it on the
 * same database); `afterSeed` changes the database before the desk starts on it.
 */
const runOn = <A, E>(
  filename: string,
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>,
  afterSeed?: Effect.Effect<unknown, unknown, Sql>
) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(stationLayer(filename, afterSeed))))).then((exit) => {
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    return exit.value
  })

const run = <A, E>(
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>,
  afterSeed?: Effect.Effect<unknown, unknown, Sql>
) => runOn(join(mkdtempSync(join(tmpdir(), "pb-ret-")), "station.db"), effect, afterSeed)

/** A parcel as the pack bench leaves it (see migration 0030), handed to the carrier `handedDaysAgo` days ago. */
const shipParcel = (
  orderId: string,
  parcelId: string,
  trackingNumber: string,
  items: ReadonlyArray<ShippedItem>,
  handedDaysAgo = 5,
  packedFor?: ReadonlyArray<OrderLine>
) =>
  shipParcelAt({
    orderId,
    parcelId,
    trackingNumber,
    items,
    handedAtMs: START_MS + 10 * DAY - handedDaysAgo * DAY,
    ...(packedFor === undefined ? {} : { packedFor })
  })

/** Stands in for the inbox: keeps the handlers and applies a message in a transaction, as the inbox does. */
const fakeInbox = () => {
  const handlers = new Map<
    string,
    { decode: (u: unknown) => unknown; handle: (p: unknown, c: InboxContext) => Effect.Effect<void, unknown> }
  >()
  const inbox = {
    register: (
      type: string,
      schema: Schema.Decoder<unknown>,
      handle: (p: unknown, c: InboxContext) => Effect.Effect<void, unknown>
    ) => Effect.sync(() => handlers.set(type, { decode: Schema.decodeUnknownSync(schema), handle }))
  } as unknown as Inbox["Service"]
  const deliver = (type: string, payload: unknown, stream: InboxContext["stream"] = "station") =>
    Effect.gen(function* () {
      const sql = yield* Sql
      const entry = handlers.get(type)!
      const context: InboxContext = {
        msgId: "m",
        seq: 1,
        stream,
        type,
        version: 1,
        sentAtMs: undefined,
        receivedAtMs: 0
      }
      return yield* Effect.exit(sql.transaction(entry.handle(entry.decode(payload), context)))
    })
  return { inbox, deliver }
}

const eventsOf = (type: string) =>
  Effect.gen(function* () {
    const log = yield* EventLog
    return (yield* log.read(0, 1000)).filter((event) => event.type === type)
  })

/** The wire code (the ApiError code) a failed call ended with. */
/** Grades every item of the open return not graded yet as new and sealed. */
const gradeAll = Effect.gen(function* () {
  const returns = yield* ReturnsService
  const view = yield* returns.state
  for (const item of view.current!.items.filter((i) => i.grade === null)) {
    yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
  }
})

const codeOf = (exit: Exit.Exit<unknown, ReturnsError | SessionError>) =>
  Exit.isFailure(exit)
    ? exit.cause.reasons.flatMap((reason) => (reason._tag === "Fail" ? [apiErrorOf(reason.error).code] : []))[0]
    : "ok"

const orderCode = (orderId: string) => {
  const encoded = encodePackbenchCode("order", orderId)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code
}

/** SO-100001's two mugs shipped and `count` of them taken back, graded new/sealed and decided, the inbox listening. */
const mugsDecided = (count: number) =>
  Effect.gen(function* () {
    const returns = yield* ReturnsService
    const { inbox, deliver } = fakeInbox()
    yield* registerReturnsInbound(inbox)
    yield* shipParcel("SO-100001", "P-1", "00340434000000000001", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 2 }])
    yield* (yield* Session).signIn("B-2001")
    yield* returns.scan({ raw: "00340434000000000001" })
    for (let scanned = 0; scanned < count; scanned++) yield* returns.scan({ raw: "4260123450014" })
    for (const item of (yield* returns.state).current!.items) {
      yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
    }
    return { returns, deliver, decided: yield* returns.decide({}) }
  })

const GPS_GTIN = "04260123450069"
const gs1Serial = (serial: string) => `01${GPS_GTIN}21${serial}`

/** SO-100003's one GPS (GPS-0001) shipped and taken into a first return by the clerk: that return's view. */
const gpsInFirstReturn = Effect.gen(function* () {
  const returns = yield* ReturnsService
  yield* shipParcel("SO-100003", "P-3", "00340434000000000003", [
    { lineId: "1", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" }
  ])
  yield* (yield* Session).signIn("B-2001")
  const first = yield* returns.scan({ raw: "00340434000000000003" })
  yield* returns.scan({ raw: gs1Serial("GPS-0001") })
  return first
})

describe("ReturnsService", () => {
  it("takes in a shipped parcel by tracking number, grades a mug and refunds it at once by the perfect-condition rule", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const { inbox, deliver } = fakeInbox()
        yield* registerReturnsInbound(inbox)
        yield* shipParcel("SO-100001", "P-1", "00340434000000000001", [
          { lineId: "1", sku: "ALP-MUG-01", quantity: 2 },
          { lineId: "2", sku: "ALP-SOCK-M", quantity: 1 }
        ])
        yield* deliver("return.registered", {
          rmaId: "R-77",
          orderId: "SO-100001",
          items: [{ sku: "ALP-MUG-01", quantity: 1, reason: "changed-mind" }]
        })
        yield* (yield* Session).signIn("B-2001")
        const received = yield* returns.scan({ raw: "00340434000000000001" })
        const scanned = yield* returns.scan({ raw: "4260123450014" })
        const itemRef = scanned.current!.items[0]!.itemRef
        yield* returns.grade({ itemRef, grade: "new-sealed" })
        const decided = yield* returns.decide({})
        const confirmed = yield* deliver("refund.confirmed", {
          orderId: "SO-100001",
          lineId: "1",
          unit: 1,
          shopRefundId: "RF-1"
        })
        const replayed = yield* deliver("refund.confirmed", {
          orderId: "SO-100001",
          lineId: "1",
          unit: 1,
          shopRefundId: "RF-1"
        })
        const finished = yield* returns.finish({})
        return {
          received,
          decided,
          finished,
          confirmed,
          replayed,
          receivedEvents: yield* eventsOf("return.received"),
          graded: yield* eventsOf("return.item-graded"),
          decisions: yield* eventsOf("return.refund-decided"),
          dispositions: yield* eventsOf("return.disposition-set"),
          issued: yield* eventsOf("return.refund-issued")
        }
      })
    )
    const current = result.received.current!
    expect(current).toMatchObject({ known: true, orderId: "SO-100001", parcelId: "P-1", currency: "EUR" })
    expect(current.shipped.map((s) => [s.lineId, s.sku, s.quantity])).toEqual([
      ["1", "ALP-MUG-01", 2],
      ["2", "ALP-SOCK-M", 1]
    ])
    expect(current.window).toMatchObject({ basis: "handover", days: 5, windowDays: 30, state: "open" })
    expect(current.declared).toEqual([{ sku: "ALP-MUG-01", quantity: 1, reason: "changed-mind" }])
    const item = result.decided.current!.items[0]!
    expect(item).toMatchObject({
      lineId: "1",
      unit: 1,
      sku: "ALP-MUG-01",
      flags: [],
      declaredReason: "changed-mind",
      grade: "new-sealed",
      disposition: "restock",
      decision: { outcome: "refund-full", amountCents: 1290, ruleId: "perfect-condition", status: "decided" }
    })
    expect(result.finished.current).toBeNull()
    expect(Exit.isSuccess(result.confirmed) && Exit.isSuccess(result.replayed)).toBe(true)
    expect(result.issued).toHaveLength(1)
    expect(result.issued[0]!.payload).toMatchObject({ orderId: "SO-100001", lineId: "1", unit: 1, amountCents: 1290 })
    expect(result.receivedEvents[0]!.epcis).toMatchObject({ bizStep: "receiving", disposition: "returned" })
    expect(result.graded[0]!.epcis).toMatchObject({
      bizStep: "inspecting",
      quantityList: [{ epcClass: "https://id.gs1.org/01/04260123450014", quantity: 1 }]
    })
    expect(result.graded[0]!.actor).toMatchObject({ role: "returns-clerk", badgeId: "B-2001" })
    expect(result.dispositions[0]!.epcis).toMatchObject({ bizStep: "stocking", disposition: "sellable_accessible" })
    expect(result.decisions[0]!.payload).toMatchObject({
      source: "rules",
      ruleId: "perfect-condition",
      amountCents: 1290
    })
  })

  it("refuses an RMA delivered in the future or on no date, which would keep the return window open or unknown", async () => {
    const result = await run(
      Effect.gen(function* () {
        const { inbox, deliver } = fakeInbox()
        yield* registerReturnsInbound(inbox)
        const rma = (rmaId: string, deliveredAt: string) =>
          deliver("return.registered", {
            rmaId,
            orderId: "SO-100001",
            items: [{ sku: "ALP-MUG-01", quantity: 1, reason: "changed-mind" }],
            deliveredAt
          })
        const future = yield* rma("R-1", new Date(START_MS + 400 * DAY).toISOString())
        const garbage = yield* rma("R-2", "soon")
        const past = yield* rma("R-3", new Date(START_MS + 8 * DAY).toISOString())
        const stored = yield* (yield* Sql).query<{ rma_id: string }>("SELECT rma_id FROM rma ORDER BY rma_id")
        const reasons = [future, garbage].map((exit) =>
          Exit.isFailure(exit)
            ? String(exit.cause.reasons.flatMap((r) => (r._tag === "Fail" ? [r.error] : []))[0])
            : "ok"
        )
        return { reasons, past: Exit.isSuccess(past), stored: stored.map((row) => row.rma_id) }
      })
    )
    expect(result.reasons).toEqual([
      expect.stringMatching(/^RMA R-1: deliveredAt .* is \d+ min ahead of this clock/),
      'RMA R-2: deliveredAt "soon" is not a date (ISO 8601, such as 2026-03-07T10:00:00Z)'
    ])
    expect(result.past).toBe(true)
    expect(result.stored).toEqual(["R-3"])
  })

  it("opens the right return from the insert's QR code (the brand's return page), for the order it names", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100001", "PACK-01-000001", "00340434000000000001", [
          { lineId: "1", sku: "ALP-MUG-01", quantity: 2 }
        ])
        yield* (yield* Session).signIn("B-2001")
        const opened = yield* returns.scan({
          raw: "https://returns.alpenglow.example/r/SO-100001?rma=PACK-01-000001\r\n"
        })
        const item = yield* returns.scan({ raw: "4260123450014" })
        return { opened, item, received: yield* eventsOf("return.received") }
      })
    )
    expect(result.opened.current).toMatchObject({ known: true, orderId: "SO-100001", parcelId: "PACK-01-000001" })
    expect(result.item.current!.items[0]).toMatchObject({ lineId: "1", unit: 1, flags: [] })
    expect(result.received.map((event) => event.payload)).toEqual([
      expect.objectContaining({ known: true, orderId: "SO-100001", parcelId: "PACK-01-000001" })
    ])
  })

  it("refuses a foreign web address, a broken return code and a code that names another order, recording nothing", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100001", "PACK-01-000001", "00340434000000000001", [
          { lineId: "1", sku: "ALP-MUG-01", quantity: 2 }
        ])
        yield* (yield* Session).signIn("B-2001")
        const attempts = [
          "https://shop.example/products/mug?ref=qr",
          "https://returns.alpenglow.example/r/SO-100001",
          "https://returns.alpenglow.example/r/SO-100002?rma=PACK-01-000001",
          `https://returns.alpenglow.example/r/SO-100001?rma=PACK-01-000001&x=${"y".repeat(300)}`
        ]
        const exits = []
        for (const raw of attempts) exits.push(yield* Effect.exit(returns.scan({ raw })))
        const messages = exits.map((exit) =>
          Exit.isFailure(exit)
            ? exit.cause.reasons.flatMap((reason) => (reason._tag === "Fail" ? [reason.error.message] : []))[0]
            : "ok"
        )
        return {
          codes: exits.map(codeOf),
          messages,
          state: yield* returns.state,
          received: yield* eventsOf("return.received")
        }
      })
    )
    expect(result.codes).toEqual([
      "return-url-foreign",
      "return-code-invalid",
      "return-code-mismatch",
      "return-code-invalid"
    ])
    expect(result.messages[0]).toMatch(/shop\.example is not a return page of this shop's brands/)
    expect(result.messages[1]).toMatch(/no "rma" parameter/)
    expect(result.messages[2]).toMatch(/belongs to order SO-100001, but the address names order SO-100002/)
    expect(result.messages[3]).toMatch(/at most 256/)
    expect(result.state.current).toBeNull()
    expect(result.received).toEqual([])
  })

  it("cancels a return opened by mistake with a correction event, leaving the received event as it was", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100001", "P-1", "00340434000000000001", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 1 }])
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: "SOMETHING-ELSE" })
        const graded = yield* returns.scan({ raw: "4260123450014" })
        const before = yield* eventsOf("return.received")
        const cancelled = yield* returns.cancel({ reason: "  scanned the pick list, not the parcel " })
        const blank = yield* Effect.exit(returns.cancel({ reason: "   " }))
        const nothingOpen = yield* Effect.exit(returns.cancel({ reason: "again" }))
        // The right parcel now: its unit is free, as the cancelled return held none.
        const reopened = yield* returns.scan({ raw: "00340434000000000001" })
        const item = yield* returns.scan({ raw: "4260123450014" })
        yield* returns.grade({ itemRef: item.current!.items[0]!.itemRef, grade: "new-sealed" })
        yield* returns.decide({})
        const decided = yield* Effect.exit(returns.cancel({ reason: "changed my mind" }))
        const sql = yield* Sql
        return {
          graded,
          before,
          cancelled,
          blank: codeOf(blank),
          nothingOpen: codeOf(nothingOpen),
          reopened,
          item,
          decided: codeOf(decided),
          after: yield* eventsOf("return.received"),
          corrections: yield* eventsOf("return.cancelled"),
          rows: yield* sql.query<{ return_id: string; status: string }>(
            "SELECT return_id, status FROM returns ORDER BY rowid"
          )
        }
      })
    )
    const wrongId = result.graded.current!.returnId
    expect(result.cancelled.current).toBeNull()
    expect([result.blank, result.nothingOpen, result.decided]).toEqual([
      "reason-required",
      "no-open-return",
      "return-refund-decided"
    ])
    expect(result.after.slice(0, 1)).toEqual(result.before)
    expect(result.corrections).toHaveLength(1)
    expect(result.corrections[0]!.payload).toEqual({
      returnId: wrongId,
      corrects: result.before[0]!.id,
      orderId: null,
      scanned: "SOMETHING-ELSE",
      itemCount: 1,
      reason: "scanned the pick list, not the parcel"
    })
    expect(result.corrections[0]!.actor).toMatchObject({ role: "returns-clerk", badgeId: "B-2001" })
    expect(result.reopened.current).toMatchObject({ known: true, orderId: "SO-100001" })
    expect(result.item.current!.items[0]).toMatchObject({ unit: 1, flags: [] })
    expect(result.rows.map((row) => row.status)).toEqual(["cancelled", "open"])
  })

  it("takes the shop connector's refund.failed and a later refund.issued by item, each once", async () => {
    const result = await run(
      Effect.gen(function* () {
        const { deliver, decided } = yield* mugsDecided(1)
        const itemRef = decided.current!.items[0]!.itemRef
        const unit = { orderId: "SO-100001", lineId: "1", unit: 1, itemRef }
        const failed = yield* deliver("refund.failed", { ...unit, reason: "card expired" })
        const failedAgain = yield* deliver("refund.failed", { ...unit, reason: "card expired" })
        const wrongLine = yield* deliver("refund.issued", {
          ...unit,
          lineId: "2",
          shopRefundId: "gid://shopify/Refund/1",
          amountCents: 1290,
          currency: "EUR"
        })
        const issued = { ...unit, shopRefundId: "gid://shopify/Refund/1", amountCents: 99_999, currency: "EUR" }
        const paid = yield* deliver("refund.issued", issued)
        const replayed = yield* deliver("refund.issued", issued)
        const lateFailure = yield* deliver("refund.failed", { ...unit, reason: "too late" })
        return {
          exits: [failed, failedAgain, wrongLine, paid, replayed, lateFailure].map(Exit.isSuccess),
          failedEvents: yield* eventsOf("return.refund-failed"),
          issuedEvents: yield* eventsOf("return.refund-issued")
        }
      })
    )
    expect(result.exits).toEqual([true, true, false, true, true, true])
    expect(result.failedEvents.map((event) => event.payload)).toEqual([
      expect.objectContaining({ itemRef: expect.any(String), reason: "card expired" })
    ])
    // Never more than the station decided, whatever the message says.
    expect(result.issuedEvents.map((event) => event.payload)).toEqual([
      expect.objectContaining({ amountCents: 1290, shopRefundId: "gid://shopify/Refund/1" })
    ])
  })

  it("takes a refund's rejection from the hub's stream only: one on the shop's streams is no hub's word", async () => {
    const result = await run(
      Effect.gen(function* () {
        const { returns, deliver, decided } = yield* mugsDecided(1)
        const rejection = {
          orderId: "SO-100001",
          lineId: "1",
          unit: 1,
          itemRef: decided.current!.items[0]!.itemRef,
          returnId: decided.current!.returnId,
          reason: "duplicate-unit",
          otherReturnId: "RET-09-R000001",
          otherStationId: "RET-09",
          otherStatus: "issued",
          linesKnown: true
        }
        // The shop side may publish on a station's inbox and on its site's, never on the hub's (core/sync/BrokerRoles).
        const forged = [
          yield* deliver("refund.rejected", rejection, "station"),
          yield* deliver("refund.rejected", rejection, "site")
        ]
        const afterForged = {
          status: (yield* returns.state).current!.items[0]!.decision!.status,
          events: (yield* eventsOf("return.refund-rejected")).length
        }
        const real = yield* deliver("refund.rejected", rejection, "hub")
        return {
          forged: forged.map((exit) => (Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : "applied")),
          afterForged,
          real: real._tag,
          afterReal: (yield* returns.state).current!.items[0]!.decision!.status,
          events: (yield* eventsOf("return.refund-rejected")).length
        }
      })
    )
    expect(result.forged).toEqual([
      expect.stringContaining("refund.rejected comes from the hub's stream only (inbox/hub/…), not the station stream"),
      expect.stringContaining("refund.rejected comes from the hub's stream only (inbox/hub/…), not the site stream")
    ])
    expect(result.afterForged).toEqual({ status: "decided", events: 0 })
    expect(result.real).toBe("Success")
    expect(result.afterReal).toBe("rejected-duplicate")
    expect(result.events).toBe(1)
  })

  it("words a duplicate-unit rejection the hub could not tell from one across a renumbering as either, honestly", async () => {
    const result = await run(
      Effect.gen(function* () {
        const { returns, deliver, decided: scanned } = yield* mugsDecided(2)
        const rejected = (itemRef: string, unit: number, linesKnown?: boolean) =>
          deliver(
            "refund.rejected",
            {
              orderId: "SO-100001",
              lineId: "1",
              unit,
              itemRef,
              returnId: scanned.current!.returnId,
              reason: "duplicate-unit",
              otherReturnId: "RET-09-R000001",
              otherStationId: "RET-09",
              otherStatus: "requested",
              ...(linesKnown === undefined ? {} : { linesKnown })
            },
            "hub"
          )
        const [unknown, known] = scanned.current!.items
        const applied = [yield* rejected(unknown!.itemRef, 1), yield* rejected(known!.itemRef, 2, true)]
        return { applied, view: yield* returns.state }
      })
    )
    expect(result.applied.map((exit) => exit._tag)).toEqual(["Success", "Success"])
    const [unknown, known] = result.view.current!.items.map((item) => item.decision!.rejection!.reason)
    // From a hub before 70's lines, or against a claim it made before them: it may be under the other numbering.
    expect(unknown).toEqual(duplicateUnitLinesUnknown("RET-09-R000001", "RET-09"))
    expect(unknown!.en).toContain("on this line or, if the shop numbered the order's lines anew, under the other")
    expect(unknown!.de).toContain("konnte der Hub nicht erkennen")
    expect(known!.en).toBe("No refund: this unit was already requested for refund in return RET-09-R000001 (RET-09)")
  })

  it("takes an unknown parcel in with a note and holds whatever is in it", async () => {
    const view = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: "RETURN-WITHOUT-LABEL" })
        const scanned = yield* returns.scan({ raw: "4260123450014" })
        yield* returns.grade({ itemRef: scanned.current!.items[0]!.itemRef, grade: "opened-like-new" })
        return yield* returns.decide({})
      })
    )
    const current = view.current!
    expect(current).toMatchObject({ known: false, orderId: null, window: { state: "unknown" } })
    expect(current.notes).toEqual([{ kind: "no-order", scanned: "RETURN-WITHOUT-LABEL", scanKind: "unknown" }])
    expect(current.items[0]!.decision).toMatchObject({ outcome: "hold-for-review", amountCents: 0, status: null })
  })

  it("flags an item that is not in the order and a serial that was not shipped, and holds both", async () => {
    const view = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100003", "P-3", "00340434000000000003", [
          { lineId: "1", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" }
        ])
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: orderCode("SO-100003") })
        yield* returns.scan({ raw: "4260123450083" })
        const scanned = yield* returns.scan({ raw: gs1Serial("GPS-9999") })
        for (const item of scanned.current!.items) yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
        return yield* returns.decide({})
      })
    )
    const [map, gps] = view.current!.items
    expect(map).toMatchObject({
      sku: "ALP-MAP-DE",
      flags: ["not-in-order"],
      lineId: null,
      decision: { outcome: "hold-for-review" }
    })
    expect(gps).toMatchObject({ sku: "ALP-GPS-X1", serial: "GPS-9999", flags: ["serial-mismatch"], lineId: "1" })
    expect(gps!.decision).toMatchObject({ outcome: "hold-for-review", amountCents: 0, status: "held" })
  })

  it("names an item an older version stored beyond today's bounds, with its fields, rather than an unknown one, and holds it", async () => {
    // As a version before the catalog's bounds stored what the shop sent: not used, as it would be refused arriving now.
    const storedByAnOlderVersion = Effect.gen(function* () {
      const sql = yield* Sql
      const [row] = yield* sql.query<{ data: string }>("SELECT data FROM catalog_items WHERE sku = 'ALP-MUG-01'")
      const stored = { ...JSON.parse(row!.data), weightGrams: Number.MAX_SAFE_INTEGER, binHint: "B".repeat(5_000) }
      yield* sql.execute("UPDATE catalog_items SET data = ? WHERE sku = 'ALP-MUG-01'", [JSON.stringify(stored)])
    })
    const view = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100001", "P-1", "00340434000000000001", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 2 }])
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: "00340434000000000001" })
        const scanned = yield* returns.scan({ raw: "4260123450014" })
        yield* returns.grade({ itemRef: scanned.current!.items[0]!.itemRef, grade: "new-sealed" })
        return yield* returns.decide({})
      }),
      storedByAnOlderVersion
    )
    expect(view.current!.items[0]).toMatchObject({
      sku: null,
      name: null,
      gtin: "04260123450014",
      flags: ["unknown-item"],
      beyondBounds: { sku: "ALP-MUG-01", fields: ["weightGrams", "binHint"] },
      decision: { outcome: "hold-for-review", amountCents: 0 }
    })
  })

  it("refuses a second refund for the same serialised unit, and holds a unit beyond the quantity shipped", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100003", "P-3", "00340434000000000003", [
          { lineId: "1", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" }
        ])
        yield* shipParcel("SO-100009", "P-9", "00340434000000000009", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 1 }])
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: "00340434000000000003" })
        yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* gradeAll
        const first = yield* returns.decide({})
        yield* returns.finish({})
        yield* returns.scan({ raw: "00340434000000000003" })
        yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* gradeAll
        const second = yield* Effect.exit(returns.decide({}))
        const sql = yield* Sql
        yield* sql.execute("UPDATE returns SET status = 'finished'")
        yield* returns.scan({ raw: "00340434000000000009" })
        yield* returns.scan({ raw: "4260123450014" })
        yield* returns.scan({ raw: "4260123450014" })
        yield* gradeAll
        const mugs = yield* returns.decide({})
        const refunds = yield* sql.query("SELECT order_id, line_id, unit, amount_cents FROM refunds ORDER BY rowid")
        return { first, second, mugs, refunds }
      })
    )
    expect(result.first.current!.items[0]!.decision).toMatchObject({ outcome: "refund-full", amountCents: 7900 })
    expect(result.second).toMatchObject({ _tag: "Failure" })
    expect(codeOf(result.second)).toBe("already-refunded")
    const [mug, extra] = result.mugs.current!.items
    expect(mug).toMatchObject({ unit: 1, decision: { outcome: "refund-full", amountCents: 1290 } })
    expect(extra).toMatchObject({
      unit: null,
      flags: ["more-than-shipped"],
      decision: { outcome: "hold-for-review", status: null }
    })
    expect(result.refunds).toEqual([
      { order_id: "SO-100003", line_id: "1", unit: 1, amount_cents: 7900 },
      { order_id: "SO-100009", line_id: "1", unit: 1, amount_cents: 1290 }
    ])
  })

  it("tells the clerk at the scan that a serial is in another return of the order, after a restart too, and refuses its second refund; a cancelled return holds it no more", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-ret-")), "station.db")
    const opened = await runOn(
      filename,
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const { inbox, deliver } = fakeInbox()
        yield* registerReturnsInbound(inbox)
        yield* shipParcel("SO-100003", "P-3", "00340434000000000003", [
          { lineId: "1", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" }
        ])
        yield* deliver("return.registered", {
          rmaId: "RMA-3",
          orderId: "SO-100003",
          items: [{ sku: "ALP-GPS-X1", quantity: 1, reason: "defective" }],
          returnTrackingNumber: "RT-0003"
        })
        yield* (yield* Session).signIn("B-2001")
        // Opened by mistake with the GPS in it and taken back: the GPS is free for the right return.
        yield* returns.scan({ raw: "00340434000000000003" })
        yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* returns.cancel({ reason: "wrong parcel" })
        yield* returns.scan({ raw: "RT-0003" })
        const free = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* returns.grade({ itemRef: free.current!.items[0]!.itemRef, grade: "new-sealed" })
        yield* returns.decide({})
        yield* returns.finish({})
        // The same GPS again, in a second parcel of the order.
        yield* returns.scan({ raw: "00340434000000000003" })
        const again = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        return { free, again }
      })
    )
    // The station restarts before the clerk grades it.
    const restarted = await runOn(
      filename,
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        yield* (yield* Session).signIn("B-2001")
        const view = yield* returns.state
        const itemRef = view.current!.items[0]!.itemRef
        yield* returns.grade({ itemRef, grade: "new-sealed" })
        const decided = yield* Effect.exit(returns.decide({}))
        const refunds = yield* sql.query("SELECT item_ref, line_id, unit FROM refunds ORDER BY rowid")
        return { view, decided, refunds }
      })
    )
    const holder = opened.free.current!
    expect(holder.rmaId).toBe("RMA-3")
    expect(holder.items[0]!.sameUnitIn).toBeUndefined()
    const sameUnit = {
      returnId: holder.returnId,
      rmaId: "RMA-3",
      itemRef: holder.items[0]!.itemRef,
      lineId: "1",
      unit: 1,
      formerLine: false,
      returnStatus: "finished",
      decided: true,
      refundStatus: "decided"
    }
    expect(opened.again.current!.items[0]).toMatchObject({ serial: "GPS-0001", sameUnitIn: [sameUnit] })
    expect(restarted.view.current!.items[0]!.sameUnitIn).toEqual([sameUnit])
    expect(codeOf(restarted.decided)).toBe("already-refunded")
    const message = Exit.isFailure(restarted.decided) ? String(restarted.decided.cause) : ""
    expect(message).toContain(holder.returnId)
    expect(message).toContain("RMA-3")
    expect(message).toContain("GPS-0001")
    expect(restarted.refunds).toEqual([{ item_ref: holder.items[0]!.itemRef, line_id: "1", unit: 1 }])
  })

  it("holds for review a serial another return of the order holds undecided, naming that return", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const first = yield* gpsInFirstReturn
        // The desk works on one return at a time; a return left undecided (as the database may hold one) stays open.
        yield* sql.execute("UPDATE returns SET received_at_ms = received_at_ms - 1000")
        yield* sql.execute("UPDATE returns SET status = 'finished'")
        yield* returns.scan({ raw: "00340434000000000003" })
        const again = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* sql.execute("UPDATE returns SET status = 'open' WHERE return_id = ?", [first.current!.returnId])
        const itemRef = again.current!.items[0]!.itemRef
        yield* returns.grade({ itemRef, grade: "new-sealed" })
        const decided = yield* returns.decide({})
        return { first: first.current!.returnId, again, decided }
      })
    )
    expect(result.again.current!.items[0]!.sameUnitIn).toMatchObject([
      { returnId: result.first, returnStatus: "finished", refundStatus: null }
    ])
    const item = result.decided.current!.items[0]!
    expect(item).toMatchObject({ decision: { outcome: "hold-for-review", amountCents: 0, status: "held" } })
    expect(item.sameUnitIn).toMatchObject([{ returnId: result.first, returnStatus: "open", refundStatus: null }])
    expect(item.decision!.reason.en).toContain(result.first)
    expect(item.decision!.reason.de).toContain(result.first)
  })

  it("lets only a manager approve a held refund, keeping who, when and why", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const session = yield* Session
        yield* shipParcel("SO-100002", "P-2", "00340434000000000002", [
          { lineId: "1", sku: "ALP-BTL-05", quantity: 1 },
          { lineId: "2", sku: "ALP-HL-200", quantity: 1 }
        ])
        yield* session.signIn("B-2001")
        yield* returns.scan({ raw: "00340434000000000002" })
        const scanned = yield* returns.scan({ raw: "4260123450021" })
        const itemRef = scanned.current!.items[0]!.itemRef
        yield* returns.grade({ itemRef, grade: "damaged" })
        const held = yield* returns.decide({})
        const byClerk = yield* Effect.exit(returns.approve({ itemRef, reason: "customer is right" }))
        const unexplained = yield* Effect.exit(returns.setDisposition({ itemRef, disposition: "dispose" }))
        yield* returns.setDisposition({ itemRef, disposition: "dispose", reason: "dented beyond repair" })
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const approved = yield* returns.approve({ itemRef, reason: "photos show transport damage" })
        const overridden = yield* returns.override({
          itemRef,
          outcome: "refund-partial",
          amountCents: 99_999,
          reason: "goodwill"
        })
        const sample = fixture("refund-rules.json") as { readonly rules: ReadonlyArray<unknown> }
        const preview = yield* returns.previewRules({ ...sample, rules: sample.rules.slice(-1) })
        const badPreview = yield* Effect.exit(returns.previewRules({ version: 1, returnWindowDays: 30, rules: [] }))
        return { held, byClerk, unexplained, approved, overridden, preview, badPreview }
      })
    )
    expect(result.held.current!.items[0]!.decision).toMatchObject({
      outcome: "hold-for-review",
      ruleId: "damaged-by-customer",
      status: "held"
    })
    expect(codeOf(result.byClerk)).toBe("role-required")
    expect(codeOf(result.unexplained)).toBe("reason-required")
    const approved = result.approved.current!.items[0]!
    expect(approved.disposition).toBe("dispose")
    expect(approved.decision).toMatchObject({
      outcome: "refund-full",
      amountCents: 1990,
      status: "approved",
      signOff: { badgeId: "B-9001", name: "Katrin Vogel", kind: "approval", reason: "photos show transport damage" }
    })
    expect(result.overridden.current!.items[0]!.decision).toMatchObject({
      outcome: "refund-partial",
      amountCents: 1990
    })
    expect(result.preview).toEqual({
      evaluated: 1,
      rules: [
        {
          ruleId: "default-hold",
          matched: [{ returnId: "RET-01-R000001", itemRef: "RET-01-R000001-01", decidedBy: "damaged-by-customer" }]
        }
      ]
    })
    expect(codeOf(result.badPreview)).toBe("rules-invalid")
  })

  it("counts a customer's earlier returns as far back as a rule's withinDays, beyond a year", async () => {
    const twoYears = {
      ...rules,
      rules: [
        {
          id: "returned-within-two-years",
          description: {
            de: "Retoure in den letzten zwei Jahren: Prüfung",
            en: "A return in the last two years: review"
          },
          conditions: { customerHistory: { withinDays: 730, returnsCount: { min: 1 } } },
          outcome: { kind: "hold-for-review", disposition: "restock" }
        },
        ...rules.rules
      ]
    }
    const decidedWith = (earlierDaysAgo: number) =>
      run(
        Effect.gen(function* () {
          const returns = yield* ReturnsService
          yield* returns.installRules(twoYears)
          // Anna Schmidt's (C-1001) return of another order, received `earlierDaysAgo` days before this one.
          yield* (yield* Sql).execute(
            `INSERT INTO returns (return_id, status, order_id, customer_id, scanned, notes, received_at_ms, finished_at_ms)
             VALUES ('RET-01-R000077', 'finished', 'SO-099999', 'C-1001', '00340434000000000077', '', ?, ?)`,
            [START_MS + 10 * DAY - earlierDaysAgo * DAY, START_MS + 10 * DAY - earlierDaysAgo * DAY]
          )
          yield* shipParcel("SO-100001", "P-1", "00340434000000000001", [
            { lineId: "1", sku: "ALP-MUG-01", quantity: 2 }
          ])
          yield* (yield* Session).signIn("B-2001")
          yield* returns.scan({ raw: "00340434000000000001" })
          const scanned = yield* returns.scan({ raw: "4260123450014" })
          yield* returns.grade({ itemRef: scanned.current!.items[0]!.itemRef, grade: "new-sealed" })
          return (yield* returns.decide({})).current!.items[0]!.decision
        })
      )
    expect(await decidedWith(500)).toMatchObject({ outcome: "hold-for-review", ruleId: "returned-within-two-years" })
    expect(await decidedWith(731)).toMatchObject({ outcome: "refund-full", ruleId: "perfect-condition" })
  })

  it("holds every unit for review on installed rules an older version stored beyond today's bounds, until new ones come", async () => {
    // As a version before the bounds stored a rules.update it accepted: a century's return window, a fee of 1e308.
    const beyondBounds = {
      ...rules,
      returnWindowDays: 36_500,
      rules: rules.rules.map((rule) =>
        rule.id === "signs-of-use-fee"
          ? { ...rule, outcome: { kind: "refund-partial", fee: { fixed: 1e308 }, disposition: "refurbish" } }
          : rule
      )
    }
    const storedByAnOlderVersion = Effect.gen(function* () {
      yield* (yield* Sql).execute("INSERT INTO station_meta (key, value) VALUES ('refund_rules', ?)", [
        JSON.stringify(beyondBounds)
      ])
    })
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        yield* shipParcel("SO-100001", "P-1", "00340434000000000001", [{ lineId: "1", sku: "ALP-MUG-01", quantity: 2 }])
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: "00340434000000000001" })
        const first = yield* returns.scan({ raw: "4260123450014" })
        yield* returns.grade({ itemRef: first.current!.items[0]!.itemRef, grade: "new-sealed" })
        const held = yield* returns.decide({})
        const active = yield* returns.rules
        yield* returns.installRules({ ...rules, returnWindowDays: 14 })
        const second = yield* returns.scan({ raw: "4260123450014" })
        yield* returns.grade({ itemRef: second.current!.items[1]!.itemRef, grade: "new-sealed" })
        return { held, active, refunded: yield* returns.decide({}) }
      }),
      storedByAnOlderVersion
    )
    expect(result.held.current!.items[0]!.decision).toMatchObject({
      outcome: "hold-for-review",
      amountCents: 0,
      ruleId: "installed-rules-unusable",
      status: "held"
    })
    expect(result.held.current!.window).toMatchObject({ windowDays: 30 })
    // What rules.active answers with is itself within the bounds, so the Manager screen can show why.
    expect(Schema.decodeUnknownSync(RefundRuleSet)(result.active).rules.map((rule) => rule.id)).toEqual([
      "installed-rules-unusable"
    ])
    expect(result.refunded.current!.items[1]!.decision).toMatchObject({
      outcome: "refund-full",
      ruleId: "perfect-condition"
    })
  })
})

describe("a return of a parcel shipped before the shop numbered its order's lines anew", () => {
  const sampleOrder = (orderId: string) => (fixture("orders.json") as Array<Order>).find((o) => o.orderId === orderId)!
  /** `orderId` as the shop sends it at `version` after an edit that numbered its lines anew, as `lines` says. */
  const renumbered = (
    orderId: string,
    version: number,
    lines: ReadonlyArray<{ readonly lineId: string; readonly sku: string; readonly quantity: number }>
  ) => {
    const order = sampleOrder(orderId)
    return {
      ...order,
      version,
      lines: lines.map((line) => ({
        ...line,
        unitPrice: order.lines.find((known) => known.sku === line.sku)!.unitPrice
      }))
    }
  }

  /**
   * SO-100003's GPS-0001 shipped on the order's first lines, the shop's order messages taken (the bench is elsewhere:
   * no order is open on it at this station), a clerk signed in.
   */
  const gpsShipped = Effect.gen(function* () {
    const { inbox, deliver } = fakeInbox()
    yield* registerOrderInbound(inbox, { isOpen: () => Effect.succeed(false), interrupt: () => Effect.void })
    yield* shipParcel(
      "SO-100003",
      "P-3",
      "00340434000000000003",
      [{ lineId: "1", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" }],
      5,
      sampleOrder("SO-100003").lines
    )
    yield* (yield* Session).signIn("B-2001")
    return deliver
  })

  it("grades and refunds each unit against the line of the order as the shop has it now", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const deliver = yield* gpsShipped
        yield* shipParcel(
          "SO-100001",
          "P-1",
          "00340434000000000001",
          [
            { lineId: "1", sku: "ALP-MUG-01", quantity: 2 },
            { lineId: "2", sku: "ALP-SOCK-M", quantity: 1 }
          ],
          5,
          sampleOrder("SO-100001").lines
        )
        const applied = [
          yield* deliver(
            "order.upsert",
            renumbered("SO-100003", 2, [{ lineId: "gps-7c", sku: "ALP-GPS-X1", quantity: 1 }])
          ),
          yield* deliver(
            "order.upsert",
            renumbered("SO-100001", 2, [
              { lineId: "mug-a", sku: "ALP-MUG-01", quantity: 1 },
              { lineId: "sock-b", sku: "ALP-SOCK-M", quantity: 1 },
              { lineId: "mug-c", sku: "ALP-MUG-01", quantity: 1 }
            ])
          )
        ]
        yield* returns.scan({ raw: "00340434000000000003" })
        yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* gradeAll
        const gps = yield* returns.decide({})
        yield* returns.finish({})
        yield* returns.scan({ raw: "00340434000000000001" })
        yield* returns.scan({ raw: "4260123450014" })
        yield* returns.scan({ raw: "4260123450014" })
        yield* gradeAll
        const mugs = yield* returns.decide({})
        const refunds = yield* sql.query("SELECT order_id, line_id, unit, amount_cents FROM refunds ORDER BY rowid")
        return { applied, gps, mugs, refunds, decided: yield* eventsOf("return.refund-decided") }
      })
    )
    expect(result.applied.map((exit) => exit._tag)).toEqual(["Success", "Success"])
    expect(result.gps.current!.items).toMatchObject([
      {
        serial: "GPS-0001",
        lineId: "gps-7c",
        unit: 1,
        flags: [],
        decision: { outcome: "refund-full", amountCents: 7900 }
      }
    ])
    expect(result.mugs.current!.items).toMatchObject([
      { lineId: "mug-a", unit: 1, flags: [], decision: { outcome: "refund-full", amountCents: 1290 } },
      { lineId: "mug-c", unit: 1, flags: [], decision: { outcome: "refund-full", amountCents: 1290 } }
    ])
    expect(result.refunds).toEqual([
      { order_id: "SO-100003", line_id: "gps-7c", unit: 1, amount_cents: 7900 },
      { order_id: "SO-100001", line_id: "mug-a", unit: 1, amount_cents: 1290 },
      { order_id: "SO-100001", line_id: "mug-c", unit: 1, amount_cents: 1290 }
    ])
    // What the shop hears: the refunds name the lines of its order as it is now.
    expect(result.decided.map((event) => (event.payload as { lineId: string }).lineId)).toEqual([
      "gps-7c",
      "mug-a",
      "mug-c"
    ])
  })

  it("refuses a second refund of a serial refunded on the order's former line, naming that line and return, from the scan on", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const deliver = yield* gpsShipped
        const takeIn = Effect.gen(function* () {
          yield* returns.scan({ raw: "00340434000000000003" })
          const scanned = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
          for (const item of scanned.current!.items.filter((i) => i.grade === null)) {
            yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
          }
          return scanned
        })
        yield* takeIn
        const first = yield* returns.decide({})
        yield* returns.finish({})
        // The shop edits the order after the refund and gives its line a new id; the same GPS comes in again.
        const applied = yield* deliver(
          "order.upsert",
          renumbered("SO-100003", 2, [{ lineId: "gps-7c", sku: "ALP-GPS-X1", quantity: 1 }])
        )
        const scanned = yield* takeIn
        const again = yield* Effect.exit(returns.decide({}))
        const refunds = yield* sql.query("SELECT line_id, unit, amount_cents FROM refunds ORDER BY rowid")
        return { first, applied, scanned, again, refunds }
      })
    )
    expect(result.applied._tag).toBe("Success")
    const holder = result.first.current!
    expect(holder.items).toMatchObject([
      { lineId: "1", unit: 1, decision: { outcome: "refund-full", amountCents: 7900 } }
    ])
    // Matched to the line as the shop has it now, where no refund is recorded; the scan already names the refund.
    expect(result.scanned.current!.items[0]).toMatchObject({
      lineId: "gps-7c",
      unit: 1,
      sameUnitIn: [
        {
          returnId: holder.returnId,
          itemRef: holder.items[0]!.itemRef,
          lineId: "1",
          unit: 1,
          formerLine: true,
          refundStatus: "decided"
        }
      ]
    })
    // Refused as on the same line: the serial is the unit refunded, whatever its line is called now.
    expect(codeOf(result.again)).toBe("already-refunded")
    const message = Exit.isFailure(result.again) ? String(result.again.cause) : ""
    expect(message).toContain("GPS-0001")
    expect(message).toContain(holder.returnId)
    expect(message).toContain("line 1")
    expect(message).toContain("numbered its lines anew")
    expect(result.refunds).toEqual([{ line_id: "1", unit: 1, amount_cents: 7900 }])
  })

  it("refuses to decide a return holding one serial twice, scanned before the shop numbered the lines anew and after", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const deliver = yield* gpsShipped
        yield* returns.scan({ raw: "00340434000000000003" })
        yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        // The shop edits the order while the return is open; the clerk scans the same GPS a second time.
        const applied = yield* deliver(
          "order.upsert",
          renumbered("SO-100003", 2, [{ lineId: "gps-7c", sku: "ALP-GPS-X1", quantity: 1 }])
        )
        const scanned = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        for (const item of scanned.current!.items) {
          yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
        }
        const decided = yield* Effect.exit(returns.decide({}))
        const refunds = yield* sql.query("SELECT line_id, unit, amount_cents FROM refunds")
        // The clerk cancels the return and takes the parcel in again, with the GPS once.
        yield* returns.cancel({ reason: "scanned the GPS twice" })
        yield* returns.scan({ raw: "00340434000000000003" })
        const again = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* returns.grade({ itemRef: again.current!.items[0]!.itemRef, grade: "new-sealed" })
        const once = yield* returns.decide({})
        return { applied, scanned, decided, refunds, once, decisions: yield* eventsOf("return.refund-decided") }
      })
    )
    expect(result.applied._tag).toBe("Success")
    expect(result.scanned.current!.items.map((item) => [item.serial, item.lineId, item.unit])).toEqual([
      ["GPS-0001", "1", 1],
      ["GPS-0001", "gps-7c", 1]
    ])
    // Refused like the same serial twice on one line: one unit is never decided twice, whatever its line.
    expect(codeOf(result.decided)).toBe("serial-twice")
    const message = Exit.isFailure(result.decided) ? String(result.decided.cause) : ""
    expect(message).toContain("GPS-0001")
    expect(message).toContain("gps-7c")
    expect(result.refunds).toEqual([])
    expect(result.once.current!.items).toMatchObject([
      { lineId: "gps-7c", unit: 1, decision: { outcome: "refund-full", amountCents: 7900 } }
    ])
    expect(result.decisions).toHaveLength(1)
  })

  it("lets the rules decide a serialised unit other than the one refunded on a former line, until the order's quantity is used up", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const deliver = yield* gpsShipped
        const takeIn = (tracking: string, serial: string) =>
          Effect.gen(function* () {
            yield* returns.scan({ raw: tracking })
            const scanned = yield* returns.scan({ raw: gs1Serial(serial) })
            for (const item of scanned.current!.items.filter((i) => i.grade === null)) {
              yield* returns.grade({ itemRef: item.itemRef, grade: "new-sealed" })
            }
            const decided = yield* returns.decide({})
            yield* returns.finish({})
            return decided.current!.items[0]!
          })
        yield* takeIn("00340434000000000003", "GPS-0001")
        // The customer orders a second GPS; the shop numbers the lines anew and the second goes out in its own parcel.
        const twoGps = renumbered("SO-100003", 2, [{ lineId: "gps-7c", sku: "ALP-GPS-X1", quantity: 2 }])
        const applied = yield* deliver("order.upsert", { ...twoGps, payment: { ...twoGps.payment, total: 158 } })
        for (const [parcelId, tracking, serial] of [
          ["P-3B", "00340434000000000033", "GPS-0002"],
          ["P-3C", "00340434000000000034", "GPS-0003"]
        ] as const) {
          const items = [{ lineId: "gps-7c", sku: "ALP-GPS-X1", quantity: 1, serial }]
          yield* shipParcel("SO-100003", parcelId, tracking, items, 5, twoGps.lines)
        }
        const second = yield* takeIn("00340434000000000033", "GPS-0002")
        // A third GPS of an order of two: the order's GPS are both refunded, so it waits for a person.
        const third = yield* takeIn("00340434000000000034", "GPS-0003")
        const refunds = yield* sql.query("SELECT line_id, unit, amount_cents, status FROM refunds ORDER BY rowid")
        return { applied, second, third, refunds }
      })
    )
    expect(result.applied._tag).toBe("Success")
    // Another physical unit than the one refunded under line 1: not a duplicate, the rules decide it.
    expect(result.second).toMatchObject({
      serial: "GPS-0002",
      lineId: "gps-7c",
      flags: [],
      decision: { outcome: "refund-full", amountCents: 7900, status: "decided" }
    })
    expect(result.second.decision!.ruleId).not.toBeNull()
    expect(result.third).toMatchObject({
      serial: "GPS-0003",
      decision: { outcome: "hold-for-review", amountCents: 0, status: "held" }
    })
    expect(result.refunds).toEqual([
      { line_id: "1", unit: 1, amount_cents: 7900, status: "decided" },
      { line_id: "gps-7c", unit: 1, amount_cents: 7900, status: "decided" },
      { line_id: "gps-7c", unit: 2, amount_cents: 0, status: "held" }
    ])
  })

  it("decides a unit already refunded, or scanned twice, with no refund when the return has a refund decided and cannot be cancelled", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const { inbox, deliver } = fakeInbox()
        yield* registerOrderInbound(inbox, { isOpen: () => Effect.succeed(false), interrupt: () => Effect.void })
        const threeGps = renumbered("SO-100003", 2, [{ lineId: "gps-7c", sku: "ALP-GPS-X1", quantity: 3 }])
        yield* deliver("order.upsert", { ...threeGps, payment: { ...threeGps.payment, total: 237 } })
        yield* shipParcel(
          "SO-100003",
          "P-3",
          "00340434000000000003",
          ["GPS-0001", "GPS-0002", "GPS-0003"].map((serial) => ({
            lineId: "gps-7c",
            sku: "ALP-GPS-X1",
            quantity: 1,
            serial
          })),
          5,
          threeGps.lines
        )
        yield* (yield* Session).signIn("B-2001")
        yield* returns.scan({ raw: "00340434000000000003" })
        const fresh = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* gradeAll
        const first = yield* returns.decide({})
        yield* returns.finish({})
        // The second return: GPS-0002 is decided, then GPS-0001 (refunded in the first) and GPS-0003 twice come in.
        yield* returns.scan({ raw: "00340434000000000003" })
        yield* returns.scan({ raw: gs1Serial("GPS-0002") })
        yield* gradeAll
        yield* returns.decide({})
        yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* returns.scan({ raw: gs1Serial("GPS-0003") })
        yield* returns.scan({ raw: gs1Serial("GPS-0003") })
        yield* gradeAll
        const cancel = yield* Effect.exit(returns.cancel({ reason: "GPS-0001 is in the first return" }))
        const decided = yield* returns.decide({})
        const refunds = yield* sql.query("SELECT line_id, unit, amount_cents FROM refunds ORDER BY rowid")
        // A manager finds nothing to approve or override on a unit decided with no refund, and is told why.
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const again = decided.current!.items[1]!.itemRef
        const approve = yield* Effect.exit(returns.approve({ itemRef: again, reason: "looks new" }))
        const override = yield* Effect.exit(
          returns.override({ itemRef: again, outcome: "refund-full", reason: "customer insists" })
        )
        const finished = yield* Effect.exit(returns.finish({}))
        const events = yield* eventsOf("return.refund-decided")
        // GPS-0003 comes back a third time: its unit was refunded once and decided once with no refund.
        yield* returns.scan({ raw: "00340434000000000003" })
        const third = yield* returns.scan({ raw: gs1Serial("GPS-0003") })
        yield* gradeAll
        const thirdDecided = yield* Effect.exit(returns.decide({}))
        return { fresh, first, cancel, decided, refunds, finished, events, approve, override, third, thirdDecided }
      })
    )
    expect(result.fresh.current!.cancellable).toBe(true)
    expect(codeOf(result.cancel)).toBe("return-refund-decided")
    const view = result.decided.current!
    expect(view.cancellable).toBe(false)
    const [gps2, gps1, gps3, gps3again] = view.items
    expect(gps2!.decision).toMatchObject({ outcome: "refund-full", status: "decided" })
    expect(gps3!.decision).toMatchObject({ outcome: "refund-full", amountCents: 7900, status: "decided" })
    // The unit refunded in the first return, and the second scan of GPS-0003: decided with nothing to refund.
    // Nothing is held: no refund row waits for a manager, and the event says so (no-refund, version 2).
    for (const again of [gps1!, gps3again!]) {
      expect(again.decision).toMatchObject({ outcome: "no-refund", amountCents: 0, status: null })
      expect(again.disposition).toBe("return-to-vendor")
      const recorded = result.events.flatMap((event) => {
        const payload = event.payload as { itemRef: string; outcome: string; amountCents: number }
        return payload.itemRef === again.itemRef ? [[event.version, payload.outcome, payload.amountCents]] : []
      })
      expect(recorded).toEqual([[2, "no-refund", 0]])
    }
    expect(gps1!.decision!.reason.en).toContain(`already in return ${result.first.current!.returnId}`)
    expect(gps1!.decision!.reason.de).toContain("Keine zweite Erstattung")
    expect(gps3again!.decision!.reason.en).toContain(`already scanned into this return as item ${gps3!.itemRef}`)
    expect(result.refunds).toEqual([
      { line_id: "gps-7c", unit: 1, amount_cents: 7900 },
      { line_id: "gps-7c", unit: 2, amount_cents: 7900 },
      { line_id: "gps-7c", unit: 3, amount_cents: 7900 }
    ])
    expect(result.finished._tag).toBe("Success")
    for (const signOff of [result.approve, result.override]) {
      expect(codeOf(signOff)).toBe("nothing-to-refund")
      expect(String(Exit.isFailure(signOff) ? signOff.cause : "")).toContain(
        `${gps1!.itemRef} was decided with no refund (No second refund: serial GPS-0001`
      )
    }
    // The unit decided with no refund is told apart from one not decided yet; the one refunded refuses the third.
    expect(result.third.current!.items[0]!.sameUnitIn).toMatchObject([
      { itemRef: gps3!.itemRef, decided: true, refundStatus: "decided" },
      { itemRef: gps3again!.itemRef, decided: true, refundStatus: null }
    ])
    expect(codeOf(result.thirdDecided)).toBe("already-refunded")
  })

  it("lets the rules decide a serial another return decided with no refund when no unit with that serial was refunded", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const sql = yield* Sql
        const first = yield* gpsInFirstReturn
        // A return whose unit was decided with no refund while no refund of that serial stands (as the database may
        // hold one): that unit got no money and can get none, so it holds nothing here.
        const noRefund = {
          outcome: "no-refund",
          amountCents: 0,
          suggestedCents: 0,
          currency: "EUR",
          ruleId: null,
          reason: { de: "Keine Erstattung", en: "No refund" },
          suggestedDisposition: "return-to-vendor",
          facts: null
        }
        yield* sql.execute("UPDATE return_items SET decision = ?, grade = 'new-sealed'", [JSON.stringify(noRefund)])
        yield* sql.execute("UPDATE returns SET received_at_ms = received_at_ms - 1000, status = 'finished'")
        yield* returns.scan({ raw: "00340434000000000003" })
        const again = yield* returns.scan({ raw: gs1Serial("GPS-0001") })
        yield* gradeAll
        const decided = yield* returns.decide({})
        return { first: first.current!.returnId, again, decided }
      })
    )
    const item = result.decided.current!.items[0]!
    expect(item.decision).toMatchObject({ outcome: "refund-full", amountCents: 7900, status: "decided" })
    expect(item.decision!.reason.en).not.toContain(result.first)
    expect(result.again.current!.items[0]!.sameUnitIn).toMatchObject([
      { returnId: result.first, decided: true, refundStatus: null }
    ])
  })

  it("keeps units decided before the shop numbered the lines anew at their price and counts them against the new lines", async () => {
    const result = await run(
      Effect.gen(function* () {
        const returns = yield* ReturnsService
        const session = yield* Session
        const { inbox, deliver } = fakeInbox()
        yield* registerOrderInbound(inbox, { isOpen: () => Effect.succeed(false), interrupt: () => Effect.void })
        yield* shipParcel(
          "SO-100002",
          "P-2",
          "00340434000000000002",
          [
            { lineId: "1", sku: "ALP-BTL-05", quantity: 1 },
            { lineId: "2", sku: "ALP-HL-200", quantity: 1 }
          ],
          5,
          sampleOrder("SO-100002").lines
        )
        yield* session.signIn("B-2001")
        yield* returns.scan({ raw: "00340434000000000002" })
        // The bottle comes back dented (held for a manager); the head lamp is graded, not yet decided.
        const bottle = (yield* returns.scan({ raw: "4260123450021" })).current!.items[0]!.itemRef
        yield* returns.grade({ itemRef: bottle, grade: "damaged" })
        yield* returns.decide({})
        const lamp = (yield* returns.scan({ raw: "4260123450052" })).current!.items[1]!.itemRef
        yield* returns.grade({ itemRef: lamp, grade: "new-sealed" })
        // The shop edits the order and numbers its lines anew; the clerk decides the head lamp and scans a second
        // bottle, of which one was ordered.
        const applied = yield* deliver(
          "order.upsert",
          renumbered("SO-100002", 2, [
            { lineId: "btl-7", sku: "ALP-BTL-05", quantity: 1 },
            { lineId: "hl-7", sku: "ALP-HL-200", quantity: 1 }
          ])
        )
        const decided = yield* returns.decide({})
        const again = yield* returns.scan({ raw: "4260123450021" })
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const approved = yield* returns.approve({ itemRef: bottle, reason: "photos show transport damage" })
        return { applied, decided, again, approved }
      })
    )
    expect(result.applied._tag).toBe("Success")
    // Decided on the line it was graded on, at that unit's price (the order has the item on a new line now).
    expect(result.decided.current!.items[1]).toMatchObject({
      lineId: "2",
      decision: { outcome: "refund-full", amountCents: 3490 }
    })
    // The bottle already returned on its former line is the one the order has: a second is more than was shipped.
    expect(result.again.current!.items[2]).toMatchObject({ lineId: "btl-7", flags: ["more-than-shipped"] })
    // The manager's approval after the renumbering refunds what the bottle was paid, not nothing.
    expect(result.approved.current!.items[0]!.decision).toMatchObject({
      outcome: "refund-full",
      amountCents: 1990,
      status: "approved"
    })
  })
})

describe("decisions a release before no-refund recorded as held for review", () => {
  it("corrects a version 1 hold-for-review at 0 of a unit refunded in another return once, on start; a real hold stays", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-ret-v1-")), "station.db")
    const old = await writeReturnsBeforeNoRefund(filename, START_MS)
    const corrections = eventsOf("return.refund-decision-corrected")
    const first = await runOn(filename, corrections)
    const again = await runOn(filename, corrections)
    const [, noRefund, held] = old
    const stored = decisionsBeforeNoRefund[1]!
    // One correction, for the unit refunded in R-1, naming the event it corrects, after the events that were there;
    // none for R-1's refund nor for R-2's real hold (a mismatch, with its refund row).
    expect(first.map((event) => [event.version, event.seq > held!.seq, event.payload])).toEqual([
      [
        1,
        true,
        {
          returnId: "R-2",
          itemRef: "R-2-01",
          orderId: "SO-100003",
          lineId: "1",
          unit: 1,
          sku: "ALP-GPS-X1",
          gtin: null,
          serial: "GPS-0001",
          lot: null,
          corrects: noRefund!.id,
          correctedOutcome: "hold-for-review",
          outcome: "no-refund",
          amountCents: 0,
          currency: "EUR",
          reason: stored.reason
        }
      ]
    ])
    // A second start adds none.
    expect(again).toEqual(first)
  })
})
