/** Evaluates the refund rules for one returned unit. */
import type { LocalizedText } from "../catalog/CatalogItem.ts"
import type {
  DeclaredReason,
  Disposition,
  Grade,
  OutcomeKind,
  Range,
  RefundRule,
  RefundRuleSet,
  RuleConditions
} from "./RefundRules.ts"

/** One physical unit of an order line: unit numbers run 1..quantity per line. */
export interface UnitKey {
  readonly lineId: string
  readonly unit: number
}

export const unitKeyText = (key: UnitKey) => `${key.lineId}#${key.unit}`

/** What the desk knows about one returned unit. Money is in integer minor units (cents) of the order's currency. */
export interface ReturnedUnit {
  readonly key: UnitKey
  readonly sku: string
  readonly category: string
  readonly grade: Grade
  readonly reason: DeclaredReason
  /** What the customer paid for this one unit, after discounts. */
  readonly paidCents: number
  readonly parcelOpened: boolean
  /**
   * True for a serialised unit whose serial is none of the serials refunded on lines the order no longer has, while
   * the order has units of its item left to refund: another physical unit than those, which the rules decide even when
   * its item is in `refundedOnFormerLines`. Absent otherwise, and in facts recorded before.
   */
  readonly otherThanRefundedOnFormerLines?: boolean
}

export interface EarlierReturn {
  readonly daysAgo: number
  readonly valueCents: number
}

export interface RefundCase {
  readonly order: {
    readonly orderId: string
    readonly currency: string
    readonly paymentMethod: string
    /** What the customer paid for the whole order. */
    readonly totalCents: number
  }
  /** Null when neither delivery nor handover is known: day-range conditions then do not match. */
  readonly daysSinceDelivery: number | null
  readonly units: ReadonlyArray<ReturnedUnit>
  readonly history: ReadonlyArray<EarlierReturn>
  /** Units of this order already decided for money in earlier evaluations, and how much was refunded in total. */
  readonly alreadyRefunded: ReadonlyArray<UnitKey>
  readonly alreadyRefundedCents: number
  /**
   * The items (SKUs) refunded on lines the order no longer has: the shop numbered its lines anew since (a parcel's
   * units then move to the new lines, core/pack/renumberParcelLines.ts, but the refunds keep the lines they were made
   * on), so a unit of one of them may be one already refunded under its old line. Absent in facts recorded before.
   */
  readonly refundedOnFormerLines?: ReadonlyArray<string>
}

export interface RefundDecision {
  readonly key: UnitKey
  readonly outcome: OutcomeKind | "already-refunded"
  /** Money (or store credit) to give back for this unit; 0 for exchange, hold and already refunded. */
  readonly amountCents: number
  /** What a manager's approval of a hold would refund: the unit's paid amount within what is left of the order. */
  readonly suggestedCents: number
  readonly disposition: Disposition | null
  readonly ruleId: string | null
  readonly reason: LocalizedText
}

const toCents = (amount: number) => Math.round(amount * 100)

const inRange = (value: number, range: Range | undefined, scale: (n: number) => number = (n) => n) =>
  range === undefined ||
  ((range.min === undefined || value >= scale(range.min)) && (range.max === undefined || value <= scale(range.max)))

const matches = (conditions: RuleConditions, unit: ReturnedUnit, input: RefundCase): boolean => {
  const c = conditions
  if (c.grades !== undefined && !c.grades.includes(unit.grade)) return false
  if (c.reasons !== undefined && !c.reasons.includes(unit.reason)) return false
  if (c.categories !== undefined && !c.categories.includes(unit.category)) return false
  if (c.paymentMethods !== undefined && !c.paymentMethods.includes(input.order.paymentMethod)) return false
  if (c.parcelOpened !== undefined && c.parcelOpened !== unit.parcelOpened) return false
  if (c.itemValue !== undefined && !inRange(unit.paidCents, c.itemValue, toCents)) return false
  if (c.orderValue !== undefined && !inRange(input.order.totalCents, c.orderValue, toCents)) return false
  if (c.daysSinceDelivery !== undefined) {
    if (input.daysSinceDelivery === null || !inRange(input.daysSinceDelivery, c.daysSinceDelivery)) return false
  }
  if (c.customerHistory !== undefined) {
    const recent = input.history.filter((earlier) => earlier.daysAgo <= c.customerHistory!.withinDays)
    if (!inRange(recent.length, c.customerHistory.returnsCount)) return false
    const value = recent.reduce((sum, earlier) => sum + earlier.valueCents, 0)
    if (!inRange(value, c.customerHistory.returnsValue, toCents)) return false
  }
  return true
}

/** The first rule whose conditions all hold; the rule set's last rule matches everything, so there is always one. */
export const firstMatchingRule = (rules: RefundRuleSet, unit: ReturnedUnit, input: RefundCase): RefundRule => {
  for (const rule of rules.rules) if (matches(rule.conditions, unit, input)) return rule
  // A decoded rule set ends with a condition-free rule; this only guards hand-built sets in tests.
  return rules.rules[rules.rules.length - 1]!
}

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`

const outcomeText = (kind: OutcomeKind, cents: number, currency: string): LocalizedText => {
  switch (kind) {
    case "refund-full":
      return { de: `volle Erstattung ${money(cents, currency)}`, en: `full refund ${money(cents, currency)}` }
    case "refund-partial":
      return { de: `Teilerstattung ${money(cents, currency)}`, en: `partial refund ${money(cents, currency)}` }
    case "store-credit":
      return { de: `Gutschrift ${money(cents, currency)}`, en: `store credit ${money(cents, currency)}` }
    case "exchange":
      return { de: "Umtausch, keine Erstattung", en: "exchange, no refund" }
    case "hold-for-review":
      return { de: "zurückgehalten zur Prüfung", en: "held for review" }
  }
}

const grossFor = (rule: RefundRule, paidCents: number): number => {
  const outcome = rule.outcome
  switch (outcome.kind) {
    case "refund-full":
    case "store-credit":
      return paidCents
    case "refund-partial": {
      const fee =
        "percent" in outcome.fee ? Math.round((paidCents * outcome.fee.percent) / 100) : toCents(outcome.fee.fixed)
      return paidCents - Math.min(fee, paidCents)
    }
    case "exchange":
    case "hold-for-review":
      return 0
  }
}

/**
 * Decides each returned unit by the first matching rule. Pure and deterministic. Whatever the rules say, a unit
 * never gets more than was paid for it, a unit already refunded (or listed twice) gets nothing, a unit of an item
 * refunded on a line the order no longer has is held for a person (`refundedOnFormerLines`) unless its serial tells it
 * is another unit (`otherThanRefundedOnFormerLines`), and the order never
 * gets back more than its paid total.
 */
export const evaluateRefund = (rules: RefundRuleSet, input: RefundCase): ReadonlyArray<RefundDecision> => {
  const claimed = new Set(input.alreadyRefunded.map(unitKeyText))
  let remaining = Math.max(0, input.order.totalCents - input.alreadyRefundedCents)
  return input.units.map((unit): RefundDecision => {
    const key = unitKeyText(unit.key)
    if (claimed.has(key)) {
      return {
        key: unit.key,
        outcome: "already-refunded",
        amountCents: 0,
        suggestedCents: 0,
        disposition: null,
        ruleId: null,
        reason: {
          de: `Position ${unit.key.lineId}, Stück ${unit.key.unit} wurde bereits entschieden`,
          en: `Line ${unit.key.lineId}, unit ${unit.key.unit} was already decided`
        }
      }
    }
    claimed.add(key)
    const paid = Math.max(0, Math.floor(unit.paidCents))
    if (input.refundedOnFormerLines?.includes(unit.sku) === true && unit.otherThanRefundedOnFormerLines !== true) {
      return {
        key: unit.key,
        outcome: "hold-for-review",
        amountCents: 0,
        suggestedCents: Math.min(paid, remaining),
        disposition: null,
        ruleId: null,
        reason: {
          de: `Der Shop hat die Positionen des Auftrags neu nummeriert, nachdem ${unit.sku} schon erstattet wurde: prüfen, ob es dasselbe Stück ist`,
          en: `The shop numbered the order's lines anew after ${unit.sku} was refunded: check it is not the same unit`
        }
      }
    }
    const rule = firstMatchingRule(rules, unit, input)
    const amountCents = Math.min(grossFor(rule, paid), remaining)
    remaining -= amountCents
    const suggestedCents = rule.outcome.kind === "hold-for-review" ? Math.min(paid, remaining) : amountCents
    const outcome = outcomeText(rule.outcome.kind, amountCents, input.order.currency)
    return {
      key: unit.key,
      outcome: rule.outcome.kind,
      amountCents,
      suggestedCents,
      disposition: rule.outcome.disposition,
      ruleId: rule.id,
      reason: { de: `${rule.description.de}: ${outcome.de}`, en: `${rule.description.en}: ${outcome.en}` }
    }
  })
}
