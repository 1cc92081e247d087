/** The view model of the Returns screen. */
import { Schema } from "effect"
import { LocalizedText } from "../catalog/CatalogItem.ts"
import { DecidedOutcome, DeclaredReason, Disposition, Grade } from "./RefundRules.ts"
import { ReturnFlag } from "./ReturnsEvents.ts"

/** `failed`: the shop refused to pay it out. `rejected-*`: the hub refused the refund because another return holds the unit or the paid amount is used up. */
export const RefundStatus = Schema.Literals([
  "decided",
  "held",
  "approved",
  "issued",
  "failed",
  "rejected-duplicate",
  "rejected-over-paid"
])
export type RefundStatus = typeof RefundStatus.Type

/** Who changed the rules' decision, when and why: kept with the decision for audits. */
export const ManagerSignOff = Schema.Struct({
  badgeId: Schema.String,
  name: Schema.String,
  atMs: Schema.Number,
  reason: Schema.String,
  kind: Schema.Literals(["override", "approval"])
})
export type ManagerSignOff = typeof ManagerSignOff.Type

/** Why the hub refused this unit's refund, and which return (on which station) holds it. */
export const RefundRejectionView = Schema.Struct({
  reason: LocalizedText,
  otherReturnId: Schema.String,
  otherStationId: Schema.String
})
export type RefundRejectionView = typeof RefundRejectionView.Type

export const ItemDecisionView = Schema.Struct({
  /** `no-refund`: decided with nothing to refund (see DecidedOutcome); its status is null, nothing to approve. */
  outcome: DecidedOutcome,
  amountCents: Schema.Int,
  currency: Schema.String,
  ruleId: Schema.NullOr(Schema.String),
  reason: LocalizedText,
  /** Null when nothing can be refunded for it (not in the order, or no unit left of its line). */
  status: Schema.NullOr(RefundStatus),
  signOff: Schema.NullOr(ManagerSignOff),
  rejection: Schema.optionalKey(RefundRejectionView)
})

/**
 * Another item of the order's returns at this station (not cancelled) with the same serial: the same physical unit,
 * on its line as that return took it in (`formerLine`: one the order no longer has, the shop numbered its lines anew
 * since), with that return's state, whether that item is decided and its refund's status: decided with a refund (the
 * status), decided with no refund (`decided`, status null: `no-refund`, or nothing in the order to refund on it), or
 * not decided yet (neither). Read from the database as the case is shown, so it holds across a restart and goes once
 * that return is cancelled.
 */
export const SameUnitView = Schema.Struct({
  returnId: Schema.String,
  rmaId: Schema.NullOr(Schema.String),
  itemRef: Schema.String,
  lineId: Schema.NullOr(Schema.String),
  unit: Schema.NullOr(Schema.Int),
  formerLine: Schema.Boolean,
  returnStatus: Schema.Literals(["open", "finished"]),
  decided: Schema.Boolean,
  refundStatus: Schema.NullOr(RefundStatus)
})
export type SameUnitView = typeof SameUnitView.Type

export const ReturnItemView = Schema.Struct({
  itemRef: Schema.String,
  lineId: Schema.NullOr(Schema.String),
  unit: Schema.NullOr(Schema.Int),
  sku: Schema.NullOr(Schema.String),
  name: Schema.NullOr(LocalizedText),
  gtin: Schema.NullOr(Schema.String),
  serial: Schema.NullOr(Schema.String),
  lot: Schema.NullOr(Schema.String),
  flags: Schema.Array(ReturnFlag),
  /**
   * For an item taken as unknown (`unknown-item`) whose catalog entry an older version stored beyond today's bounds:
   * its SKU and the fields beyond them, so the desk names it as the pack bench does. Read as the case is shown, as the
   * catalog holds every read to today's bounds: gone once the shop sends the item again.
   */
  beyondBounds: Schema.optionalKey(Schema.Struct({ sku: Schema.String, fields: Schema.Array(Schema.String) })),
  /** The same serialised unit in other items of the order's returns here (see SameUnitView); absent when none. */
  sameUnitIn: Schema.optionalKey(Schema.Array(SameUnitView)),
  declaredReason: DeclaredReason,
  grade: Schema.NullOr(Grade),
  opened: Schema.NullOr(Schema.Boolean),
  notes: Schema.NullOr(Schema.String),
  disposition: Schema.NullOr(Disposition),
  suggestedDisposition: Schema.NullOr(Disposition),
  decision: Schema.NullOr(ItemDecisionView)
})
export type ReturnItemView = typeof ReturnItemView.Type

export const ShippedUnitView = Schema.Struct({
  parcelId: Schema.String,
  lineId: Schema.String,
  sku: Schema.String,
  quantity: Schema.Int,
  serial: Schema.NullOr(Schema.String),
  lot: Schema.NullOr(Schema.String)
})

/** Where the return window counts from: delivery when the shop told us, else the carrier handover, else packing. */
export const ReturnWindowView = Schema.Struct({
  basis: Schema.Literals(["delivery", "handover", "packed", "unknown"]),
  sinceMs: Schema.NullOr(Schema.Number),
  days: Schema.NullOr(Schema.Int),
  windowDays: Schema.Int,
  state: Schema.Literals(["open", "closed", "unknown"])
})
export type ReturnWindowView = typeof ReturnWindowView.Type

/**
 * A note the station keeps on a return: a parcel no order was found for (the scan and its kind, for the screen to word
 * in its language), or words.
 */
export const ReturnNoteView = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("no-order"), scanned: Schema.String, scanKind: Schema.String }),
  Schema.Struct({ kind: Schema.Literal("text"), text: Schema.String })
])
export type ReturnNoteView = typeof ReturnNoteView.Type

export const ReturnCaseView = Schema.Struct({
  returnId: Schema.String,
  status: Schema.Literals(["open", "finished", "cancelled"]),
  known: Schema.Boolean,
  orderId: Schema.NullOr(Schema.String),
  parcelId: Schema.NullOr(Schema.String),
  rmaId: Schema.NullOr(Schema.String),
  currency: Schema.NullOr(Schema.String),
  notes: Schema.Array(ReturnNoteView),
  shipped: Schema.Array(ShippedUnitView),
  declared: Schema.Array(Schema.Struct({ sku: Schema.String, quantity: Schema.Int, reason: Schema.String })),
  window: ReturnWindowView,
  /**
   * Whether the clerk can cancel the return (open, no refund decided for any of its units): what the desk advises for a
   * unit that is not to be refunded here follows from it (cancel and take the parcel in again, or decide it with no
   * refund and set where it goes).
   */
  cancellable: Schema.Boolean,
  items: Schema.Array(ReturnItemView)
})
export type ReturnCaseView = typeof ReturnCaseView.Type

/** The returns desk as the screen shows it: the return being worked on, if any. */
export const ReturnsView = Schema.Struct({ current: Schema.NullOr(ReturnCaseView) })
export type ReturnsView = typeof ReturnsView.Type

export const RulesPreview = Schema.Struct({
  evaluated: Schema.Int,
  rules: Schema.Array(
    Schema.Struct({
      ruleId: Schema.String,
      matched: Schema.Array(
        Schema.Struct({ returnId: Schema.String, itemRef: Schema.String, decidedBy: Schema.NullOr(Schema.String) })
      )
    })
  )
})
export type RulesPreview = typeof RulesPreview.Type
