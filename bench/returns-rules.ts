// Rule evaluation time per return (3 units) against a 200-rule set whose decisive rule sits near the end.
// Run: npx tsx bench/returns-rules.ts [returns]
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { evaluateRefund, type RefundCase } from "../core/returns/evaluateRefund.ts"
import { RefundRuleSet } from "../core/returns/RefundRules.ts"

const count = Number(process.argv[2] ?? 20_000)
const sample = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/data/refund-rules.json"), "utf8"))
const grades = ["new-sealed", "opened-like-new", "signs-of-use", "damaged", "wrong-item", "missing-parts"] as const

// Filler rules that almost never match (narrow categories and values), then the sample rules and the default.
const filler = Array.from({ length: 200 - sample.rules.length }, (_, index) => ({
  id: `filler-${index}`,
  description: { de: `Füllregel ${index}`, en: `Filler rule ${index}` },
  conditions: {
    categories: [`category-${index}`],
    itemValue: { min: 1000 + index },
    customerHistory: { withinDays: 30 + index, returnsCount: { min: 50 } }
  },
  outcome: { kind: "refund-partial", fee: { percent: 10 }, disposition: "refurbish" }
}))
const rules = Schema.decodeUnknownSync(RefundRuleSet)({ ...sample, rules: [...filler, ...sample.rules] })

let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}

const cases: Array<RefundCase> = Array.from({ length: count }, (_, index) => ({
  order: { orderId: `SO-${index}`, currency: "EUR", paymentMethod: "paypal", totalCents: 20_000 },
  daysSinceDelivery: Math.floor(random() * 60),
  units: Array.from({ length: 3 }, (_, unit) => ({
    key: { lineId: String(unit + 1), unit: 1 },
    sku: "ALP-MUG-01",
    category: random() < 0.5 ? "kitchen" : "electronics",
    grade: grades[Math.floor(random() * grades.length)]!,
    reason: "changed-mind" as const,
    paidCents: 500 + Math.floor(random() * 6000),
    parcelOpened: random() < 0.5
  })),
  history: Array.from({ length: Math.floor(random() * 10) }, () => ({
    daysAgo: Math.floor(random() * 200),
    valueCents: Math.floor(random() * 10_000)
  })),
  alreadyRefunded: [],
  alreadyRefundedCents: 0
}))

for (const item of cases.slice(0, 500)) evaluateRefund(rules, item)
const times: Array<number> = []
for (const item of cases) {
  const start = performance.now()
  evaluateRefund(rules, item)
  times.push(performance.now() - start)
}
times.sort((a, b) => a - b)
const percentile = (p: number) =>
  times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? Number.NaN
console.log(
  `${rules.rules.length} rules, ${count} returns of 3 units: median ${(percentile(50) * 1000).toFixed(1)} µs, p99 ${(percentile(99) * 1000).toFixed(1)} µs per return`
)
