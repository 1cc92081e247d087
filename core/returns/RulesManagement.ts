/** Replacing, installing and previewing the refund rule set in force. */
import { Effect, Ref } from "effect"
import type { Sql } from "../store/Sql.ts"
import { firstMatchingRule } from "./evaluateRefund.ts"
import { decodeRefundRules, describeRuleProblems, loadRules, type RefundRuleSet } from "./RefundRules.ts"
import { type StoredDecision, toReturnsError } from "./ReturnRows.ts"
import type { ReturnsDesk } from "./ReturnsDesk.ts"
import { ReturnsError } from "./ReturnsError.ts"
import type { RulesPreview } from "./ReturnsView.ts"

/**
 * The rule set a manager or the shop installed, kept in `station_meta` because every start configures the sample set
 * and the shop does not send again a version the station recorded as installed; `configured` when none was. A stored
 * set that no longer decodes is reported and the configured one runs.
 */
export const installedRules = (sql: Sql["Service"], configured: RefundRuleSet) =>
  Effect.gen(function* () {
    const rows = yield* sql
      .query<{ value: string }>("SELECT value FROM station_meta WHERE key = 'refund_rules'")
      .pipe(Effect.orDie)
    const stored = rows[0]
    if (stored === undefined) return configured
    const decoded = yield* Effect.result(decodeRefundRules(JSON.parse(stored.value)))
    if (decoded._tag === "Success") return decoded.success
    yield* Effect.logError(
      `The installed refund rules do not decode, the configured ones run instead:\n${describeRuleProblems(decoded.failure.problems)}`
    )
    return configured
  })

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
    yield* sql
      .execute(
        `INSERT INTO station_meta (key, value) VALUES ('refund_rules', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [JSON.stringify(loaded.active)]
      )
      .pipe(Effect.orDie)
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
