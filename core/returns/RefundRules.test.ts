import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Bounds } from "../bounds/Bounds.ts"
import {
  decodeRefundRules,
  describeRuleProblems,
  loadRules,
  MAX_CONDITION_VALUES,
  MAX_RULES,
  type RefundRuleSet
} from "./RefundRules.ts"

const sample = JSON.parse(readFileSync(join(import.meta.dirname, "../../fixtures/data/refund-rules.json"), "utf8"))
const clone = (): { rules: Array<Record<string, unknown>> } & Record<string, unknown> => structuredClone(sample)

const problemsOf = async (raw: unknown) => {
  const exit = await Effect.runPromise(Effect.exit(decodeRefundRules(raw)))
  if (Exit.isSuccess(exit)) throw new Error("expected the rule file to be refused")
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")
  if (error === undefined) throw new Error(String(exit.cause))
  return (error as { error: { problems: ReadonlyArray<{ rule: string | null; field: string; message: string }> } })
    .error.problems
}

describe("refund rule file", () => {
  it("decodes the sample file, which ends with the default hold and holds the perfect-condition seed rule", async () => {
    const rules = await Effect.runPromise(decodeRefundRules(sample))
    expect(rules.rules.at(-1)).toMatchObject({
      id: "default-hold",
      conditions: {},
      outcome: { kind: "hold-for-review" }
    })
    expect(rules.rules.find((rule) => rule.id === "perfect-condition")).toMatchObject({
      conditions: { grades: ["new-sealed", "opened-like-new"] },
      outcome: { kind: "refund-full", disposition: "restock" }
    })
  })

  it("names the rule by id and the field when a field is wrong", async () => {
    const raw = clone()
    raw.rules[6] = {
      ...raw.rules[6],
      outcome: { kind: "refund-partial", fee: { percent: 140 }, disposition: "refurbish" }
    }
    const problems = await problemsOf(raw)
    expect(problems).toEqual([
      expect.objectContaining({ rule: '"signs-of-use-fee" (rules[6])', field: expect.stringMatching(/^outcome/) })
    ])
  })

  it("names the rule by index when it has no readable id, and reports unknown keys", async () => {
    const raw = clone()
    raw.rules[2] = { ...raw.rules[2], id: 42 }
    raw.rules[3] = { ...raw.rules[3], conditions: { grade: ["new-sealed"] } }
    const problems = await problemsOf(raw)
    expect(problems).toContainEqual(expect.objectContaining({ rule: "rules[2]", field: "id" }))
    expect(problems).toContainEqual(
      expect.objectContaining({ rule: '"perfect-condition" (rules[3])', field: "conditions.grade" })
    )
    expect(describeRuleProblems(problems)).toContain('rule "perfect-condition" (rules[3]), conditions.grade')
  })

  it("refuses an unknown grade, duplicate ids, an empty range and a missing default hold", async () => {
    const raw = clone()
    raw.rules[0] = { ...raw.rules[0], conditions: { grades: ["mint"] } }
    raw.rules[1] = { ...raw.rules[1], id: "perfect-condition" }
    raw.rules[4] = { ...raw.rules[4], conditions: { itemValue: { min: 50, max: 10 } } }
    expect(await problemsOf(raw)).toContainEqual(
      expect.objectContaining({ rule: '"wrong-item-returned" (rules[0])', field: "conditions.grades[0]" })
    )
    raw.rules[0] = sample.rules[0]
    const semantic = await problemsOf(raw)
    expect(semantic).toContainEqual(expect.objectContaining({ rule: '"perfect-condition" (rules[3])', field: "id" }))
    expect(semantic).toContainEqual(
      expect.objectContaining({ rule: '"defective-on-arrival" (rules[4])', field: "conditions.itemValue" })
    )
    const noDefault = clone()
    noDefault.rules.pop()
    expect(await problemsOf(noDefault)).toContainEqual(
      expect.objectContaining({ rule: '"damaged-by-customer" (rules[7])', field: "conditions" })
    )
  })

  it("keeps the previously active rule set when the new file is malformed", async () => {
    const previous: RefundRuleSet = await Effect.runPromise(decodeRefundRules(sample))
    const raw = clone()
    raw.rules[3] = { ...raw.rules[3], outcome: { kind: "refund-everything", disposition: "restock" } }
    const kept = await Effect.runPromise(loadRules(previous, raw))
    expect(kept.active).toBe(previous)
    expect(kept.error?.problems[0]).toMatchObject({ rule: '"perfect-condition" (rules[3])' })
    const replaced = await Effect.runPromise(loadRules(previous, { ...sample, returnWindowDays: 14 }))
    expect(replaced.error).toBeNull()
    expect(replaced.active.returnWindowDays).toBe(14)
  })

  /** The sample file with one rule (by index) given other conditions or outcome, or the set itself changed. */
  const withRule = (index: number, change: Record<string, unknown>) => {
    const raw = clone()
    raw.rules[index] = { ...raw.rules[index], ...change }
    return raw
  }
  const tooLong = (chars: number) => "x".repeat(chars + 1)
  const filler = (count: number) =>
    Array.from({ length: count }, (_, index) => ({
      id: `filler-${index}`,
      description: { de: "Füllregel", en: "Filler rule" },
      conditions: { categories: [`category-${index}`] },
      outcome: { kind: "hold-for-review", disposition: "restock" }
    }))

  it.each([
    ["a return window beyond 10 years", { ...sample, returnWindowDays: Bounds.maxDays + 1 }, null, "returnWindowDays"],
    [
      "a day range beyond 10 years",
      withRule(3, { conditions: { grades: ["new-sealed"], daysSinceDelivery: { max: Bounds.maxDays + 1 } } }),
      '"perfect-condition" (rules[3])',
      "conditions.daysSinceDelivery.max"
    ],
    [
      "a look-back beyond 10 years",
      withRule(1, { conditions: { customerHistory: { withinDays: Bounds.maxDays + 1 } } }),
      '"frequent-returner" (rules[1])',
      "conditions.customerHistory.withinDays"
    ],
    [
      "a count of earlier returns beyond any customer's",
      withRule(1, {
        conditions: { customerHistory: { withinDays: 90, returnsCount: { min: Bounds.maxQuantity + 1 } } }
      }),
      '"frequent-returner" (rules[1])',
      "conditions.customerHistory.returnsCount.min"
    ],
    [
      "a value of earlier returns beyond any money",
      withRule(1, { conditions: { customerHistory: { withinDays: 90, returnsValue: { max: 1e308 } } } }),
      '"frequent-returner" (rules[1])',
      "conditions.customerHistory.returnsValue.max"
    ],
    [
      "an item value beyond any money",
      withRule(5, { conditions: { categories: ["electronics"], itemValue: { min: Bounds.maxMajorUnits + 1 } } }),
      '"expensive-electronics-used" (rules[5])',
      "conditions.itemValue.min"
    ],
    [
      "an order value beyond any money",
      withRule(5, { conditions: { categories: ["electronics"], orderValue: { max: 1e308 } } }),
      '"expensive-electronics-used" (rules[5])',
      "conditions.orderValue.max"
    ],
    [
      "a fixed restocking fee beyond any money",
      withRule(6, { outcome: { kind: "refund-partial", fee: { fixed: 1e308 }, disposition: "refurbish" } }),
      '"signs-of-use-fee" (rules[6])',
      "outcome.fee"
    ],
    [
      "a category longer than an id",
      withRule(5, { conditions: { categories: [tooLong(Bounds.maxIdChars)] } }),
      '"expensive-electronics-used" (rules[5])',
      "conditions.categories[0]"
    ],
    [
      "more categories than a condition may list",
      withRule(5, { conditions: { categories: filler(MAX_CONDITION_VALUES + 1).map((rule) => rule.id) } }),
      '"expensive-electronics-used" (rules[5])',
      "conditions.categories"
    ],
    [
      "a payment method longer than an id",
      withRule(5, { conditions: { paymentMethods: [tooLong(Bounds.maxIdChars)] } }),
      '"expensive-electronics-used" (rules[5])',
      "conditions.paymentMethods[0]"
    ],
    [
      "more payment methods than a condition may list",
      withRule(5, { conditions: { paymentMethods: Array.from({ length: MAX_CONDITION_VALUES + 1 }, () => "paypal") } }),
      '"expensive-electronics-used" (rules[5])',
      "conditions.paymentMethods"
    ],
    [
      "more grades than a condition may list",
      withRule(3, { conditions: { grades: Array.from({ length: MAX_CONDITION_VALUES + 1 }, () => "new-sealed") } }),
      '"perfect-condition" (rules[3])',
      "conditions.grades"
    ],
    [
      "more reasons than a condition may list",
      withRule(4, { conditions: { reasons: Array.from({ length: MAX_CONDITION_VALUES + 1 }, () => "defective") } }),
      '"defective-on-arrival" (rules[4])',
      "conditions.reasons"
    ],
    [
      "a description longer than a line of text",
      withRule(2, { description: { de: "Gutschrift", en: tooLong(Bounds.maxTextChars) } }),
      '"outside-window" (rules[2])',
      "description.en"
    ],
    ["more rules than a set may have", { ...sample, rules: [...filler(MAX_RULES), ...sample.rules] }, null, "rules"]
  ])("refuses %s, naming the rule and the field", async (_, raw, rule, field) => {
    expect(await problemsOf(raw)).toEqual([expect.objectContaining({ rule, field })])
  })

  it("takes every bound itself", async () => {
    const raw = withRule(1, {
      conditions: {
        customerHistory: {
          withinDays: Bounds.maxDays,
          returnsCount: { max: Bounds.maxQuantity },
          returnsValue: { max: Bounds.maxMajorUnits }
        },
        daysSinceDelivery: { min: 0, max: Bounds.maxDays },
        itemValue: { max: Bounds.maxMajorUnits },
        orderValue: { max: Bounds.maxMajorUnits },
        categories: Array.from({ length: MAX_CONDITION_VALUES }, () => "c".repeat(Bounds.maxIdChars))
      },
      description: { de: "d".repeat(Bounds.maxTextChars), en: "e" }
    })
    raw.rules[6] = {
      ...raw.rules[6],
      outcome: { kind: "refund-partial", fee: { fixed: Bounds.maxMajorUnits }, disposition: "refurbish" }
    }
    const rules = [...filler(MAX_RULES - sample.rules.length), ...raw.rules]
    const decoded = await Effect.runPromise(decodeRefundRules({ ...raw, returnWindowDays: Bounds.maxDays, rules }))
    expect(decoded.rules).toHaveLength(MAX_RULES)
  })
})
