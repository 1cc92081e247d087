import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { ReturnCancelled, ReturnRefundDecided } from "../../../core/returns/ReturnsEvents.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { sqliteTestStore } from "../../../fixtures/postgres/TestStores.ts"
import { hubMigrations } from "../notify/migrations/hubMigrations.ts"
import { makeRefundLedger } from "./RefundLedger.ts"

const envelope = (id: string, stationId: string, type: string): EventEnvelope => ({
  id,
  type,
  version: 1,
  siteId: "HAM1",
  stationId,
  epoch: "E1",
  seq: 1,
  eventTime: { wallMs: 1_000, monoNs: "0" },
  recordTimeMs: 1_000,
  actor: { role: "returns-clerk" },
  payload: {}
})

const decided = (returnId: string, itemRef: string): typeof ReturnRefundDecided.payload.Type => ({
  returnId,
  itemRef,
  orderId: "SO-1",
  lineId: "1",
  unit: 1,
  sku: "ALP-MUG-01",
  gtin: null,
  serial: null,
  lot: null,
  outcome: "refund-full",
  amountCents: 1_290,
  currency: "EUR",
  ruleId: null,
  reason: { de: "neu", en: "new" },
  source: "rules",
  previousOutcome: null
})

const voided: typeof ReturnCancelled.payload.Type = {
  returnId: "A-R1",
  corrects: "ev-received",
  orderId: "SO-1",
  scanned: "SO-1",
  itemCount: 1,
  reason: "wrong parcel"
}

describe("refund ledger and a voided return", () => {
  it("gives the voided return's unpaid claim up, tells the shop not to pay it, and lets the real return claim the unit", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate(hubMigrations)
        const sql = yield* Sql
        const ledger = makeRefundLedger(sql)
        // One mug was ordered and paid: only one unit can be refunded.
        yield* sql.execute(
          "INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines) VALUES (?, 1, 'EUR', 1290, ?)",
          ["SO-1", JSON.stringify([{ lineId: "1", quantity: 1, paidUnitCents: 1_290 }])]
        )
        yield* ledger.applyDecided(envelope("ev-a", "A", "return.refund-decided"), decided("A-R1", "A-R1/1"), 1_000)
        yield* ledger.applyReturnCancelled(envelope("ev-void", "A", "return.cancelled"), voided, 2_000)
        yield* ledger.applyReturnCancelled(envelope("ev-void", "A", "return.cancelled"), voided, 2_000)
        // A late decision of the voided return claims nothing; the real return, graded at B, gets the unit.
        yield* ledger.applyDecided(envelope("ev-a2", "A", "return.refund-decided"), decided("A-R1", "A-R1/1"), 3_000)
        yield* ledger.applyDecided(envelope("ev-b", "B", "return.refund-decided"), decided("B-R1", "B-R1/1"), 4_000)
        const claims = yield* sql.query("SELECT item_ref, return_id, amount_cents FROM hub_refund_claims")
        const rejections = yield* sql.query("SELECT decided_event_id FROM hub_refund_rejections")
        const messages = yield* sql.query<{ body: string }>(
          "SELECT body FROM hub_messages WHERE stream = 'shop:HAM1' ORDER BY seq"
        )
        return {
          claims,
          rejections,
          requests: messages.map((row) => {
            const payload = (JSON.parse(row.body) as { payload: Record<string, unknown> }).payload
            return [payload.requestId, payload.outcome, payload.amountCents]
          })
        }
      }).pipe(Effect.provide(Layer.mergeAll(sqliteTestStore.layer(), StationClock.manual(0).layer)))
    )
    expect(result.claims).toEqual([{ item_ref: "B-R1/1", return_id: "B-R1", amount_cents: 1_290 }])
    expect(result.rejections).toEqual([])
    expect(result.requests).toEqual([
      ["A-R1/1", "refund-full", 1_290],
      ["A-R1/1", "return-voided", 0],
      ["B-R1/1", "refund-full", 1_290]
    ])
  })
})
