/** Words, in the bench's language, for a returned unit's refund decision: what was decided, for how much, and why. */
import type { Locale, ReturnsView } from "../../../core/api/StationApi.ts"
import { keepUnitsTogether } from "./keepUnitsTogether.ts"
import type { Translate } from "./Translator.ts"

export type Decision = NonNullable<NonNullable<ReturnsView["current"]>["items"][number]["decision"]>

export interface DecisionText {
  /** Money moves (ok), waits for a person (held), is settled another way (neutral), or none is refunded (closed). */
  readonly tone: "ok" | "held" | "neutral" | "closed"
  readonly outcome: string
  /** Null when no money is at stake at all: a unit decided with no refund has no amount to show, not 0. */
  readonly amount: string | null
  /** The refund's status; null when there is no refund for the unit. */
  readonly status: string | null
  readonly reason: string
  /** Whether a manager can approve it: only a refund held for review waits for one. */
  readonly approvable: boolean
}

const money = (locale: Locale, cents: number, currency: string) =>
  currency === ""
    ? (cents / 100).toFixed(2)
    : new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100)

export const describeDecision = (t: Translate, locale: Locale, decision: Decision): DecisionText => {
  const { outcome } = decision
  return {
    tone:
      outcome === "refund-full" || outcome === "refund-partial"
        ? "ok"
        : outcome === "hold-for-review"
          ? "held"
          : outcome === "no-refund"
            ? "closed"
            : "neutral",
    outcome: t(`outcome.${outcome}`),
    amount: outcome === "no-refund" ? null : money(locale, decision.amountCents, decision.currency),
    status: decision.status === null ? null : t(`refundStatus.${decision.status}`),
    // The shop's own words from its refund rules ("20 % Wiedereinlagerungsgebühr").
    reason: keepUnitsTogether(decision.reason[locale]),
    approvable: decision.status === "held"
  }
}
