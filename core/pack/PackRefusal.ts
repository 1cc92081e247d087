import { Schema } from "effect"

/**
 * Why the bench refused an input. Stable: the UI translates them and exception events carry them, so a code is only
 * ever added, never renamed.
 */
export const RefusalCode = Schema.Literals([
  "order-unknown",
  "order-cancelled",
  "order-on-hold",
  "order-address-hold",
  "order-already-packed",
  "order-already-open",
  "order-in-progress",
  "no-order-open",
  "scan-unreadable",
  "item-unknown",
  "wrong-item",
  "other-order-item",
  "surplus",
  "serial-missing",
  "lot-missing",
  "duplicate-serial",
  "nothing-to-count",
  "quantity-invalid",
  "quantity-needs-scans",
  "nothing-to-undo",
  "manager-required",
  "line-unknown",
  "line-complete",
  "reason-required",
  "not-all-verified",
  "parcel-empty",
  "box-unknown",
  "no-box",
  "weight-invalid",
  "weight-out-of-tolerance",
  "box-overweight",
  "no-weight",
  "parcel-closed",
  "label-pending",
  "tracking-range-exhausted",
  "label-content",
  "no-batch-open",
  "batch-open",
  "batch-empty",
  "parcel-unknown",
  "parcel-not-packed",
  "parcel-other-carrier",
  "parcel-already-scanned",
  "order-changed"
])
export type RefusalCode = typeof RefusalCode.Type

export const Refusal = Schema.Struct({
  code: RefusalCode,
  reason: Schema.String,
  otherOrderId: Schema.optionalKey(Schema.String)
})
