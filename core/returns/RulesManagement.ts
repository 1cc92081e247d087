/** Replacing, installing and previewing the refund rule set in force. */
import { Effect, Ref } from "effect"
import { firstMatchingRule } from "./evaluateRefund.ts"
import { describeRuleProblems, loadRules } from "./RefundRules.ts"
import { type StoredDecision, toReturnsError } from "./ReturnRows.ts"
import type { ReturnsDesk } from "./ReturnsDesk.ts"
import { ReturnsError } from "./ReturnsError.ts"
import type { RulesPreview } from "./ReturnsView.ts"

/**
 * The refund rule set in force: replaced by a manager or installed from the shop, never by a malformed file (the
 * error names rule and field, the active set stays), and previewed against recent decisions before it goes live.
 */
export const makeRulesManagement = (desk: ReturnsDesk) => {
  const { sql, clerk, manager, activeRules } = desk
  const rulesProblem = (error: {
    readonly problems: ReadonlyArray<{ rule: string | null; field: string; message: string }>
  }) =>
    new ReturnsError({
      reason: "rules-invalid",
      message: describeRuleProblems(error.problems),
      details: error.problems.map((p) => ({
        path: p.rule === null ? p.field : `${p.rule} ${p.field}`,
        message: p.message
      }))
    })

  const installRules = Effect.fn("ReturnsService.installRules")(function* (raw: unknown) {
    const loaded = yield* loadRules(yield* Ref.get(activeRules), raw)
    if (loaded.error !== null) return yield* Effect.fail(rulesProblem(loaded.error))
    yield* Ref.set(activeRules, loaded.active)
    return loaded.active
  })

  const replaceRules = Effect.fn("ReturnsService.replaceRules")(function* (raw: unknown) {
    yield* manager
    return yield* installRules(raw)
  })

  const previewRules = Effect.fn("ReturnsService.previewRules")(function* (raw: unknown) {
    yield* clerk
    const loaded = yield* loadRules(yield* Ref.get(activeRules), raw)
    if (loaded.error !== null) return yield* Effect.fail(rulesProblem(loaded.error))
    const rows = yield* sql.query<{ item_ref: string; return_id: string; decision: string }>(
      "SELECT item_ref, return_id, decision FROM return_items WHERE decision IS NOT NULL ORDER BY rowid DESC LIMIT 200"
    )
    const matched = new Map(
      loaded.active.rules.map((rule) => [rule.id, [] as Array<RulesPreview["rules"][number]["matched"][number]>])
    )
    let evaluated = 0
    for (const row of rows) {
      const stored = JSON.parse(row.decision) as StoredDecision
      const unit = stored.facts?.units[0]
      if (stored.facts === null || unit === undefined) continue
      evaluated++
      const rule = firstMatchingRule(loaded.active, unit, stored.facts)
      matched.get(rule.id)?.push({ returnId: row.return_id, itemRef: row.item_ref, decidedBy: stored.ruleId })
    }
    const preview: RulesPreview = {
      evaluated,
      rules: [...matched].map(([ruleId, items]) => ({ ruleId, matched: items }))
    }
    return preview
  }, Effect.mapError(toReturnsError))
  return { installRules, replaceRules, previewRules, rules: Ref.get(activeRules) }
}
