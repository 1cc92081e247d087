import { Effect, Layer, Logger } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { ReturnCancelled, ReturnRefundDecided } from "../../../core/returns/ReturnsEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import type { TestStore } from "../../../fixtures/postgres/TestStores.ts"
import { makeMemoryShop } from "../../../fixtures/shops/MemoryShop.ts"
import { draftOrder, NOW, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import { submitCorrection } from "../correction/AddressCorrections.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { defaultNotifySettings } from "../notify/NotifySettings.ts"
import { makeRefundLedger, type RefundRequested } from "../refunds/RefundLedger.ts"
import type { MappedOrder } from "./mapShopOrder.ts"
import { claimNextPush } from "./PushQueue.ts"
import { type ShopConnector, ShopError } from "./ShopConnector.ts"
import { makeShopHub } from "./ShopHub.ts"

const encoder = new TextEncoder()

let seq = 0
const stationEvent = (type: string, payload: unknown): EventEnvelope => ({
  id: `ev-${++seq}`,
  type,
  version: 1,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "e1",
  seq,
  eventTime: { wallMs: NOW, monoNs: "0" },
  recordTimeMs: NOW,
  actor: { kind: "user", id: "B-1001" } as never,
  payload
})

const packed = (parcelId: string, items: ReadonlyArray<{ lineId: string; quantity: number; shortShipped?: number }>) =>
  stationEvent("parcel.packed", {
    orderId: "SHOP-1001",
    parcelId,
    items: items.map((item) => ({
      lineId: item.lineId,
      sku: "ALP-MUG-01",
      gtin: "4260123450014",
      quantity: item.quantity,
      shortShipped: item.shortShipped ?? 0,
      serials: [],
      lots: []
    })),
    shortShips: [],
    weightGrams: 900,
    expectedWeightGrams: 900,
    boxId: "S",
    carrier: "dhl-paket",
    trackingNumber: `00340434${parcelId.replace(/\D/g, "").padStart(10, "0")}`,
    packer: { badgeId: "B-1001", name: "Pat" },
    stationId: "PACK-01"
  })

const handed = (parcelId: string) =>
  stationEvent("parcel.handed-to-carrier", {
    batchId: "B-1",
    parcelId,
    orderId: "SHOP-1001",
    carrier: "dhl-paket",
    trackingNumber: `00340434${parcelId.replace(/\D/g, "").padStart(10, "0")}`
  })

/** The same station event for another shop order. */
const onOrder = (event: EventEnvelope, orderId: string): EventEnvelope => ({
  ...event,
  payload: { ...(event.payload as Record<string, unknown>), orderId }
})

/** A returns desk's refund of one unit of SHOP-1001 (line 502), as PACK-02 decides it. */
const refundDecided = (itemRef: string, returnId: string) =>
  stationEvent("return.refund-decided", {
    returnId,
    itemRef,
    orderId: "SHOP-1001",
    lineId: "502",
    unit: 1,
    sku: "ALP-BTL-05",
    gtin: null,
    serial: null,
    lot: null,
    outcome: "refund-full",
    amountCents: 2490,
    currency: "EUR",
    ruleId: null,
    reason: { de: "", en: "" },
    source: "rules",
    previousOutcome: null
  })

/** What the refund ledger records when it grants the unit of `event`, in the consumer's transaction. */
const grantRefund = (sql: Sql["Service"], event: EventEnvelope) => {
  const payload = event.payload as { itemRef: string; returnId: string }
  return sql.execute(
    `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id,
       serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
     VALUES ('SHOP-1001', '502', 'unit:1', ?, ?, 'HAM1', 'PACK-02', NULL, 'refund-full', 2490, 'EUR',
       'requested', ?, 0)`,
    [payload.itemRef, payload.returnId, event.id]
  )
}

/** The push queue and the shop inbox over a store: shopHub.test.ts runs it on SQLite, the integration twin on PostgreSQL. */
export const shopHubSuite = (store: TestStore) =>
  describe(`shop hub on ${store.dialect}`, () => {
    const setup = () => {
      const clock = StationClock.manual(NOW)
      const shop = makeMemoryShop(testSettings)
      const run = <A, E>(effect: (hub: ReturnType<typeof makeShopHub>, sql: Sql["Service"]) => Effect.Effect<A, E>) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const sql = yield* Sql
            yield* migrate(hubMigrations)
            const hub = makeShopHub(
              sql,
              Effect.map(clock.clock.now, (now) => now.wallMs),
              {
                connectors: [shop.connector],
                routing: { rules: [{ siteId: "VIE1", countries: ["AT"] }], defaultSite: "HAM1" },
                queue: { refundSettleMs: 1_000, retryBaseMs: 1_000, retryMaxMs: 60_000, handOverAfterAttempts: 3 },
                pollIntervalMs: 60_000,
                firstPollLookbackMs: 86_400_000,
                sha256: (text) => `sha-of-${text.length}`
              }
            )
            return yield* effect(hub, sql)
          }).pipe(Effect.provide(Layer.mergeAll(layer, clock.layer)))
        )
      const layer = Layer.fresh(store.layer())
      return { clock, shop, run, layer }
    }

    const messages = (sql: Sql["Service"]) =>
      Effect.map(
        sql.query<{ stream: string; seq: number; topic: string; body: string }>(
          "SELECT stream, seq, topic, body FROM shop_messages ORDER BY stream, seq"
        ),
        (rows) =>
          rows.map((row) => {
            const body = JSON.parse(row.body)
            return {
              stream: row.stream,
              seq: Number(row.seq),
              topic: row.topic,
              type: body.type,
              version: body.version,
              payload: body.payload
            }
          })
      )

    it("takes orders by webhook and poll once, versions every change, and ignores stale states", async () => {
      const { shop, run } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          const webhook = (delivery: string, signature = "good") =>
            hub.receiveWebhook("shopify-main", {
              headers: { "x-test-signature": signature, "x-test-delivery": delivery },
              body: encoder.encode(JSON.stringify({ id: order.shopOrderId }))
            })
          const first = yield* webhook("d-1")
          const replay = yield* webhook("d-1")
          const forged = yield* webhook("d-2", "bad")
          const polled = yield* hub.pollOnce(shop.connector)
          shop.orders.set(order.shopOrderId, {
            ...order,
            updatedAtMs: order.updatedAtMs + 1,
            shipTo: { ...order.shipTo, street1: "Kaistraße 9" }
          })
          yield* webhook("d-3")
          shop.orders.set(order.shopOrderId, { ...order, updatedAtMs: order.updatedAtMs + 2, state: "cancelled" })
          yield* webhook("d-4")
          // A late webhook with an older state than the one taken changes nothing.
          shop.orders.set(order.shopOrderId, { ...order, updatedAtMs: order.updatedAtMs - 5 })
          const late = yield* webhook("d-5")
          return { first, replay, forged, polled, late, messages: yield* messages(sql) }
        })
      )
      expect(result.first).toEqual({ status: 200, body: { outcomes: ["upserted"] } })
      expect(result.replay).toEqual({ status: 200, body: { outcomes: ["stale"] } })
      expect(result.forged.status).toBe(401)
      expect(result.late).toEqual({ status: 200, body: { outcomes: ["stale"] } })
      expect(result.messages.map((m) => [m.stream, m.seq, m.type, m.version, m.topic])).toEqual([
        ["site:HAM1", 1, "order.upsert", 1, "packbench/v1/HAM1/all/inbox/order.upsert"],
        ["site:HAM1", 2, "order.address-corrected", 2, "packbench/v1/HAM1/all/inbox/order.address-corrected"],
        ["site:HAM1", 3, "order.cancel", 3, "packbench/v1/HAM1/all/inbox/order.cancel"]
      ])
      expect(result.messages[0]?.payload).toMatchObject({ orderId: "SHOP-1001", version: 1 })
    })

    it("logs refused webhooks at most once a minute per connector, counting those left out, so forged requests cannot flood the log", async () => {
      const { clock, run } = setup()
      const logged: Array<string> = []
      const answers = await run((hub) =>
        Effect.gen(function* () {
          const forged = () =>
            hub.receiveWebhook("shopify-main", {
              headers: { "x-test-signature": "bad", "x-test-delivery": "d-1" },
              body: encoder.encode(JSON.stringify({ id: "1" }))
            })
          const unsigned = () => hub.admitWebhook("shopify-main", {})
          const statuses: Array<number> = []
          for (let i = 0; i < 5; i++) statuses.push((yield* forged()).status)
          const admitted = yield* unsigned()
          clock.advance(59_999)
          statuses.push((yield* forged()).status)
          clock.advance(1)
          statuses.push((yield* forged()).status)
          return { statuses, admitted: admitted.ok }
        }).pipe(Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))])))
      )
      expect(answers).toEqual({ statuses: [401, 401, 401, 401, 401, 401, 401], admitted: false })
      expect(logged.filter((line) => line.includes("webhook refused"))).toEqual([
        "shop shopify-main: webhook refused: bad signature",
        "shop shopify-main: webhook refused: bad signature (and 6 more refused since the last line)"
      ])
    })

    it("forgets a webhook delivery once no replay can reach it, and still drops a repeat within reach", async () => {
      const { clock, shop, run } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const day = 86_400_000
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          const webhook = (delivery: string) =>
            hub.receiveWebhook("shopify-main", {
              headers: { "x-test-signature": "good", "x-test-delivery": delivery },
              body: encoder.encode(JSON.stringify({ id: order.shopOrderId }))
            })
          const deliveries = () =>
            Effect.map(
              sql.query<{ delivery_id: string }>(
                "SELECT delivery_id FROM shop_webhook_deliveries ORDER BY delivery_id"
              ),
              (rows) => rows.map((row) => row.delivery_id)
            )
          yield* webhook("d-old")
          clock.advance(6 * day)
          yield* webhook("d-mid")
          clock.advance(day)
          const atTheEdge = yield* hub.pruneWebhookDeliveries
          clock.advance(1)
          const pastIt = yield* hub.pruneWebhookDeliveries
          const kept = yield* deliveries()
          const repeat = yield* webhook("d-mid")
          return { atTheEdge, pastIt, kept, repeat }
        })
      )
      // The memory shop's deliveries are within reach of a replay for 7 days, as the real shops' are.
      expect(result.atTheEdge).toBe(0)
      expect(result.pastIt).toBe(1)
      expect(result.kept).toEqual(["d-mid"])
      expect(result.repeat).toEqual({ status: 200, body: { outcomes: ["stale"] } })
    })

    it("quarantines a bad order with its reason and keeps unpaid orders back until paid", async () => {
      const { shop, run } = setup()
      shop.orders.set("bad", draftOrder({ shopOrderId: "bad", orderNumber: "2", totalPaid: Number.POSITIVE_INFINITY }))
      shop.orders.set("unpaid", draftOrder({ shopOrderId: "unpaid", orderNumber: "3", state: "awaiting-payment" }))
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          // Seen again by webhook: still one quarantine entry.
          yield* hub.receiveWebhook("shopify-main", {
            headers: { "x-test-signature": "good", "x-test-delivery": "q-1" },
            body: encoder.encode(JSON.stringify({ id: "bad" }))
          })
          const before = yield* messages(sql)
          shop.orders.set("unpaid", draftOrder({ shopOrderId: "unpaid", orderNumber: "3", updatedAtMs: NOW }))
          yield* sql.execute("UPDATE shop_connectors SET next_poll_ms = 0")
          yield* hub.pollOnce(shop.connector)
          return { before, after: yield* messages(sql), status: yield* hub.status }
        })
      )
      expect(result.before).toEqual([])
      expect(result.after.map((m) => [m.type, m.payload.orderId, m.version])).toEqual([["order.upsert", "SHOP-3", 1]])
      expect(result.status.quarantined).toEqual([
        expect.objectContaining({ shopOrderId: "bad", reason: expect.stringContaining("paid total") })
      ])
    })

    it("fulfils each parcel once, in order, partially when units stay open, through an outage and a crash", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* hub.applyStationEvent(packed("P-1", [{ lineId: "501", quantity: 1, shortShipped: 1 }]))
          yield* hub.applyStationEvent(handed("P-1"))
          // The shop is down: the push waits with the connector's backoff and is not lost.
          shop.failNext(shop.unavailable(), shop.unavailable())
          const down = yield* hub.drain(shop.connector)
          const early = yield* hub.drain(shop.connector)
          clock.advance(1_000)
          yield* hub.drain(shop.connector)
          clock.advance(2_000)
          const back = yield* hub.drain(shop.connector)
          // A crash after the shop took the second parcel but before the hub recorded it: sent again, taken once.
          yield* hub.applyStationEvent(
            packed("P-2", [
              { lineId: "501", quantity: 1 },
              { lineId: "502", quantity: 1 }
            ])
          )
          yield* hub.applyStationEvent(handed("P-2"))
          yield* sql.execute("UPDATE shop_pushes SET status = 'sending' WHERE subject = 'P-2'")
          yield* shop.connector.fulfill({
            ...JSON.parse(
              (yield* sql.query<{ payload: string }>("SELECT payload FROM shop_pushes WHERE subject = 'P-2'"))[0]
                ?.payload ?? "{}"
            ),
            idempotencyKey: "x"
          })
          const restarted = makeShopHub(
            sql,
            Effect.map(clock.clock.now, (now) => now.wallMs),
            {
              connectors: [shop.connector],
              routing: { rules: [], defaultSite: "HAM1" },
              queue: { refundSettleMs: 1_000, retryBaseMs: 1_000, retryMaxMs: 60_000, handOverAfterAttempts: 3 },
              pollIntervalMs: 60_000,
              firstPollLookbackMs: 86_400_000,
              sha256: () => ""
            }
          )
          yield* sql.execute("UPDATE shop_pushes SET status = 'queued' WHERE status = 'sending'")
          yield* restarted.drain(shop.connector)
          // A replayed handover queues nothing new.
          yield* hub.applyStationEvent({ ...handed("P-2") })
          yield* hub.drain(shop.connector)
          const pushes = yield* sql.query<{ subject: string; status: string; attempts: number }>(
            "SELECT subject, status, attempts FROM shop_pushes ORDER BY seq"
          )
          return { down, early, back, pushes, status: yield* hub.status }
        })
      )
      expect(result.down).toBe("waiting")
      expect(result.early).toBe("waiting")
      expect(result.back).toBe("idle")
      expect([...shop.fulfillments.values()].map((f) => [f.parcelId, f.lines, f.completesOrder])).toEqual([
        ["P-1", [{ lineId: "501", shopLineId: "gid://shopify/LineItem/501", quantity: 1 }], false],
        [
          "P-2",
          [
            { lineId: "501", shopLineId: "gid://shopify/LineItem/501", quantity: 1 },
            { lineId: "502", shopLineId: "gid://shopify/LineItem/502", quantity: 1 }
          ],
          true
        ]
      ])
      expect(result.pushes.map((p) => [p.subject, p.status])).toEqual([
        ["P-1", "done"],
        ["P-2", "done"]
      ])
      expect(result.status.connectors[0]).toMatchObject({ state: "connected", queuedPushes: 0, failedPushes: [] })
    })

    it("fulfils a parcel packed before the shop numbered the order's lines anew with the lines the order has now", async () => {
      const { shop, run } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* hub.applyStationEvent(
            packed("P-1", [
              { lineId: "501", quantity: 2 },
              { lineId: "502", quantity: 1 }
            ])
          )
          // The shop's order edit gives every line a new id; the station moves the parcel's units onto them.
          shop.orders.set(order.shopOrderId, {
            ...order,
            updatedAtMs: order.updatedAtMs + 1,
            lines: order.lines.map((line) => ({ ...line, shopLineId: line.shopLineId.replace("/50", "/70") }))
          })
          yield* hub.receiveWebhook("shopify-main", {
            headers: { "x-test-signature": "good", "x-test-delivery": "d-edit" },
            body: encoder.encode(JSON.stringify({ id: order.shopOrderId }))
          })
          yield* hub.applyStationEvent(
            stationEvent("parcel.lines-renumbered", {
              orderId: "SHOP-1001",
              parcelId: "P-1",
              orderVersion: 2,
              moves: [
                { fromLineId: "501", toLineId: "701", sku: "ALP-MUG-01", quantity: 2 },
                { fromLineId: "502", toLineId: "702", sku: "ALP-BTL-05", quantity: 1 }
              ],
              items: [
                { lineId: "701", sku: "ALP-MUG-01", quantity: 2 },
                { lineId: "702", sku: "ALP-BTL-05", quantity: 1 }
              ]
            })
          )
          yield* hub.applyStationEvent(handed("P-1"))
          return yield* hub.drain(shop.connector)
        })
      )
      expect(result).toBe("idle")
      expect([...shop.fulfillments.values()].map((f) => [f.parcelId, f.lines, f.completesOrder])).toEqual([
        [
          "P-1",
          [
            { lineId: "701", shopLineId: "gid://shopify/LineItem/701", quantity: 2 },
            { lineId: "702", shopLineId: "gid://shopify/LineItem/702", quantity: 1 }
          ],
          true
        ]
      ])
    })

    /** A mug of SHOP-1001 returned in R-PACK-01-1, as a decision names it. */
    const mugOf = (itemRef: string, lineId: string, unit: number) => ({
      returnId: "R-PACK-01-1",
      itemRef,
      orderId: "SHOP-1001",
      lineId,
      unit,
      sku: "ALP-MUG-01",
      gtin: null,
      serial: null,
      lot: null
    })

    /**
     * A unit's refund decided for `amountCents` (`return.refund-decided`), or decided with no refund, or its decision
     * corrected to no refund (`return.refund-decision-corrected`, at 0), applied with the claim the refund ledger
     * leaves for it: none once the unit is decided with no refund.
     */
    const decideGranted = (
      hub: ReturnType<typeof makeShopHub>,
      sql: Sql["Service"],
      decision: "refund-full" | "no-refund" | "corrected-to-no-refund",
      unit: ReturnType<typeof mugOf>,
      amountCents: number,
      corrects = ""
    ) =>
      Effect.gen(function* () {
        const reason = { de: "", en: "" }
        const event =
          decision === "corrected-to-no-refund"
            ? stationEvent("return.refund-decision-corrected", {
                ...unit,
                corrects,
                correctedOutcome: "refund-full",
                outcome: "no-refund",
                amountCents,
                currency: "EUR",
                reason
              })
            : stationEvent("return.refund-decided", {
                ...unit,
                outcome: decision,
                amountCents,
                currency: "EUR",
                ruleId: null,
                reason,
                source: "rules",
                previousOutcome: null
              })
        // What the refund ledger records in the same transaction: the unit's claim when it grants it, none once the
        // unit is decided with no refund (the ledger releases it).
        if (decision === "refund-full") {
          yield* sql.execute(
            `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id,
               serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
             VALUES ('SHOP-1001', ?, ?, ?, ?, 'HAM1', 'PACK-01', NULL, 'refund-full', ?, 'EUR',
               'requested', ?, 0)
             ON CONFLICT (item_ref) DO UPDATE SET amount_cents = excluded.amount_cents,
               decided_event_id = excluded.decided_event_id`,
            [unit.lineId, `unit:${unit.unit}`, unit.itemRef, unit.returnId, amountCents, event.id]
          )
        } else {
          yield* sql.execute("DELETE FROM hub_refund_claims WHERE item_ref = ?", [unit.itemRef])
        }
        yield* hub.applyStationEvent(event)
        return event
      })

    it("withdraws a unit's refund still waiting when its station decides it, or corrects its decision, to no refund", async () => {
      const { shop, run } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* decideGranted(hub, sql, "refund-full", mugOf("I-1", "501", 1), 1250)
          yield* decideGranted(hub, sql, "no-refund", mugOf("I-1", "501", 1), 0)
          const decided = yield* decideGranted(hub, sql, "refund-full", mugOf("I-2", "501", 2), 1250)
          yield* decideGranted(hub, sql, "corrected-to-no-refund", mugOf("I-2", "501", 2), 0, decided.id)
          yield* hub.drain(shop.connector)
          return yield* sql.query<{ subject: string; status: string }>(
            "SELECT subject, status FROM shop_pushes WHERE kind = 'refund' ORDER BY subject"
          )
        })
      )
      expect(result).toEqual([
        { subject: "I-1", status: "discarded" },
        { subject: "I-2", status: "discarded" }
      ])
      expect([...shop.refunds.values()]).toEqual([])
    })

    /** R-PACK-01-1 voided at PACK-01 (`return.cancelled`), after the refund ledger released its unpaid claims. */
    const voidReturn = (hub: ReturnType<typeof makeShopHub>, sql: Sql["Service"]) =>
      Effect.gen(function* () {
        yield* sql.execute("DELETE FROM hub_refund_claims WHERE return_id = 'R-PACK-01-1' AND status = 'requested'")
        const event = stationEvent("return.cancelled", {
          returnId: "R-PACK-01-1",
          corrects: null,
          orderId: "SHOP-1001",
          scanned: "SHOP-1001",
          itemCount: 2,
          reason: "scanned the wrong parcel"
        })
        yield* hub.applyStationEvent(event)
        return event
      })

    it("withdraws a voided return's refunds still waiting for the shop, leaves the one the shop paid, and a replay changes nothing", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* decideGranted(hub, sql, "refund-full", mugOf("I-1", "501", 1), 1250)
          clock.advance(1_000)
          yield* hub.drain(shop.connector)
          yield* sql.execute("UPDATE hub_refund_claims SET status = 'issued' WHERE item_ref = 'I-1'")
          yield* decideGranted(hub, sql, "refund-full", mugOf("I-2", "501", 2), 1250)
          // Another return's unit of the same order stays as it was.
          yield* decideGranted(hub, sql, "refund-full", { ...mugOf("I-3", "502", 1), returnId: "R-PACK-01-2" }, 2490)
          const voided = yield* voidReturn(hub, sql)
          const pushes = () =>
            sql.query<{ subject: string; status: string }>(
              "SELECT subject, status FROM shop_pushes WHERE kind = 'refund' ORDER BY subject"
            )
          const afterVoid = yield* pushes()
          yield* hub.applyStationEvent(voided)
          const afterReplay = yield* pushes()
          clock.advance(1_000)
          yield* hub.drain(shop.connector)
          return { afterVoid, afterReplay, afterDrain: yield* pushes() }
        })
      )
      expect(result.afterVoid).toEqual([
        { subject: "I-1", status: "done" },
        { subject: "I-2", status: "discarded" },
        { subject: "I-3", status: "queued" }
      ])
      expect(result.afterReplay).toEqual(result.afterVoid)
      expect(result.afterDrain.map((push) => push.status)).toEqual(["done", "discarded", "done"])
      expect([...shop.refunds.values()].map((refund) => [refund.note, refund.amountCents])).toEqual([
        ["Packbench return R-PACK-01-1", 1250],
        ["Packbench return R-PACK-01-2", 2490]
      ])
    })

    /** I-1's refund decided and left by `mark` as the shop's answer left it, then its return voided. */
    const voidAfter = async (mark: (sql: Sql["Service"], connectorId: string) => Effect.Effect<unknown, unknown>) => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const logged: Array<string> = []
      const refunds = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* decideGranted(hub, sql, "refund-full", mugOf("I-1", "501", 1), 1250)
          clock.advance(1_000)
          yield* mark(sql, shop.connector.settings.id)
          yield* voidReturn(hub, sql)
          return yield* sql.query<{ subject: string; status: string }>(
            "SELECT subject, status FROM shop_pushes WHERE kind = 'refund'"
          )
        }).pipe(Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))])))
      )
      return { refunds, logged: logged.filter((line) => line.startsWith("shop refunds:")) }
    }

    it("leaves a voided return's refund the shop is paying right now as it is, and logs it for a manager", async () => {
      // Taken for the shop and committed before the shop is called: the shop may be paying it now.
      const result = await voidAfter((sql, connectorId) => claimNextPush(sql, connectorId, NOW + 1_000))
      expect(result).toEqual({
        refunds: [{ subject: "I-1", status: "sending" }],
        logged: [
          "shop refunds: return R-PACK-01-1 of HAM1 was voided while the shop is paying I-1: a manager must settle it"
        ]
      })
    })

    it("logs a voided return's refund the shop already paid for a manager, before its station's word of the payment reached the hub", async () => {
      // The shop paid; the station has not yet said so (`return.refund-issued`), so the ledger's claim is not issued.
      const result = await voidAfter((sql) =>
        sql.execute("UPDATE shop_pushes SET status = 'done', done_at_ms = ? WHERE subject = 'I-1'", [NOW + 1_000])
      )
      expect(result).toEqual({
        refunds: [{ subject: "I-1", status: "done" }],
        logged: [
          "shop refunds: return R-PACK-01-1 of HAM1 was voided while the shop paid I-1: a manager must settle it"
        ]
      })
    })

    it("leaves a voided return's refund handed to a manager on an answer it could not read (the shop may have paid it), and logs it", async () => {
      // Sent, and the shop's answer could not be read: handed to a manager, paid or not.
      const result = await voidAfter((sql) =>
        sql.execute("UPDATE shop_pushes SET status = 'failed', failed_as = 'malformed' WHERE subject = 'I-1'")
      )
      expect(result).toEqual({
        refunds: [{ subject: "I-1", status: "failed" }],
        logged: [
          "shop refunds: return R-PACK-01-1 of HAM1 was voided while the shop may have paid I-1 (its answer could not be read): a manager must settle it"
        ]
      })
    })

    /**
     * I-9's refund (SHOP-1001's only bottle) granted by the real refund ledger and queued, and its return R-PACK-01-1
     * voided while the shop is being called with it: the push is `sending` (committed before the call) when the void is
     * applied, ledger first, as the hub's consumer applies it. The shop answers as `answer` told it, over `attempts`
     * drains (a minute apart); then `after` (a manager's word), and R-PACK-02-1 at PACK-02, the real return of the
     * same bottle, decided. What the ledger holds and asked the shop, the push's status, and the ledger's log.
     */
    const voidedWhileSending = async (
      answer: (shop: ReturnType<typeof makeMemoryShop>) => void,
      attempts = 1,
      after: (hub: ReturnType<typeof makeShopHub>) => Effect.Effect<unknown, unknown> = () => Effect.void,
      lostAnswer = false
    ) => {
      const { shop, run, clock } = setup()
      shop.orders.set("gid://shopify/Order/1001", draftOrder())
      const logged: Array<string> = []
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          const ledger = makeRefundLedger(sql)
          const mapped = yield* sql.query<{ mapped: string }>("SELECT mapped FROM shop_orders WHERE order_id = ?", [
            "SHOP-1001"
          ])
          yield* ledger.recordOrder({ ...(JSON.parse(mapped[0]!.mapped) as MappedOrder).order, version: 1 })
          const decide = (event: EventEnvelope) =>
            Effect.andThen(
              ledger.applyDecided(event, event.payload as typeof ReturnRefundDecided.payload.Type, NOW),
              hub.applyStationEvent(event)
            )
          yield* decide(refundDecided("I-9", "R-PACK-01-1"))
          const voided = stationEvent("return.cancelled", {
            returnId: "R-PACK-01-1",
            corrects: null,
            orderId: "SHOP-1001",
            scanned: "SHOP-1001",
            itemCount: 1,
            reason: "scanned the wrong parcel"
          })
          const voidNow = Effect.andThen(
            ledger.applyReturnCancelled(voided, voided.payload as typeof ReturnCancelled.payload.Type, NOW),
            hub.applyStationEvent(voided)
          )
          let voidedAlready = false
          let answerLost = false
          const voidingShop: ShopConnector = {
            ...shop.connector,
            refund: (push) =>
              lostAnswer
                ? // The shop pays, and its answer is lost on the way back (a timeout): the hub sends it again later.
                  Effect.andThen(
                    shop.connector.refund(push),
                    Effect.suspend(() => {
                      if (answerLost) return shop.connector.refund(push)
                      answerLost = true
                      return Effect.fail(shop.unavailable("timed out waiting for the shop's answer"))
                    })
                  )
                : Effect.andThen(
                    Effect.suspend(() => {
                      if (voidedAlready) return Effect.void
                      voidedAlready = true
                      return voidNow
                    }).pipe(Effect.orDie),
                    shop.connector.refund(push)
                  )
          }
          answer(shop)
          for (let attempt = 1; attempt <= attempts; attempt++) {
            clock.advance(60_000)
            yield* hub.drain(voidingShop)
          }
          if (lostAnswer) yield* voidNow
          shop.failNext()
          shop.refuseRefunds(undefined)
          yield* after(hub)
          clock.advance(60_000)
          yield* hub.drain(voidingShop)
          yield* decide({ ...refundDecided("I-29", "R-PACK-02-1"), stationId: "PACK-02" })
          clock.advance(60_000)
          yield* hub.drain(voidingShop)
          const claims = yield* sql.query<{ item_ref: string; status: string; issued_at_ms: number | null }>(
            "SELECT item_ref, status, issued_at_ms FROM hub_refund_claims ORDER BY item_ref"
          )
          const rejected = yield* sql.query<{ item_ref: string; reason: string; other_return_id: string }>(
            "SELECT item_ref, reason, other_return_id FROM hub_refund_rejections"
          )
          const asked = yield* sql.query<{ body: string }>(
            "SELECT body FROM hub_messages WHERE stream = 'shop:HAM1' ORDER BY seq"
          )
          const pushes = yield* sql.query<{ subject: string; status: string }>(
            "SELECT subject, status FROM shop_pushes WHERE kind = 'refund' ORDER BY seq"
          )
          return {
            claims: claims.map((row) => [
              row.item_ref,
              row.status,
              row.issued_at_ms === null ? null : Number(row.issued_at_ms)
            ]),
            rejected: rejected.map((row) => [row.item_ref, row.reason, row.other_return_id]),
            asked: asked.map((row) => {
              const payload = JSON.parse(row.body).payload as RefundRequested
              return [payload.requestId, payload.outcome, payload.amountCents]
            }),
            pushes: pushes.map((row) => [row.subject, row.status]),
            paid: [...shop.refunds.values()].map((refund) => [refund.note, refund.amountCents])
          }
        }).pipe(Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))])))
      )
      return { ...result, logged: logged.filter((line) => line.startsWith("refund ledger:")) }
    }

    it("keeps a voided return's claim while the shop is paying its refund, and marks it issued once the shop paid: the real return of the unit is not refunded twice", async () => {
      const result = await voidedWhileSending(() => undefined)
      expect(result).toMatchObject({
        claims: [["I-9", "issued", NOW + 60_000]],
        rejected: [["I-29", "duplicate-unit", "R-PACK-01-1"]],
        asked: [["I-9", "refund-full", 2_490]],
        pushes: [["I-9", "done"]],
        paid: [["Packbench return R-PACK-01-1", 2_490]]
      })
    })

    it("keeps a voided return's claim whose refund the shop paid but whose answer was lost (sent again with its key), and marks it issued once the shop answers: the real return of the unit is not refunded twice", async () => {
      const result = await voidedWhileSending(
        () => undefined,
        1,
        () => Effect.void,
        true
      )
      expect(result).toMatchObject({
        claims: [["I-9", "issued", NOW + 120_000]],
        rejected: [["I-29", "duplicate-unit", "R-PACK-01-1"]],
        asked: [["I-9", "refund-full", 2_490]],
        pushes: [["I-9", "done"]],
        paid: [["Packbench return R-PACK-01-1", 2_490]]
      })
      expect(result.logged).toEqual([
        "refund ledger: return R-PACK-01-1 of HAM1 was voided while the shop may have paid I-9 (its last attempt got no answer; it is sent again with the same key): its claim is held until the shop's answer settles it"
      ])
    })

    it.each([
      [
        "refuses the refund in its answer",
        (shop: ReturnType<typeof makeMemoryShop>) => shop.refuseRefunds("refunds are closed for this order")
      ],
      [
        "rejects the request",
        (shop: ReturnType<typeof makeMemoryShop>) => shop.failNext(shop.rejected("refundCreate: order is archived"))
      ]
    ])(
      "gives up a voided return's claim held while the shop was paying once the shop %s: the real return of the unit is refunded, the refused push withdrawn",
      async (_, answer) => {
        const result = await voidedWhileSending(answer)
        expect(result).toMatchObject({
          claims: [["I-29", "requested", null]],
          rejected: [],
          asked: [
            ["I-9", "refund-full", 2_490],
            ["I-9", "return-voided", 0],
            ["I-29", "refund-full", 2_490]
          ],
          pushes: [
            ["I-9", "discarded"],
            ["I-29", "done"]
          ],
          paid: [["Packbench return R-PACK-02-1", 2_490]]
        })
      }
    )

    const unreadable = "Shopify alpenglow.myshopify.com: PackbenchRefundCreate answered with something that is not JSON"
    const unreadableThrice = (shop: ReturnType<typeof makeMemoryShop>) =>
      shop.failNext(shop.malformed(unreadable), shop.malformed(unreadable), shop.malformed(unreadable))

    /** A manager's word on the refund push handed over (the Shop card's first failed push); what the card showed. */
    const managerDecides = (hub: ReturnType<typeof makeShopHub>, action: "retry" | "discard", reason: string) =>
      Effect.gen(function* () {
        const handedOver = (yield* hub.status).connectors[0]?.failedPushes ?? []
        yield* hub.decidePush({ pushId: handedOver[0]?.pushId ?? "", action, actor: "B-9001 Max Manager", reason })
        return handedOver.map((push) => [push.subject, push.failedAs])
      })

    it("keeps a voided return's claim whose refund's answer could not be read, for a manager: the real return is refused, even once the manager discards the push", async () => {
      let shown: ReadonlyArray<ReadonlyArray<string | undefined>> = []
      const result = await voidedWhileSending(unreadableThrice, 3, (hub) =>
        Effect.map(managerDecides(hub, "discard", "refunded by hand in the shop's admin"), (card) => {
          shown = card
        })
      )
      expect(shown).toEqual([["I-9", "malformed"]])
      expect(result).toMatchObject({
        claims: [["I-9", "requested", null]],
        rejected: [["I-29", "duplicate-unit", "R-PACK-01-1"]],
        asked: [["I-9", "refund-full", 2_490]],
        pushes: [["I-9", "discarded"]],
        paid: []
      })
      expect(result.logged).toEqual([
        "refund ledger: return R-PACK-01-1 of HAM1 was voided while the shop is paying I-9: its claim is held until the shop's answer settles it",
        "refund ledger: the shop's answer to the refund of I-9, whose return R-PACK-01-1 of HAM1 was voided, could not be read: the shop may have paid it, so its claim stays held: a manager must settle it"
      ])
    })

    it("marks a voided return's claim held on an unreadable answer issued once a manager's retry is paid", async () => {
      const result = await voidedWhileSending(unreadableThrice, 3, (hub) =>
        managerDecides(hub, "retry", "the shop's plugin is fixed")
      )
      expect(result).toMatchObject({
        claims: [["I-9", "issued", NOW + 4 * 60_000]],
        rejected: [["I-29", "duplicate-unit", "R-PACK-01-1"]],
        asked: [["I-9", "refund-full", 2_490]],
        pushes: [["I-9", "done"]],
        paid: [["Packbench return R-PACK-01-1", 2_490]]
      })
    })

    it("refunds the granted units of a return as one shop refund and answers each unit's station", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          const decide = (itemRef: string, lineId: string, unit: number, amountCents: number) =>
            decideGranted(hub, sql, "refund-full", mugOf(itemRef, lineId, unit), amountCents)
          yield* decide("I-1", "501", 1, 1250)
          yield* decide("I-2", "501", 2, 9999)
          yield* decide("I-3", "502", 1, 1000)
          // A manager's second look at I-3 before the shop paid replaces its refund.
          yield* decide("I-3", "502", 1, 2490)
          const settling = yield* hub.drain(shop.connector)
          clock.advance(1_000)
          yield* hub.drain(shop.connector)
          // Decided again after the shop paid: the paid unit never changes.
          yield* decide("I-1", "501", 1, 1)
          clock.advance(1_000)
          yield* hub.drain(shop.connector)
          return { settling, messages: (yield* messages(sql)).filter((m) => m.stream.startsWith("station:")) }
        })
      )
      expect(result.settling).toBe("idle")
      expect([...shop.refunds.values()].map((r) => [r.lines, r.amountCents])).toEqual([
        [
          [
            { lineId: "501", shopLineId: "gid://shopify/LineItem/501", quantity: 2, amountCents: 2500 },
            { lineId: "502", shopLineId: "gid://shopify/LineItem/502", quantity: 1, amountCents: 2490 }
          ],
          4990
        ]
      ])
      expect(
        result.messages.map((m) => [m.topic, m.payload.itemRef, m.payload.amountCents, m.payload.shopRefundId])
      ).toEqual([
        ["packbench/v1/HAM1/PACK-01/inbox/refund.issued", "I-1", 1250, "R-1"],
        ["packbench/v1/HAM1/PACK-01/inbox/refund.issued", "I-2", 1250, "R-1"],
        ["packbench/v1/HAM1/PACK-01/inbox/refund.issued", "I-3", 2490, "R-1"]
      ])
    })

    it("refunds a unit decided on a line the shop has since numbered anew on the line the ledger granted it, and answers the station by its own line", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          // The shop's order edit gives every line a new id before the returns desk's refund of line 502 arrives.
          shop.orders.set(order.shopOrderId, {
            ...order,
            updatedAtMs: order.updatedAtMs + 1,
            lines: order.lines.map((line) => ({ ...line, shopLineId: line.shopLineId.replace("/50", "/70") }))
          })
          yield* hub.receiveWebhook("shopify-main", {
            headers: { "x-test-signature": "good", "x-test-delivery": "d-edit" },
            body: encoder.encode(JSON.stringify({ id: order.shopOrderId }))
          })
          const event = refundDecided("I-1", "R-PACK-02-1")
          // The refund ledger grants the unit on the bottle's line the order has now.
          yield* sql.execute(
            `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, sku, item_ref, return_id, site_id, station_id,
               serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
             VALUES ('SHOP-1001', '702', 'unit:1', 'ALP-BTL-05', 'I-1', 'R-PACK-02-1', 'HAM1', 'PACK-02', NULL,
               'refund-full', 2490, 'EUR', 'requested', ?, 0)`,
            [event.id]
          )
          yield* hub.applyStationEvent(event)
          clock.advance(1_000)
          yield* hub.drain(shop.connector)
          return (yield* messages(sql)).filter((m) => m.stream.startsWith("station:"))
        })
      )
      expect([...shop.refunds.values()].map((r) => [r.lines, r.amountCents])).toEqual([
        [[{ lineId: "702", shopLineId: "gid://shopify/LineItem/702", quantity: 1, amountCents: 2490 }], 2490]
      ])
      expect(result.map((m) => [m.topic, m.payload.itemRef, m.payload.lineId, m.payload.amountCents])).toEqual([
        ["packbench/v1/HAM1/PACK-02/inbox/refund.issued", "I-1", "502", 2490]
      ])
    })

    it("refunds units queued before the shop numbered the order's lines anew on the item's lines the order has at push time, under the same key, and records the move", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          const events: Array<EventEnvelope> = []
          const decide = (itemRef: string, lineId: string, unit: number, sku: string, amountCents: number) =>
            Effect.gen(function* () {
              const event = stationEvent("return.refund-decided", {
                returnId: "R-PACK-01-7",
                itemRef,
                orderId: "SHOP-1001",
                lineId,
                unit,
                sku,
                gtin: null,
                serial: null,
                lot: null,
                outcome: "refund-full",
                amountCents,
                currency: "EUR",
                ruleId: null,
                reason: { de: "", en: "" },
                source: "rules",
                previousOutcome: null
              })
              events.push(event)
              // What the refund ledger records when it grants the unit, in the same transaction.
              yield* sql.execute(
                `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, sku, item_ref, return_id, site_id,
                   station_id, serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
                 VALUES ('SHOP-1001', ?, ?, ?, ?, 'R-PACK-01-7', 'HAM1', 'PACK-01', NULL, 'refund-full', ?, 'EUR',
                   'requested', ?, 0)`,
                [lineId, `unit:${unit}`, sku, itemRef, amountCents, event.id]
              )
              yield* hub.applyStationEvent(event)
            })
          // Both mugs and the bottle are queued on the lines the order had; the shop cannot be reached at first.
          yield* decide("I-1", "501", 1, "ALP-MUG-01", 1250)
          yield* decide("I-2", "501", 2, "ALP-MUG-01", 1250)
          yield* decide("I-3", "502", 1, "ALP-BTL-05", 2490)
          clock.advance(1_000)
          shop.failNext(shop.unavailable())
          const outage = yield* hub.drain(shop.connector)
          // The shop's order edit gives every line a new id and splits the mugs over two lines, the second cheaper.
          shop.orders.set(order.shopOrderId, {
            ...order,
            updatedAtMs: order.updatedAtMs + 1,
            lines: [
              { ...order.lines[0]!, shopLineId: "gid://shopify/LineItem/701", quantity: 1 },
              { ...order.lines[1]!, shopLineId: "gid://shopify/LineItem/702" },
              { ...order.lines[0]!, shopLineId: "gid://shopify/LineItem/703", quantity: 1, paidUnitPrice: 10 }
            ]
          })
          yield* hub.receiveWebhook("shopify-main", {
            headers: { "x-test-signature": "good", "x-test-delivery": "d-edit" },
            body: encoder.encode(JSON.stringify({ id: order.shopOrderId }))
          })
          clock.advance(60_000)
          const sent = yield* hub.drain(shop.connector)
          const pushes = yield* sql.query<{ subject: string; idempotency_key: string; payload: string }>(
            "SELECT subject, idempotency_key, payload FROM shop_pushes WHERE kind = 'refund' ORDER BY seq"
          )
          return {
            outage,
            sent,
            key: `packbench-${events[0]!.id}`,
            pushes: pushes.map((row) => ({
              subject: row.subject,
              key: row.idempotency_key,
              ...JSON.parse(row.payload)
            })),
            messages: (yield* messages(sql)).filter((m) => m.stream.startsWith("station:"))
          }
        })
      )
      expect(result.outage).toBe("waiting")
      expect(result.sent).toBe("idle")
      // One request to the shop, sent twice under one key: the shop acts once.
      expect(shop.calls.filter((call) => call.startsWith("refund"))).toEqual([
        `refund ${result.key}`,
        `refund ${result.key}`
      ])
      expect([...shop.refunds.entries()].map(([key, r]) => [key, r.lines, r.amountCents])).toEqual([
        [
          result.key,
          [
            { lineId: "701", shopLineId: "gid://shopify/LineItem/701", quantity: 1, amountCents: 1250 },
            { lineId: "703", shopLineId: "gid://shopify/LineItem/703", quantity: 1, amountCents: 1000 },
            { lineId: "702", shopLineId: "gid://shopify/LineItem/702", quantity: 1, amountCents: 2490 }
          ],
          4740
        ]
      ])
      // What was done is kept with each push: the line it was queued on, and the one the shop was asked to refund.
      expect(
        result.pushes.map((push) => [
          push.subject,
          push.refundLineId,
          push.shopLineId,
          push.amountCents,
          push.movedFrom
        ])
      ).toEqual([
        [
          "I-1",
          "701",
          "gid://shopify/LineItem/701",
          1250,
          { refundLineId: "501", shopLineId: "gid://shopify/LineItem/501", amountCents: 1250, atMs: NOW + 61_000 }
        ],
        [
          "I-2",
          "703",
          "gid://shopify/LineItem/703",
          1000,
          { refundLineId: "501", shopLineId: "gid://shopify/LineItem/501", amountCents: 1250, atMs: NOW + 61_000 }
        ],
        [
          "I-3",
          "702",
          "gid://shopify/LineItem/702",
          2490,
          { refundLineId: "502", shopLineId: "gid://shopify/LineItem/502", amountCents: 2490, atMs: NOW + 61_000 }
        ]
      ])
      // Each station hears of its unit by its own line, for what the shop paid.
      expect(result.messages.map((m) => [m.payload.itemRef, m.payload.lineId, m.payload.amountCents])).toEqual([
        ["I-1", "501", 1250],
        ["I-2", "501", 1000],
        ["I-3", "502", 2490]
      ])
    })

    it("tells the shop a customer's corrected address once, through an outage, and keeps a refusal with its reason", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* sql.execute(
            "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES ('C', 'Mia', 'Berg', 'mia@example.com', 'de', 0)"
          )
          yield* sql.execute(
            `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id, station_id,
               ship_to, hold_station_id, address_holds, updated_at_ms)
             VALUES ('SHOP-1001', 1, 'C', 'alpenglow', 'standard', 'dhl-paket', 'HAM1', 'PACK-01', ?, 'PACK-01', 1, 0)`,
            [JSON.stringify({ ...order.shipTo, street1: "Hafenstraße" })]
          )
          yield* sql.execute(
            `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, hold_round)
             VALUES ('h', 'SHOP-1001', 'n', 0, ?, 1)`,
            [NOW + 3_600_000]
          )
          const correct = (street1: string) =>
            submitCorrection(
              "h",
              { name: "Mia Berg", street1, postalCode: "20457", city: "Hamburg" },
              NOW,
              defaultNotifySettings
            ).pipe(Effect.provideService(Sql, sql))
          const taken = yield* correct("Hafenstraße 11")
          // The shop is out of reach: the push waits with the connector's backoff, then lands once.
          shop.failNext(shop.unavailable())
          const down = yield* hub.drain(shop.connector)
          const waiting = (yield* hub.status).connectors[0]
          clock.advance(1_000)
          const back = yield* hub.drain(shop.connector)
          const again = yield* hub.drain(shop.connector)
          // A second hold and correction: a second push, which the shop refuses; the reason is kept for a manager.
          yield* sql.execute("UPDATE hub_orders SET address_holds = 2 WHERE order_id = 'SHOP-1001'")
          yield* sql.execute(
            `INSERT INTO hub_address_tokens (token_hash, order_id, notification_id, created_at_ms, expires_at_ms, hold_round)
             VALUES ('h2', 'SHOP-1001', 'n2', 0, ?, 2)`,
            [NOW + 3_600_000]
          )
          yield* submitCorrection(
            "h2",
            { name: "Mia Berg", street1: "Hafenstraße 12", postalCode: "20457", city: "Hamburg" },
            NOW,
            defaultNotifySettings
          ).pipe(Effect.provideService(Sql, sql))
          shop.failNext(shop.rejected("orderUpdate: Shipping address is invalid"))
          const refused = yield* hub.drain(shop.connector)
          const pushes = yield* sql.query<{ kind: string; subject: string; status: string; attempts: number }>(
            "SELECT kind, subject, status, attempts FROM shop_pushes ORDER BY seq"
          )
          const corrections = yield* sql.query<{ shop_update: string }>(
            "SELECT shop_update FROM hub_address_corrections ORDER BY hold_round"
          )
          return { taken, down, waiting, back, again, refused, pushes, corrections, status: yield* hub.status }
        })
      )
      expect(result.taken.type).toBe("taken")
      expect(result.down).toBe("waiting")
      expect(result.waiting).toMatchObject({
        state: "failing",
        queuedPushes: 1,
        lastError: "Unavailable: 503 from the shop"
      })
      expect(result.back).toBe("idle")
      expect(result.again).toBe("idle")
      expect(result.refused).toBe("idle")
      expect(shop.calls.filter((call) => call.startsWith("address"))).toEqual([
        "address packbench-address-SHOP-1001-hold-1",
        "address packbench-address-SHOP-1001-hold-1",
        "address packbench-address-SHOP-1001-hold-2"
      ])
      expect(shop.addresses.get(order.shopOrderId)).toMatchObject({ street1: "Hafenstraße 11", country: "DE" })
      expect(result.pushes.map((push) => [push.kind, push.subject, push.status, Number(push.attempts)])).toEqual([
        ["address", "SHOP-1001/hold-1", "done", 2],
        ["address", "SHOP-1001/hold-2", "failed", 1]
      ])
      expect(result.corrections.map((row) => row.shop_update)).toEqual([
        "queued: address push packbench-address-SHOP-1001-hold-1 to shopify-main",
        "queued: address push packbench-address-SHOP-1001-hold-2 to shopify-main"
      ])
      expect(result.status.connectors[0]?.failedPushes).toEqual([
        expect.objectContaining({
          kind: "address",
          orderId: "SHOP-1001",
          subject: "SHOP-1001/hold-2",
          lastError: "Rejected: orderUpdate: Shipping address is invalid"
        })
      ])
    })

    it("fails a refund the shop refuses, tells the station why, and lets a manager retry or discard it, audited", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          const event = refundDecided("I-9", "R-1")
          yield* sql.execute(
            `INSERT INTO hub_refund_claims (order_id, line_id, unit_key, item_ref, return_id, site_id, station_id,
               serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
             VALUES ('SHOP-1001', '502', 'unit:1', 'I-9', 'R-1', 'HAM1', 'PACK-02', NULL, 'refund-full', 2490, 'EUR',
               'requested', ?, 0)`,
            [event.id]
          )
          yield* hub.applyStationEvent(event)
          clock.advance(1_000)
          shop.failNext(shop.rejected("the order's payment cannot be refunded"))
          yield* hub.drain(shop.connector)
          const failed = (yield* hub.status).connectors[0]?.failedPushes ?? []
          const wrong = yield* hub.decidePush({ pushId: "nope", action: "retry", actor: "B-9001", reason: "" })
          const retried = yield* hub.decidePush({
            pushId: failed[0]?.pushId ?? "",
            action: "retry",
            actor: "B-9001 Max Manager",
            reason: "payment fixed in the shop"
          })
          yield* hub.drain(shop.connector)
          const audit = yield* sql.query<{ action: string; actor: string; reason: string }>(
            "SELECT action, actor, reason FROM shop_push_audit"
          )
          return {
            failed,
            wrong,
            retried,
            audit,
            messages: (yield* messages(sql)).filter((m) => m.stream.startsWith("station:"))
          }
        })
      )
      expect(result.failed).toEqual([
        expect.objectContaining({
          kind: "refund",
          subject: "I-9",
          lastError: expect.stringContaining("cannot be refunded")
        })
      ])
      expect(result.wrong.ok).toBe(false)
      expect(result.retried.ok).toBe(true)
      expect(result.audit).toEqual([
        { action: "retry", actor: "B-9001 Max Manager", reason: "payment fixed in the shop" }
      ])
      expect(result.messages.map((m) => [m.topic, m.type])).toEqual([
        ["packbench/v1/HAM1/PACK-02/inbox/refund.failed", "refund.failed"],
        ["packbench/v1/HAM1/PACK-02/inbox/refund.issued", "refund.issued"]
      ])
      expect([...shop.refunds.keys()]).toEqual([expect.stringMatching(/\/retry-1$/)])
    })
    it("hands a push whose answers it cannot read to a manager after its attempts, lets other orders' pushes go on, and sends it again when a manager retries", async () => {
      const { shop, run, clock } = setup()
      shop.orders.set("gid://shopify/Order/1001", draftOrder())
      shop.orders.set(
        "gid://shopify/Order/1002",
        draftOrder({ shopOrderId: "gid://shopify/Order/1002", orderNumber: "#1002" })
      )
      const unreadable =
        "Shopify alpenglow.myshopify.com: the answer to PackbenchFulfillmentCreate cannot be used: data.fulfillmentCreate: Expected object"
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          yield* hub.applyStationEvent(packed("P-1", [{ lineId: "501", quantity: 2 }]))
          yield* hub.applyStationEvent(handed("P-1"))
          yield* hub.applyStationEvent(onOrder(packed("P-2", [{ lineId: "501", quantity: 2 }]), "SHOP-1002"))
          yield* hub.applyStationEvent(onOrder(handed("P-2"), "SHOP-1002"))
          shop.failNext(shop.malformed(unreadable), shop.malformed(unreadable), shop.malformed(unreadable))
          const outcomes: Array<string> = []
          const seen: Array<ReadonlyArray<string>> = []
          for (let attempt = 1; attempt <= 3; attempt++) {
            outcomes.push(yield* hub.drain(shop.connector))
            seen.push((yield* hub.status).connectors[0]?.failedPushes.map((push) => push.subject) ?? [])
            clock.advance(60_000)
          }
          const pushes = yield* sql.query<{ subject: string; status: string; attempts: number }>(
            "SELECT subject, status, attempts FROM shop_pushes ORDER BY seq"
          )
          const handedOver = (yield* hub.status).connectors[0]
          const retried = yield* hub.decidePush({
            pushId: handedOver?.failedPushes[0]?.pushId ?? "",
            action: "retry",
            actor: "B-9001 Max Manager",
            reason: "the shop's plugin is fixed"
          })
          const again = yield* hub.drain(shop.connector)
          return {
            outcomes,
            seen,
            pushes: pushes.map((push) => [push.subject, push.status, Number(push.attempts)]),
            handedOver,
            retried,
            again,
            after: (yield* hub.status).connectors[0]
          }
        })
      )
      // Two tries wait out the backoff; the third hands the push over, and the other order's parcel goes at once.
      expect(result.outcomes).toEqual(["waiting", "waiting", "idle"])
      expect(result.seen).toEqual([[], [], ["P-1"]])
      expect(result.pushes).toEqual([
        ["P-1", "failed", 3],
        ["P-2", "done", 1]
      ])
      expect(result.handedOver?.failedPushes).toEqual([
        expect.objectContaining({
          subject: "P-1",
          status: "failed",
          failedAs: "malformed",
          attempts: 3,
          lastError: `Malformed: ${unreadable}`
        })
      ])
      expect(result.retried.ok).toBe(true)
      expect(result.again).toBe("idle")
      expect(shop.calls.filter((call) => call.startsWith("fulfill"))).toEqual([
        "fulfill P-1",
        "fulfill P-1",
        "fulfill P-1",
        "fulfill P-2",
        "fulfill P-1"
      ])
      expect([...shop.fulfillments.values()].map((fulfillment) => fulfillment.parcelId)).toEqual(["P-2", "P-1"])
      expect(result.after?.failedPushes).toEqual([])
    })

    it("hands over a refund the shop keeps refusing the hub's credentials for, without telling its station it failed; a retry keeps its key, so the shop pays once", async () => {
      const { shop, run, clock } = setup()
      shop.orders.set("gid://shopify/Order/1001", draftOrder())
      const refused = "Shopify alpenglow.myshopify.com: Access denied for refundCreate field"
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          const event = refundDecided("I-7", "R-7")
          yield* grantRefund(sql, event)
          yield* hub.applyStationEvent(event)
          clock.advance(1_000)
          shop.failNext(shop.unauthorized(refused), shop.unauthorized(refused), shop.unauthorized(refused))
          for (let attempt = 1; attempt <= 3; attempt++) {
            yield* hub.drain(shop.connector)
            clock.advance(60_000)
          }
          const handedOver = (yield* hub.status).connectors[0]?.failedPushes ?? []
          const told = (yield* messages(sql)).filter((m) => m.stream.startsWith("station:"))
          yield* hub.decidePush({
            pushId: handedOver[0]?.pushId ?? "",
            action: "retry",
            actor: "B-9001 Max Manager",
            reason: "refund scope granted to the app"
          })
          yield* hub.drain(shop.connector)
          return { handedOver, told, after: (yield* messages(sql)).filter((m) => m.stream.startsWith("station:")) }
        })
      )
      expect(result.handedOver).toEqual([
        expect.objectContaining({ kind: "refund", subject: "I-7", failedAs: "unauthorized", attempts: 3 })
      ])
      // The shop may yet pay it: the station hears nothing until it did.
      expect(result.told).toEqual([])
      const keys = shop.calls.filter((call) => call.startsWith("refund "))
      expect(keys).toHaveLength(4)
      expect(new Set(keys).size).toBe(1)
      expect([...shop.refunds.keys()]).toEqual([keys[0]?.slice("refund ".length)])
      expect(result.after.map((m) => [m.type, m.payload.itemRef])).toEqual([["refund.issued", "I-7"]])
    })

    it("retries every push of a shop it handed over after the credentials are fixed, each under its own key, in order, audited; refused pushes stay", async () => {
      const { shop, run, clock } = setup()
      for (const number of [1001, 1002, 1003]) {
        shop.orders.set(
          `gid://shopify/Order/${number}`,
          draftOrder({
            shopOrderId: `gid://shopify/Order/${number}`,
            orderNumber: `#${number}`,
            updatedAtMs: NOW - 60_000 + number
          })
        )
      }
      const denied = "Shopify alpenglow.myshopify.com: [API] Invalid API key or access token"
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          for (const [parcel, order] of [
            ["P-1", "SHOP-1001"],
            ["P-2", "SHOP-1002"],
            ["P-3", "SHOP-1003"]
          ] as const) {
            yield* hub.applyStationEvent(onOrder(packed(parcel, [{ lineId: "501", quantity: 2 }]), order))
            yield* hub.applyStationEvent(onOrder(handed(parcel), order))
          }
          // P-1 and P-2 meet the revoked token three times each; P-3 the shop refuses outright.
          shop.failNext(
            ...Array.from({ length: 6 }, () => shop.unauthorized(denied)),
            shop.rejected("the order is archived")
          )
          for (let pass = 0; pass < 8; pass++) {
            yield* hub.drain(shop.connector)
            clock.advance(60_000)
          }
          const before = (yield* hub.status).connectors[0]?.failedPushes.map((push) => [push.subject, push.failedAs])
          const unknown = yield* hub.retryHandedOver({ connectorId: "nope", actor: "B-9001 Max Manager", reason: "x" })
          const retried = yield* hub.retryHandedOver({
            connectorId: testSettings.id,
            actor: "B-9001 Max Manager",
            reason: "new access token installed"
          })
          const again = yield* hub.retryHandedOver({
            connectorId: testSettings.id,
            actor: "B-9001 Max Manager",
            reason: "twice"
          })
          const callsBefore = shop.calls.length
          yield* hub.drain(shop.connector)
          const audit = yield* sql.query<{ subject: string; action: string; actor: string; reason: string }>(
            `SELECT p.subject, a.action, a.actor, a.reason FROM shop_push_audit a JOIN shop_pushes p ON p.push_id = a.push_id
             ORDER BY p.seq`
          )
          const keys = yield* sql.query<{ subject: string; idempotency_key: string }>(
            "SELECT subject, idempotency_key FROM shop_pushes ORDER BY seq"
          )
          return {
            before,
            unknown,
            retried,
            again,
            sentAfter: shop.calls.slice(callsBefore),
            audit,
            keys,
            after: (yield* hub.status).connectors[0]?.failedPushes.map((push) => [push.subject, push.failedAs])
          }
        })
      )
      expect(result.before).toEqual([
        ["P-1", "unauthorized"],
        ["P-2", "unauthorized"],
        ["P-3", "refused"]
      ])
      expect(result.unknown).toEqual({ ok: false, message: "no connector nope", retried: 0 })
      expect(result.retried).toEqual({ ok: true, message: `2 pushes of ${testSettings.id} queued again`, retried: 2 })
      expect(result.again).toEqual({ ok: true, message: `no push of ${testSettings.id} was handed over`, retried: 0 })
      expect(result.sentAfter).toEqual(["fulfill P-1", "fulfill P-2"])
      // Each went again under the key it had: the shop acts once on each, whatever it did with the earlier tries.
      const sentKeys = [...shop.fulfillments.values()].map((push) => push.idempotencyKey)
      expect(sentKeys).toEqual(result.keys.filter((row) => row.subject !== "P-3").map((row) => row.idempotency_key))
      expect(result.audit).toEqual([
        {
          subject: "P-1",
          action: "retry",
          actor: "B-9001 Max Manager",
          reason: "retry all: new access token installed"
        },
        {
          subject: "P-2",
          action: "retry",
          actor: "B-9001 Max Manager",
          reason: "retry all: new access token installed"
        }
      ])
      expect(result.after).toEqual([["P-3", "refused"]])
    })

    it("tells the station a handed-over refund failed when a manager discards it", async () => {
      const { shop, run, clock } = setup()
      shop.orders.set("gid://shopify/Order/1001", draftOrder())
      const unreadable =
        "Shopify alpenglow.myshopify.com: PackbenchRefundCreate answered with something that is not JSON"
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          yield* hub.pollOnce(shop.connector)
          const event = refundDecided("I-8", "R-8")
          yield* grantRefund(sql, event)
          yield* hub.applyStationEvent(event)
          clock.advance(1_000)
          shop.failNext(shop.malformed(unreadable), shop.malformed(unreadable), shop.malformed(unreadable))
          for (let attempt = 1; attempt <= 3; attempt++) {
            yield* hub.drain(shop.connector)
            clock.advance(60_000)
          }
          const handedOver = (yield* hub.status).connectors[0]?.failedPushes ?? []
          const discarded = yield* hub.decidePush({
            pushId: handedOver[0]?.pushId ?? "",
            action: "discard",
            actor: "B-9001 Max Manager",
            reason: "refunded by hand in the shop's admin"
          })
          yield* hub.drain(shop.connector)
          return { discarded, told: (yield* messages(sql)).filter((m) => m.stream.startsWith("station:")) }
        })
      )
      expect(result.discarded.ok).toBe(true)
      expect(result.told.map((m) => [m.type, m.payload.itemRef, m.payload.reason])).toEqual([
        ["refund.failed", "I-8", "a manager discarded the refund: refunded by hand in the shop's admin"]
      ])
      expect(shop.refunds.size).toBe(0)
    })

    it("says on the Shop card when the catch-up keeps failing on answers it cannot read, and keeps its cursor", async () => {
      const { shop, run, clock } = setup()
      const order = draftOrder()
      shop.orders.set(order.shopOrderId, order)
      const unreadable =
        "Shopify alpenglow.myshopify.com: the answer to PackbenchOrders cannot be used: data.orders.pageInfo.endCursor: Missing key"
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          const cursor = () =>
            Effect.map(
              sql.query<{ poll_cursor: string | null }>("SELECT poll_cursor FROM shop_connectors"),
              (rows) => rows[0]?.poll_cursor
            )
          yield* hub.pollOnce(shop.connector)
          const before = yield* cursor()
          shop.orders.set(order.shopOrderId, { ...order, updatedAtMs: NOW - 30_000, state: "on-hold" })
          shop.failNext(shop.malformed(unreadable), shop.malformed(unreadable), shop.malformed(unreadable))
          const seen: Array<unknown> = []
          for (let pass = 1; pass <= 3; pass++) {
            clock.advance(60_000)
            yield* hub.pollOnce(shop.connector)
            seen.push((yield* hub.status).connectors[0]?.catchUpProblem ?? null)
          }
          const kept = yield* cursor()
          clock.advance(60_000)
          const taken = yield* hub.pollOnce(shop.connector)
          return { before, seen, kept, taken, after: (yield* hub.status).connectors[0], moved: yield* cursor() }
        })
      )
      expect(result.seen).toEqual([
        null,
        null,
        { reason: "malformed", message: `Malformed: ${unreadable}`, failures: 3, sinceMs: NOW + 60_000 }
      ])
      expect(result.kept).toBe(result.before)
      expect(result.taken).toBe(1)
      expect(result.after?.catchUpProblem).toBeNull()
      expect(result.moved).toBe(String(NOW - 30_000))
    })
    it("waits at most 5 min however long a connector says the shop asked for, and its own backoff for a wait that is none", async () => {
      const { shop, run, clock } = setup()
      shop.orders.set("gid://shopify/Order/1001", draftOrder())
      const days = 10 * 86_400_000
      const result = await run((hub, sql) =>
        Effect.gen(function* () {
          const connectorRow = Effect.map(
            sql.query<{ next_push_ms: number; next_poll_ms: number }>(
              "SELECT next_push_ms, next_poll_ms FROM shop_connectors"
            ),
            (rows) => ({ push: Number(rows[0]?.next_push_ms), poll: Number(rows[0]?.next_poll_ms) })
          )
          yield* hub.pollOnce(shop.connector)
          yield* hub.applyStationEvent(packed("P-1", [{ lineId: "501", quantity: 2 }]))
          yield* hub.applyStationEvent(handed("P-1"))
          shop.failNext(new ShopError({ reason: "RateLimited", message: "429 from the shop", retryAfterMs: days }))
          yield* hub.drain(shop.connector)
          const limited = yield* connectorRow
          clock.advance(300_000)
          shop.failNext(
            new ShopError({ reason: "Unavailable", message: "503 from the shop", retryAfterMs: Number.NaN })
          )
          yield* hub.drain(shop.connector)
          const none = yield* connectorRow
          clock.advance(60_000)
          shop.failNext(new ShopError({ reason: "RateLimited", message: "429 from the shop", retryAfterMs: days }))
          yield* hub.pollOnce(shop.connector)
          return { limited, none, polled: yield* connectorRow }
        })
      )
      expect(result.limited.push).toBe(NOW + 300_000)
      // The second failure in a row: the backoff of 1 s doubled.
      expect(result.none.push).toBe(NOW + 300_000 + 2_000)
      expect(result.polled.poll).toBe(NOW + 360_000 + 300_000)
    })
  })
