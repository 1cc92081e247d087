/** Replacing, installing and previewing the refund rule set in force. */
import { Effect, Ref } from "effect"
import type { Sql } from "../store/Sql.ts"
import { firstMatchingRule } from "./evaluateRefund.ts"
import { decodeRefundRules, describeRuleProblems, loadRules, type RefundRuleSet } from "./RefundRules.ts"
import { type StoredDecision, toReturnsError } from "./ReturnRows.ts"
import type { ReturnsDesk } from "./ReturnsDesk.ts"
import { ReturnsError } from "./ReturnsError.ts"
import type { RulesPreview } from "./ReturnsView.ts"

/** What runs while the installed rules are not valid (see `installedRules`): one rule holding every unit, saying why. */
const holdEverything = (returnWindowDays: number): RefundRuleSet => ({
  version: 1,
  returnWindowDays,
  rules: [
    {
      id: "installed-rules-unusable",
      description: {
        de: "Die installierten Erstattungsregeln sind ungültig (siehe Protokoll): jede Einheit wird zur Prüfung zurückgehalten, bis neue Regeln installiert sind",
        en: "The installed refund rules are not valid (see the log): everything is held for review until new rules are installed"
      },
      conditions: {},
      outcome: { kind: "hold-for-review", disposition: "restock" }
    }
  ]
})

/**
 * The rule set a manager or the shop installed, kept in `station_meta` because every start configures the sample set
 * and the shop does not send again a version the station recorded as installed; `configured` when none was.
 *
 * A stored set is read against today's schema and bounds, never a looser one: one an older version accepted beyond
 * them (a return window of a century, a fixed fee of 1e308 €) is not a set anybody can vouch for, and a refund never
 * goes out on it. Nor does the configured sample set run in its place: the shop replaced that one and will not send
 * its own again. Such a set (or one that no longer decodes at all) is reported, with every rule and field, and every
 * unit is held for review by a rule that says why, on each decision and on the Manager screen's rules card, until
 * the shop's next `rules.update` or a manager's `rules.replace` installs a set that fits. The desk and `rules.active`
 * keep working meanwhile: the holding set is within the bounds.
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
      `The installed refund rules are not valid, so every returned unit is held for review until new rules are installed:\n${describeRuleProblems(decoded.failure.problems)}`
    )
    return holdEverything(configured.returnWindowDays)
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
