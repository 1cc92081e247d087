/** The wire contract of the returns desk's inbound messages (RMAs, payouts, the hub's refusals). */
import { Schema } from "effect"
import { IdText, LineText, Quantity } from "../bounds/Bounds.ts"
import { MAX_ORDER_LINES } from "../orders/Order.ts"

/*
 * The messages the returns desk receives through the station's inbox: the shop's RMAs and payout confirmations, and
 * the hub's refusal of a refund another station already claimed. They are the wire contract between the station, the
 * shop and the hub, so the hub reads them from here without depending on the desk.
 */

/**
 * The shop announced a return: which units the customer sends back and why (the reason as their form gave it). Stored
 * as it came and shown to the clerk as what the customer declared, so bounded like an order (core/bounds): ids are ids,
 * a reason a line of text, a count one an order line can have, and no more items than an order has lines.
 */
export const ReturnRegistered = Schema.Struct({
  rmaId: IdText.check(Schema.isMinLength(1)),
  orderId: IdText,
  items: Schema.Array(
    Schema.Struct({
      sku: IdText,
      quantity: Quantity,
      reason: LineText
    })
  ).check(Schema.isMaxLength(MAX_ORDER_LINES)),
  returnTrackingNumber: Schema.optionalKey(IdText),
  /** ISO 8601; when known, the return window counts from here instead of from the carrier handover. */
  deliveredAt: Schema.optionalKey(IdText)
})
export type ReturnRegistered = typeof ReturnRegistered.Type

/** The shop paid a decided refund out. */
export const RefundConfirmed = Schema.Struct({
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  shopRefundId: Schema.String
})

/**
 * The shop paid a refund out, as the hub's shop connector reports it (`inbox/refund.issued`, on the station stream of
 * the station that decided it): the unit by its item, the shop's refund and what it paid for the unit. Supersedes
 * `refund.confirmed`, which the station still takes.
 */
export const RefundIssued = Schema.Struct({
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  itemRef: Schema.String,
  shopRefundId: Schema.String,
  amountCents: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100_000_000 })),
  currency: Schema.String
})
export type RefundIssued = typeof RefundIssued.Type

/** The shop refused to pay a refund out (its reason as it gave it); a manager may have the hub try again. */
export const RefundFailed = Schema.Struct({
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  itemRef: Schema.String,
  reason: Schema.String.check(Schema.isMaxLength(1000))
})
export type RefundFailed = typeof RefundFailed.Type

/**
 * Why the hub refused a refund: another return holds the unit (`duplicate-unit`), holds it under the order's other
 * line numbering (`duplicate-unit-renumbered`: one of the two refunds is on a line the shop has since numbered anew),
 * or the order's refunds would go above what was paid (`paid-amount-exceeded`). A station quarantines a reason it does
 * not know with the whole message and leaves its refund as it was, so a new reason needs the stations upgraded first.
 */
export const RefundRejectionReason = Schema.Literals([
  "duplicate-unit",
  "duplicate-unit-renumbered",
  "paid-amount-exceeded"
])
export type RefundRejectionReason = typeof RefundRejectionReason.Type

/**
 * The hub refused a refund this station decided, because another return (on another station, or earlier) already
 * holds that unit, or because it would take the order's refunds above what was paid. Sent on the station's hub
 * stream (`inbox/hub/refund.rejected`); the unit's refund is then shown as rejected with the other return named.
 */
export const RefundRejected = Schema.Struct({
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  itemRef: Schema.String,
  returnId: Schema.String,
  reason: RefundRejectionReason,
  otherReturnId: Schema.String,
  otherStationId: Schema.String,
  /** Whether the other return's refund is only requested yet or already paid out. */
  otherStatus: Schema.Literals(["requested", "issued"]),
  /**
   * Whether the hub knew every line the two decisions were made on, so a `duplicate-unit` is one on the order's present
   * lines: false when the holding claim was made before the hub kept its station's line (hub migration 70), absent
   * from hubs before this field. A station shows a `duplicate-unit` without `true` as one that may be across a
   * renumbering of the order's lines. Older stations ignore it.
   */
  linesKnown: Schema.optionalKey(Schema.Boolean)
})
export type RefundRejected = typeof RefundRejected.Type
