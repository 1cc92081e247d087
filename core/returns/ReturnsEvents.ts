/** The events the returns desk records: returns taken in, units graded, refunds decided and paid. */
import { Schema } from "effect"
import { LocalizedText } from "../catalog/CatalogItem.ts"
import { orderTransaction } from "../events/Epcis.ts"
import type { EpcisView } from "../events/Event.ts"
import { defineEvent } from "../events/EventDefinition.ts"
import { type ItemQualifier, itemDigitalLink } from "../scan/gs1/formatDigitalLink.ts"
import { DecidedOutcome, DeclaredReason, Disposition, Grade } from "./RefundRules.ts"
import { RefundRejectionReason } from "./ReturnsMessages.ts"

/**
 * GS1 Digital Link URIs name items in EPCIS 2.0 without knowing the length of each brand's company prefix; they are
 * written by the GS1 writer (core/scan/gs1/formatDigitalLink.ts), so they read back with parseDigitalLink.
 */
const itemUri = (gtin: string, qualifier?: ItemQualifier): string | undefined => {
  const link = itemDigitalLink(gtin, qualifier)
  return link.ok ? link.uri : undefined
}

/**
 * A serialised unit is an EPC of its own; anything else counts as one of its GTIN (or lot) class. A serial or lot the
 * URI syntax cannot carry counts under the GTIN alone; an item without a valid GTIN is named by nothing GS1 knows.
 */
const what = (item: { readonly gtin: string | null; readonly serial: string | null; readonly lot: string | null }) => {
  if (item.gtin === null) return {}
  const unit = item.serial === null ? undefined : itemUri(item.gtin, { ai: "21", value: item.serial })
  if (unit !== undefined) return { epcList: [unit] }
  const epcClass =
    (item.lot === null ? undefined : itemUri(item.gtin, { ai: "10", value: item.lot })) ?? itemUri(item.gtin)
  return epcClass === undefined ? {} : { quantityList: [{ epcClass, quantity: 1 }] }
}

const orderTransactionOf = (orderId: string | null) =>
  orderId === null ? {} : { bizTransactionList: orderTransaction(orderId) }

const ItemIdentity = {
  returnId: Schema.String,
  itemRef: Schema.String,
  orderId: Schema.NullOr(Schema.String),
  lineId: Schema.NullOr(Schema.String),
  unit: Schema.NullOr(Schema.Int),
  sku: Schema.NullOr(Schema.String),
  gtin: Schema.NullOr(Schema.String),
  serial: Schema.NullOr(Schema.String),
  lot: Schema.NullOr(Schema.String)
}

export const ReturnFlag = Schema.Literals([
  "not-in-order",
  "serial-mismatch",
  "lot-mismatch",
  "more-than-shipped",
  "unknown-item"
])
export type ReturnFlag = typeof ReturnFlag.Type

/** A parcel came back and was taken in; `known: false` when no order could be found for it (never refused). */
export const ReturnReceived = defineEvent({
  type: "return.received",
  version: 1,
  payload: Schema.Struct({
    returnId: Schema.String,
    known: Schema.Boolean,
    orderId: Schema.NullOr(Schema.String),
    parcelId: Schema.NullOr(Schema.String),
    rmaId: Schema.NullOr(Schema.String),
    ssccUrn: Schema.NullOr(Schema.String),
    scanned: Schema.String,
    notes: Schema.String
  }),
  epcis: (payload): EpcisView => ({
    eventType: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "receiving",
    disposition: "returned",
    ...(payload.ssccUrn === null ? {} : { epcList: [payload.ssccUrn] }),
    ...orderTransactionOf(payload.orderId)
  })
})

/**
 * A correction: the clerk cancelled a return opened by mistake (a wrong code scanned, a parcel that is no return).
 * The `return.received` it corrects (`corrects`, that event's id) stays in the log as it was; this event says that it
 * no longer counts. No refund was decided for any of its units: those need the manager's override instead.
 */
export const ReturnCancelled = defineEvent({
  type: "return.cancelled",
  version: 1,
  payload: Schema.Struct({
    returnId: Schema.String,
    corrects: Schema.NullOr(Schema.String),
    orderId: Schema.NullOr(Schema.String),
    scanned: Schema.String,
    itemCount: Schema.Int,
    reason: Schema.String
  })
})

/** One unit looked at: what it is, how it is, and what does not match what was shipped. */
export const ReturnItemGraded = defineEvent({
  type: "return.item-graded",
  version: 1,
  payload: Schema.Struct({
    ...ItemIdentity,
    grade: Grade,
    opened: Schema.Boolean,
    declaredReason: DeclaredReason,
    flags: Schema.Array(ReturnFlag),
    notes: Schema.NullOr(Schema.String)
  }),
  epcis: (payload): EpcisView => ({
    eventType: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "inspecting",
    disposition: payload.grade === "damaged" || payload.grade === "missing-parts" ? "damaged" : "returned",
    ...what(payload),
    ...orderTransactionOf(payload.orderId)
  })
})

const cbvOf: Record<Disposition, { readonly bizStep: string; readonly disposition: string }> = {
  restock: { bizStep: "stocking", disposition: "sellable_accessible" },
  refurbish: { bizStep: "repairing", disposition: "non_sellable_other" },
  "return-to-vendor": { bizStep: "holding", disposition: "returned" },
  liquidate: { bizStep: "holding", disposition: "non_sellable_other" },
  dispose: { bizStep: "destroying", disposition: "destroyed" }
}

/** Where the unit goes next; `changedFrom` and `reason` when the clerk overrode the rules' suggestion. */
export const ReturnDispositionSet = defineEvent({
  type: "return.disposition-set",
  version: 1,
  payload: Schema.Struct({
    ...ItemIdentity,
    disposition: Disposition,
    suggested: Schema.NullOr(Disposition),
    reason: Schema.NullOr(Schema.String)
  }),
  epcis: (payload): EpcisView => ({
    eventType: "ObjectEvent",
    action: "OBSERVE",
    ...cbvOf[payload.disposition],
    ...what(payload),
    ...orderTransactionOf(payload.orderId)
  })
})

export const DecisionSource = Schema.Literals(["rules", "manager-override", "manager-approval"])

/**
 * The money decision for one unit: by the rules, or by a manager (who, why) overriding or approving a hold. Version 2
 * adds the outcome `no-refund` (decided with nothing to refund: the unit was refunded already); version 1 wrote such a
 * unit as `hold-for-review` with amount 0. A version 1 payload is a version 2 one, so this schema reads both, and a hub
 * takes both (`HubProjection`); a hub before version 2 holds a version 2 event until its upgrade.
 */
export const ReturnRefundDecided = defineEvent({
  type: "return.refund-decided",
  version: 2,
  payload: Schema.Struct({
    ...ItemIdentity,
    outcome: DecidedOutcome,
    amountCents: Schema.Int,
    currency: Schema.String,
    ruleId: Schema.NullOr(Schema.String),
    reason: LocalizedText,
    source: DecisionSource,
    previousOutcome: Schema.NullOr(DecidedOutcome)
  })
})

/** The versions of `return.refund-decided` its schema reads: every one a station wrote. */
export const refundDecidedVersions: ReadonlyArray<number> = [1, ReturnRefundDecided.version]

/**
 * A correction: the `return.refund-decided` it names (`corrects`, that event's id) recorded the unit's decision as
 * what it was not (`correctedOutcome`); the decision is `outcome`, for `amountCents`, for `reason`. The corrected event
 * stays in the log as it was (append-only, as EPCIS keeps an erroneous event and declares it wrong with a new one); a
 * reader takes this event's outcome for the unit instead of that event's. The station writes it once per corrected
 * event: for a version 1 event that recorded a unit decided with nothing to refund as `hold-for-review` at 0 (see
 * `NoRefundCorrections`). No EPCIS view, as the decision it corrects has none: money, not where a unit is.
 */
export const ReturnRefundDecisionCorrected = defineEvent({
  type: "return.refund-decision-corrected",
  version: 1,
  payload: Schema.Struct({
    ...ItemIdentity,
    corrects: Schema.String,
    correctedOutcome: DecidedOutcome,
    outcome: DecidedOutcome,
    amountCents: Schema.Int,
    currency: Schema.String,
    reason: LocalizedText
  })
})

/** The shop confirmed it paid the refund out; recorded once per unit however often the confirmation arrives. */
export const ReturnRefundIssued = defineEvent({
  type: "return.refund-issued",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    lineId: Schema.String,
    unit: Schema.Int,
    itemRef: Schema.String,
    amountCents: Schema.Int,
    currency: Schema.String,
    shopRefundId: Schema.String
  })
})

/** The shop refused to pay this unit's refund out; the hub's Shop card lets a manager retry it. */
export const ReturnRefundFailed = defineEvent({
  type: "return.refund-failed",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    lineId: Schema.String,
    unit: Schema.Int,
    itemRef: Schema.String,
    reason: Schema.String
  })
})

/**
 * The hub refused this unit's refund: another return holds the unit (under the order's other line numbering, when the
 * shop numbered the lines anew in between), or the order's paid amount is used up.
 */
export const ReturnRefundRejected = defineEvent({
  type: "return.refund-rejected",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    lineId: Schema.String,
    unit: Schema.Int,
    itemRef: Schema.String,
    returnId: Schema.String,
    reason: RefundRejectionReason,
    otherReturnId: Schema.String,
    otherStationId: Schema.String
  })
})
