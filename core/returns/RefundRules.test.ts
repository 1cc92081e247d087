import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { decodeRefundRules, describeRuleProblems, loadRules, type RefundRuleSet } from "./RefundRules.ts"

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
})
