import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { evaluateRefund, type RefundCase, type ReturnedUnit } from "./evaluateRefund.ts"
import { paidPerUnit } from "./paidPerUnit.ts"
import { RefundRuleSet } from "./RefundRules.ts"

const rules = Schema.decodeUnknownSync(RefundRuleSet)(
  JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/data/refund-rules.json"), "utf8"))
)

const unit = (overrides: Partial<ReturnedUnit> = {}): ReturnedUnit => ({
  key: { lineId: "1", unit: 1 },
  sku: "ALP-MUG-01",
  category: "kitchen",
  grade: "new-sealed",
  reason: "changed-mind",
  paidCents: 1290,
  parcelOpened: false,
  ...overrides
})

const refundCase = (overrides: Partial<RefundCase> = {}): RefundCase => ({
  order: { orderId: "SO-1", currency: "EUR", paymentMethod: "paypal", totalCents: 4230 },
  daysSinceDelivery: 5,
  units: [unit()],
  history: [],
  alreadyRefunded: [],
  alreadyRefundedCents: 0,
  ...overrides
})

describe("evaluateRefund", () => {
  it("refunds goods in perfect condition at once, with the rule and a reason in both languages", () => {
    const [decision] = evaluateRefund(rules, refundCase())
    expect(decision).toEqual({
      key: { lineId: "1", unit: 1 },
      outcome: "refund-full",
      amountCents: 1290,
      suggestedCents: 1290,
      disposition: "restock",
      ruleId: "perfect-condition",
      reason: {
        de: "Ware in einwandfreiem Zustand ohne Gebrauchsspuren: sofort erstatten: volle Erstattung 12.90 EUR",
        en: "Goods in perfect condition without signs of wear: refund at once: full refund 12.90 EUR"
      }
    })
  })

  it("takes the restocking fee for signs of use, and holds used expensive electronics", () => {
    const [used] = evaluateRefund(rules, refundCase({ units: [unit({ grade: "signs-of-use" })] }))
    expect(used).toMatchObject({ outcome: "refund-partial", amountCents: 1032, ruleId: "signs-of-use-fee" })
    const [gps] = evaluateRefund(
      rules,
      refundCase({ units: [unit({ grade: "signs-of-use", category: "electronics", paidCents: 7900 })] })
    )
    expect(gps).toMatchObject({
      outcome: "hold-for-review",
      amountCents: 0,
      suggestedCents: 4230,
      disposition: "refurbish"
    })
  })

  it("gives store credit after the window, holds frequent returners and falls back to the default hold", () => {
    expect(evaluateRefund(rules, refundCase({ daysSinceDelivery: 45 }))[0]).toMatchObject({ outcome: "store-credit" })
    const history = Array.from({ length: 6 }, (_, index) => ({ daysAgo: index * 10, valueCents: 1000 }))
    expect(evaluateRefund(rules, refundCase({ history }))[0]).toMatchObject({ ruleId: "frequent-returner" })
    const older = history.map((earlier) => ({ ...earlier, daysAgo: earlier.daysAgo + 100 }))
    expect(evaluateRefund(rules, refundCase({ history: older }))[0]).toMatchObject({ ruleId: "perfect-condition" })
    expect(evaluateRefund(rules, refundCase({ daysSinceDelivery: null }))[0]).toMatchObject({ ruleId: "default-hold" })
  })

  it("never decides a unit twice: already refunded, or listed twice in one return", () => {
    const decisions = evaluateRefund(
      rules,
      refundCase({
        units: [unit(), unit(), unit({ key: { lineId: "1", unit: 2 } })],
        alreadyRefunded: [{ lineId: "1", unit: 2 }],
        alreadyRefundedCents: 1290
      })
    )
    expect(decisions.map((decision) => [decision.outcome, decision.amountCents])).toEqual([
      ["refund-full", 1290],
      ["already-refunded", 0],
      ["already-refunded", 0]
    ])
  })

  it("spreads an order discount over the units, rounding down", () => {
    const paid = paidPerUnit({
      lines: [
        { lineId: "1", sku: "A", quantity: 2, unitPrice: 12.9 },
        { lineId: "2", sku: "B", quantity: 1, unitPrice: 16.5 }
      ],
      payment: { method: "paypal", currency: "EUR", total: 38.07 }
    })
    expect([...paid]).toEqual([
      ["1", 1161],
      ["2", 1485]
    ])
    expect(
      paidPerUnit({
        lines: [{ lineId: "1", sku: "A", quantity: 1, unitPrice: 10 }],
        payment: { method: "x", currency: "EUR", total: 14.9 }
      }).get("1")
    ).toBe(1000)
  })
})
