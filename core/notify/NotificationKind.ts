import { Schema } from "effect"

/**
 * What a customer can be told. Each kind is sent at most once per subject (an order or a parcel, see
 * `subjectOf` in NotificationRules): the hub's notifications table is UNIQUE on (kind, subject).
 */
export const NotificationKind = Schema.Literals([
  "order-confirmed",
  "packed",
  "shipped",
  "out-for-delivery",
  "delivered",
  "delay-alert",
  "address-correction",
  "feedback-request"
])
export type NotificationKind = typeof NotificationKind.Type

export const DelayReason = Schema.Literals(["expected-date-passed", "no-carrier-scan", "carrier-exception"])
export type DelayReason = typeof DelayReason.Type
