import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { evaluateRefund, type RefundCase, type UnitKey, unitKeyText } from "./evaluateRefund.ts"
import { paidPerUnit } from "./paidPerUnit.ts"
import { DeclaredReason, Disposition, Grade, type RefundRule, RefundRuleSet } from "./RefundRules.ts"

const sampleRules = Schema.decodeUnknownSync(RefundRuleSet)(
  JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/data/refund-rules.json"), "utf8"))
)

const grades = Grade.literals
const reasons = DeclaredReason.literals
const dispositions = Disposition.literals

/** Arbitrary rules, including generous ones (fees of 0, fixed fees larger than any item) to attack the caps. */
const arbitraryRule = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  grades: fc.option(fc.subarray([...grades], { minLength: 1 }), { nil: undefined }),
  reasons: fc.option(fc.subarray([...reasons], { minLength: 1 }), { nil: undefined }),
  maxDays: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  minItem: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
  outcome: fc.oneof(
    fc.constantFrom("refund-full", "exchange", "store-credit", "hold-for-review").map((kind) => ({ kind })),
    fc.record({
      kind: fc.constant("refund-partial"),
      fee: fc.oneof(
        fc.integer({ min: 0, max: 100 }).map((percent) => ({ percent })),
        fc.double({ min: 0, max: 500, noNaN: true }).map((fixed) => ({ fixed }))
      )
    })
  ),
  disposition: fc.constantFrom(...dispositions)
})

const ruleSetArbitrary = fc.array(arbitraryRule, { maxLength: 8 }).map((generated) => {
  const rules = generated.map((rule, index) => ({
    id: `${rule.id}-${index}`,
    description: { de: "Regel", en: "Rule" },
    conditions: {
      ...(rule.grades === undefined ? {} : { grades: rule.grades }),
      ...(rule.reasons === undefined ? {} : { reasons: rule.reasons }),
      ...(rule.maxDays === undefined ? {} : { daysSinceDelivery: { max: rule.maxDays } }),
      ...(rule.minItem === undefined ? {} : { itemValue: { min: rule.minItem } })
    },
    outcome: { ...rule.outcome, disposition: rule.disposition }
  }))
  rules.push({
    id: "default",
    description: { de: "Standard", en: "Default" },
    conditions: {},
    outcome: { kind: "hold-for-review", disposition: "restock" }
  })
  return Schema.decodeUnknownSync(RefundRuleSet)({ version: 1, returnWindowDays: 30, rules }) as RefundRuleSet
})

const cents = fc.integer({ min: 1, max: 50_000 }).map((n) => n / 100)

/** An order with discounts, the units it shipped, and a return of some of them (duplicates included). */
const caseArbitrary = fc
  .record({
    lines: fc.array(fc.record({ price: cents, quantity: fc.integer({ min: 1, max: 4 }) }), {
      minLength: 1,
      maxLength: 5
    }),
    discountPercent: fc.integer({ min: 0, max: 60 }),
    days: fc.option(fc.integer({ min: 0, max: 90 }), { nil: null }),
    picks: fc.array(
      fc.record({
        line: fc.nat(),
        unit: fc.nat(),
        grade: fc.constantFrom(...grades),
        reason: fc.constantFrom(...reasons),
        opened: fc.boolean()
      }),
      { maxLength: 12 }
    ),
    refundedShare: fc.array(fc.boolean(), { maxLength: 20 })
  })
  .map(({ lines, discountPercent, days, picks, refundedShare }) => {
    const orderLines = lines.map((line, index) => ({
      lineId: String(index + 1),
      sku: `SKU-${index}`,
      quantity: line.quantity,
      unitPrice: line.price
    }))
    const list = orderLines.reduce((sum, line) => sum + Math.round(line.unitPrice * 100) * line.quantity, 0)
    const total = Math.floor((list * (100 - discountPercent)) / 100) / 100
    const order = { lines: orderLines, payment: { method: "paypal", currency: "EUR", total } }
    const paid = paidPerUnit(order)
    const allUnits: Array<UnitKey> = orderLines.flatMap((line) =>
      Array.from({ length: line.quantity }, (_, u) => ({ lineId: line.lineId, unit: u + 1 }))
    )
    const alreadyRefunded = allUnits.filter((_, index) => refundedShare[index] === true)
    const alreadyRefundedCents = alreadyRefunded.reduce((sum, key) => sum + (paid.get(key.lineId) ?? 0), 0)
    const units = picks.map((pick) => {
      const key = allUnits[pick.line % allUnits.length]!
      return {
        key,
        sku: `SKU-${key.lineId}`,
        category: "kitchen",
        grade: pick.grade,
        reason: pick.reason,
        paidCents: paid.get(key.lineId)!,
        parcelOpened: pick.opened
      }
    })
    const refundCase: RefundCase = {
      order: { orderId: "SO-P", currency: "EUR", paymentMethod: "paypal", totalCents: Math.round(total * 100) },
      daysSinceDelivery: days,
      units,
      history: [],
      alreadyRefunded,
      alreadyRefundedCents
    }
    return { refundCase, paid }
  })

const params = { numRuns: 3000, seed: 20260401 }

describe("evaluateRefund properties", () => {
  it("never refunds more than was paid for the unit, nor a unit twice, nor more than the order total", () => {
    fc.assert(
      fc.property(ruleSetArbitrary, caseArbitrary, (rules, { refundCase, paid }) => {
        const decisions = evaluateRefund(rules, refundCase)
        expect(decisions).toHaveLength(refundCase.units.length)
        const refunded = new Set(refundCase.alreadyRefunded.map(unitKeyText))
        let total = refundCase.alreadyRefundedCents
        for (const decision of decisions) {
          expect(Number.isInteger(decision.amountCents)).toBe(true)
          expect(decision.amountCents).toBeGreaterThanOrEqual(0)
          expect(decision.amountCents).toBeLessThanOrEqual(paid.get(decision.key.lineId)!)
          expect(decision.suggestedCents).toBeLessThanOrEqual(paid.get(decision.key.lineId)!)
          const key = unitKeyText(decision.key)
          if (refunded.has(key)) expect(decision.amountCents).toBe(0)
          refunded.add(key)
          total += decision.amountCents
        }
        expect(total).toBeLessThanOrEqual(refundCase.order.totalCents)
      }),
      params
    )
  })

  it("refunds each unit at most once across successive evaluations fed with what was refunded before", () => {
    fc.assert(
      fc.property(ruleSetArbitrary, caseArbitrary, fc.integer({ min: 1, max: 4 }), (rules, { refundCase }, rounds) => {
        let state = refundCase
        const paidOut = new Map<string, number>()
        for (let round = 0; round < rounds; round++) {
          const decisions = evaluateRefund(rules, state)
          for (const decision of decisions.filter((d) => d.outcome !== "already-refunded")) {
            const key = unitKeyText(decision.key)
            expect(paidOut.has(key) || state.alreadyRefunded.some((k) => unitKeyText(k) === key)).toBe(false)
            paidOut.set(key, decision.amountCents)
          }
          state = {
            ...state,
            alreadyRefunded: [
              ...state.alreadyRefunded,
              ...decisions.filter((d) => d.outcome !== "already-refunded").map((d) => d.key)
            ],
            alreadyRefundedCents: state.alreadyRefundedCents + decisions.reduce((sum, d) => sum + d.amountCents, 0)
          }
          expect(state.alreadyRefundedCents).toBeLessThanOrEqual(refundCase.order.totalCents)
        }
      }),
      { ...params, numRuns: 1000 }
    )
  })

  it("is deterministic: the same input gives the same decisions", () => {
    fc.assert(
      fc.property(ruleSetArbitrary, caseArbitrary, (rules, { refundCase }) => {
        expect(evaluateRefund(rules, structuredClone(refundCase))).toEqual(evaluateRefund(rules, refundCase))
      }),
      { ...params, numRuns: 1000 }
    )
  })

  it("uses the sample rules' first matching rule, which is the only one that could decide", () => {
    fc.assert(
      fc.property(caseArbitrary, ({ refundCase }) => {
        for (const decision of evaluateRefund(sampleRules, refundCase)) {
          if (decision.ruleId === null) continue
          const rule: RefundRule | undefined = sampleRules.rules.find((r) => r.id === decision.ruleId)
          expect(rule?.outcome.kind).toBe(decision.outcome)
        }
      }),
      { ...params, numRuns: 1000 }
    )
  })
})
