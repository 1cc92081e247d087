/** The refund rule set's schema: grades, return reasons and the rules that decide refunds. */
import { Effect, Schema } from "effect"
import { BoundedInt, BoundedNumber, Bounds, IdText, MajorUnits } from "../bounds/Bounds.ts"
import { LocalizedLine } from "../catalog/CatalogItem.ts"
import { type DecodeProblem, decodeStrict } from "../decode/DecodeProblem.ts"

/** The clerk's verdict on one returned unit, from best to worst; wrong-item means it is not what was shipped. */
export const Grade = Schema.Literals([
  "new-sealed",
  "opened-like-new",
  "signs-of-use",
  "damaged",
  "wrong-item",
  "missing-parts"
])
export type Grade = typeof Grade.Type

/** Why the customer says they return it, as the shop's return form offers it. */
export const DeclaredReason = Schema.Literals([
  "changed-mind",
  "wrong-size",
  "defective",
  "not-as-described",
  "wrong-item-sent",
  "arrived-damaged",
  "arrived-late",
  "other",
  "none-given"
])
export type DeclaredReason = typeof DeclaredReason.Type

export const Disposition = Schema.Literals(["restock", "refurbish", "return-to-vendor", "liquidate", "dispose"])
export type Disposition = typeof Disposition.Type

export const OutcomeKind = Schema.Literals([
  "refund-full",
  "refund-partial",
  "exchange",
  "store-credit",
  "hold-for-review"
])
export type OutcomeKind = typeof OutcomeKind.Type

/**
 * What a unit was decided: an outcome the rules or a manager give, or `no-refund`: decided with nothing to refund, as
 * the unit was refunded already (in this return, or in another while this one can no longer be cancelled). No refund
 * row is kept for it, so nothing waits for a manager; no rule and no override gives it.
 */
export const DecidedOutcome = Schema.Literals([...OutcomeKind.literals, "no-refund"])
export type DecidedOutcome = typeof DecidedOutcome.Type

/**
 * Inclusive bounds on a value of one kind; either may be left out. Every rule set comes from outside (the shop's
 * `rules.update`, a manager's file), so each bound is finite and plausible for its kind (core/bounds).
 */
const RangeOf = <S extends Schema.Top>(value: S) =>
  Schema.Struct({ min: Schema.optionalKey(value), max: Schema.optionalKey(value) })

/** Days since delivery or back in a customer's history: a span of days (`Bounds.maxDays`). */
const Days = BoundedNumber(0, Bounds.maxDays)

/**
 * Money in a rule is in major units of the order's currency (42.30), as the shop writes prices: `evaluateRefund`
 * turns it into cents, so its bound is `Bounds.maxMajorUnits`, whose cents are `Bounds.maxMinorUnits`.
 */
const Money = MajorUnits

/** A count of a customer's earlier returns: `Bounds.maxQuantity`, the most units one return may hold, is beyond any. */
const ReturnsCount = BoundedNumber(0, Bounds.maxQuantity)

const DayRange = RangeOf(Days)
const MoneyRange = RangeOf(Money)
const CountRange = RangeOf(ReturnsCount)
/** A range of any kind: days, money and counts share one shape. */
export type Range = typeof MoneyRange.Type

/**
 * The values one condition may list. Grades and reasons have 6 and 9 (a longer list only repeats them), a shop offers
 * a dozen payment methods, and a rule about more than a few hundred categories is better written the other way round:
 * a rule before it for the few categories it leaves out. 256 keeps what every unit's evaluation compares small.
 */
export const MAX_CONDITION_VALUES = 256

/**
 * The rules one set may have. The sample has 9 and the benchmark (`bench/returns-rules.ts`) times 200; every unit is
 * evaluated against the rules in order and the Manager screen lists them all, so 1,000 bounds both while leaving a
 * shop five times the benchmark's set.
 */
export const MAX_RULES = 1_000

const ConditionList = <S extends Schema.Top>(item: S) =>
  Schema.Array(item).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_CONDITION_VALUES))

/**
 * Every condition given must hold (AND); a condition left out matches anything. Money is in the order's currency,
 * per unit for `itemValue` (what the customer paid for it after discounts) and the paid total for `orderValue`.
 * Categories and payment methods are ids, as the catalog and the shop's orders carry them.
 */
export const RuleConditions = Schema.Struct({
  grades: Schema.optionalKey(ConditionList(Grade)),
  reasons: Schema.optionalKey(ConditionList(DeclaredReason)),
  /** Days since delivery, or since the carrier took the parcel when no delivery date is known. */
  daysSinceDelivery: Schema.optionalKey(DayRange),
  itemValue: Schema.optionalKey(MoneyRange),
  orderValue: Schema.optionalKey(MoneyRange),
  categories: Schema.optionalKey(ConditionList(IdText)),
  /** The customer's earlier returns within the last `withinDays` days (this return not counted). */
  customerHistory: Schema.optionalKey(
    Schema.Struct({
      withinDays: BoundedInt(1, Bounds.maxDays),
      returnsCount: Schema.optionalKey(CountRange),
      returnsValue: Schema.optionalKey(MoneyRange)
    })
  ),
  paymentMethods: Schema.optionalKey(ConditionList(IdText)),
  /** Whether the product's own packaging was opened (not the shipping box). */
  parcelOpened: Schema.optionalKey(Schema.Boolean)
})
export type RuleConditions = typeof RuleConditions.Type

/** A restocking fee: a share of what was paid, or a fixed amount; never more than the unit's paid amount. */
export const RestockingFee = Schema.Union([
  Schema.Struct({ percent: BoundedNumber(0, 100) }),
  Schema.Struct({ fixed: Money })
])
export type RestockingFee = typeof RestockingFee.Type

export const RuleOutcome = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("refund-full"), disposition: Disposition }),
  Schema.Struct({ kind: Schema.Literal("refund-partial"), fee: RestockingFee, disposition: Disposition }),
  Schema.Struct({ kind: Schema.Literal("exchange"), disposition: Disposition }),
  Schema.Struct({ kind: Schema.Literal("store-credit"), disposition: Disposition }),
  Schema.Struct({ kind: Schema.Literal("hold-for-review"), disposition: Disposition })
])
export type RuleOutcome = typeof RuleOutcome.Type

export const RefundRule = Schema.Struct({
  /** At most 64 characters, well within `Bounds.maxIdChars`. */
  id: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,63}$/)),
  description: LocalizedLine,
  conditions: RuleConditions,
  outcome: RuleOutcome
})
export type RefundRule = typeof RefundRule.Type

/** An ordered rule set: the first rule whose conditions all hold decides; the last rule is the catch-all hold. */
export const RefundRuleSet = Schema.Struct({
  version: Schema.Literal(1),
  returnWindowDays: BoundedInt(1, Bounds.maxDays),
  rules: Schema.Array(RefundRule).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_RULES))
})
export type RefundRuleSet = typeof RefundRuleSet.Type

/** One thing wrong with a rule file, naming the rule (id when readable, else its position) and the field. */
export interface RuleProblem {
  readonly rule: string | null
  readonly field: string
  readonly message: string
}

export class RefundRulesError extends Schema.TaggedError<RefundRulesError>()("RefundRulesError", {
  problems: Schema.Array(
    Schema.Struct({ rule: Schema.NullOr(Schema.String), field: Schema.String, message: Schema.String })
  )
}) {}

const rulePath = /^rules\[(\d+)\]\.?(.*)$/

const ruleName = (raw: unknown, index: number): string => {
  const rules = typeof raw === "object" && raw !== null ? (raw as { rules?: unknown }).rules : undefined
  const rule = Array.isArray(rules) ? (rules[index] as unknown) : undefined
  const id = typeof rule === "object" && rule !== null ? (rule as { id?: unknown }).id : undefined
  return typeof id === "string" && id !== "" ? `"${id}" (rules[${index}])` : `rules[${index}]`
}

const locate = (raw: unknown, problem: DecodeProblem): RuleProblem => {
  const match = rulePath.exec(problem.path)
  if (match === null)
    return { rule: null, field: problem.path === "" ? "(root)" : problem.path, message: problem.message }
  return {
    rule: ruleName(raw, Number(match[1])),
    field: match[2] === "" ? "(rule)" : match[2]!,
    message: problem.message
  }
}

const rangeProblem = (range: Range | undefined, field: string): ReadonlyArray<Omit<RuleProblem, "rule">> =>
  range?.min !== undefined && range.max !== undefined && range.min > range.max
    ? [{ field, message: `min ${range.min} is greater than max ${range.max}: no value can match` }]
    : []

const hasConditions = (conditions: RuleConditions) => Object.keys(conditions).length > 0

/** What the schema cannot say: unique ids, consistent ranges, and a default hold rule at the end. */
const semanticProblems = (set: RefundRuleSet): ReadonlyArray<RuleProblem> => {
  const problems: Array<RuleProblem> = []
  const seen = new Map<string, number>()
  for (const [index, rule] of set.rules.entries()) {
    const name = `"${rule.id}" (rules[${index}])`
    const first = seen.get(rule.id)
    if (first !== undefined)
      problems.push({ rule: name, field: "id", message: `id is already used by rules[${first}]` })
    seen.set(rule.id, index)
    const c = rule.conditions
    for (const problem of [
      ...rangeProblem(c.daysSinceDelivery, "conditions.daysSinceDelivery"),
      ...rangeProblem(c.itemValue, "conditions.itemValue"),
      ...rangeProblem(c.orderValue, "conditions.orderValue"),
      ...rangeProblem(c.customerHistory?.returnsCount, "conditions.customerHistory.returnsCount"),
      ...rangeProblem(c.customerHistory?.returnsValue, "conditions.customerHistory.returnsValue")
    ]) {
      problems.push({ rule: name, ...problem })
    }
    if (index < set.rules.length - 1 && !hasConditions(c)) {
      problems.push({
        rule: name,
        field: "conditions",
        message: "a rule without conditions matches everything: only the last (default) rule may have none"
      })
    }
  }
  const last = set.rules[set.rules.length - 1]
  if (last !== undefined && (hasConditions(last.conditions) || last.outcome.kind !== "hold-for-review")) {
    problems.push({
      rule: `"${last.id}" (rules[${set.rules.length - 1}])`,
      field: hasConditions(last.conditions) ? "conditions" : "outcome.kind",
      message: "the last rule is the default: it must have no conditions and the outcome hold-for-review"
    })
  }
  return problems
}

/** Decodes a rule file; every problem names the rule and the field so the author can find it. */
export const decodeRefundRules = (raw: unknown): Effect.Effect<RefundRuleSet, RefundRulesError> =>
  decodeStrict(RefundRuleSet)(raw).pipe(
    Effect.mapError((problems) => new RefundRulesError({ problems: problems.map((problem) => locate(raw, problem)) })),
    Effect.flatMap((set) => {
      const problems = semanticProblems(set)
      return problems.length === 0 ? Effect.succeed(set) : Effect.fail(new RefundRulesError({ problems }))
    })
  )

export const describeRuleProblems = (problems: ReadonlyArray<RuleProblem>): string =>
  problems.map((p) => `${p.rule === null ? "rule file" : `rule ${p.rule}`}, ${p.field}: ${p.message}`).join("\n")

/**
 * Replaces the active rule set with a new file, or keeps the previous one when the file is malformed: a typo in a
 * rule update must never leave the desk without rules (or with half of them).
 */
export const loadRules = (
  previous: RefundRuleSet,
  raw: unknown
): Effect.Effect<{ readonly active: RefundRuleSet; readonly error: RefundRulesError | null }> =>
  decodeRefundRules(raw).pipe(
    Effect.map((active) => ({ active, error: null })),
    Effect.catch((error: RefundRulesError) => Effect.succeed({ active: previous, error }))
  )
