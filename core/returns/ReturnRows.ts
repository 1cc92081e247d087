/** The returns desk's database rows and the constants its parts share. */
import { Schema } from "effect"
import type { SessionError } from "../session/SessionError.ts"
import type { StoreError } from "../store/Sql.ts"
import type { Timestamp } from "../time/Clock.ts"
import type { RefundCase } from "./evaluateRefund.ts"
import {
  type DecidedOutcome,
  DeclaredReason,
  type Disposition,
  type Grade,
  type OutcomeKind,
  type RefundRuleSet
} from "./RefundRules.ts"
import { ReturnsError } from "./ReturnsError.ts"
import type { RefundRejectionView, RefundStatus } from "./ReturnsView.ts"

/** The returns desk's rows as the station database keeps them (migration 0040), and what every part of it shares. */

export const DAY_MS = 86_400_000
/**
 * The least history the desk reads of a customer's earlier returns, whatever the rules ask for: a decision keeps it in
 * its facts, and a rule set previewed later (`previewRules`) is run on them.
 */
export const HISTORY_DAYS = 365

/**
 * How many days back the desk reads a customer's earlier returns for `rules`: as far as their longest
 * `customerHistory.withinDays` (at most `Bounds.maxDays`), so a rule counting two years counts two years, and at least
 * `HISTORY_DAYS`. The returns are found by `returns_by_customer` (migration 0092), however far back.
 */
export const historyDaysFor = (rules: RefundRuleSet): number =>
  Math.max(HISTORY_DAYS, ...rules.rules.map((rule) => rule.conditions.customerHistory?.withinDays ?? 0))

export interface ReturnRow {
  readonly return_id: string
  readonly status: "open" | "finished" | "cancelled"
  readonly order_id: string | null
  readonly parcel_id: string | null
  readonly rma_id: string | null
  readonly customer_id: string | null
  readonly scanned: string
  readonly notes: string
  readonly received_at_ms: number
}

export interface ItemRow {
  readonly item_ref: string
  readonly return_id: string
  readonly line_id: string | null
  readonly unit: number | null
  readonly sku: string | null
  readonly gtin: string | null
  readonly serial: string | null
  readonly lot: string | null
  readonly flags: string
  readonly grade: Grade | null
  readonly opened: number | null
  readonly notes: string | null
  readonly disposition: Disposition | null
  readonly disposition_reason: string | null
  readonly decision: string | null
}

export interface RefundRow {
  readonly order_id: string
  readonly line_id: string
  readonly unit: number
  readonly item_ref: string
  readonly outcome: OutcomeKind
  readonly amount_cents: number
  readonly currency: string
  readonly rule_id: string | null
  readonly status: RefundStatus
  readonly override: string | null
}

export interface ParcelItemRow {
  readonly parcel_id: string
  readonly line_id: string
  readonly sku: string
  readonly quantity: number
  readonly serial: string | null
  readonly lot: string | null
}

/** What was decided for one unit, kept with the item together with the facts it was decided on (for rule previews). */
export interface StoredDecision {
  readonly outcome: DecidedOutcome
  readonly amountCents: number
  readonly suggestedCents: number
  readonly currency: string
  readonly ruleId: string | null
  readonly reason: { readonly de: string; readonly en: string }
  readonly suggestedDisposition: Disposition
  readonly facts: RefundCase | null
  /** Set when the hub refused the refund (see ReturnsInbound's `refund.rejected`). */
  readonly rejection?: RefundRejectionView
}

export type WithAt = { readonly at?: Timestamp }

export const returnsError = (reason: ReturnsError["reason"], message: string) => new ReturnsError({ reason, message })

/**
 * A failure of the desk as the desk names it: a database constraint is the refunds table's guard against paying a
 * unit twice, any other database failure is the store's.
 */
export const toReturnsError = (error: StoreError | ReturnsError | SessionError): ReturnsError | SessionError =>
  error._tag !== "StoreError"
    ? error
    : error.reason === "Constraint"
      ? returnsError("already-refunded", `A refund decision already exists for this unit: ${error.message}`)
      : returnsError("store-unavailable", `The station database refused: ${error.message}`)

export const asDeclaredReason = (reason: string | undefined): DeclaredReason =>
  reason === undefined ? "none-given" : Schema.is(DeclaredReason)(reason) ? reason : "other"

/** An RMA as the shop registered it (see ReturnsInbound). */
export interface RmaData {
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly reason: string }>
  readonly returnTrackingNumber?: string
  readonly deliveredAt?: string
}

export const declaredReasonFor = (
  rmas: ReadonlyArray<RmaData & { readonly rmaId: string }>,
  rmaId: string | null,
  sku: string | null
): DeclaredReason => {
  const preferred = rmas.filter((rma) => rma.rmaId === rmaId)
  const pool = preferred.length > 0 ? preferred : rmas
  return asDeclaredReason(pool.flatMap((rma) => rma.items).find((item) => item.sku === sku)?.reason)
}
