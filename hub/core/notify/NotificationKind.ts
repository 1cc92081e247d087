/** The kinds of customer notification the hub sends, each at most once per subject. */
import { Schema } from "effect"

/**
 * What a customer can be told. Each kind is sent at most once per subject (an order, a parcel, a return or a
 * shop refund, see NotificationRules): the hub's notifications table is UNIQUE on (kind, subject).
 */
export const NotificationKind = Schema.Literals([
  "order-confirmed",
  "order-cancelled",
  "packed",
  "shipped",
  "out-for-delivery",
  "delivered",
  "delay-alert",
  "address-correction",
  "address-correction-ignored",
  "address-correction-relabel",
  "address-correction-parcel-left",
  "address-correction-applied",
  "feedback-request",
  "return-received",
  "refund-issued"
])
export type NotificationKind = typeof NotificationKind.Type

/**
 * The kinds sent once per parcel: each tells of one parcel, which a mail about one of several parcels of the order
 * names (the sender's `oneParcelOfSeveral`). The feedback request is the order's, once, and asks about all of it.
 */
export const parcelKinds: ReadonlySet<NotificationKind> = new Set<NotificationKind>([
  "packed",
  "shipped",
  "out-for-delivery",
  "delivered",
  "delay-alert"
])

/**
 * Which mails a customer who unsubscribed still gets. Transactional mails confirm what happened to their order,
 * parcel, return or money, or ask them to act (the address correction): the contract needs them, so opting out
 * does not stop them. Optional mails are progress updates the tracking page also shows, and the feedback request,
 * which German case law (BGH VI ZR 225/17) counts as advertising: those stop at once on opt-out.
 */
export type MailClass = "transactional" | "optional"

export const mailClassOf: Readonly<Record<NotificationKind, MailClass>> = {
  "order-confirmed": "transactional",
  "order-cancelled": "transactional",
  packed: "optional",
  shipped: "transactional",
  "out-for-delivery": "optional",
  delivered: "optional",
  "delay-alert": "optional",
  "address-correction": "transactional",
  "address-correction-ignored": "transactional",
  "address-correction-relabel": "transactional",
  "address-correction-parcel-left": "transactional",
  "address-correction-applied": "transactional",
  "feedback-request": "optional",
  "return-received": "transactional",
  "refund-issued": "transactional"
}

export const DelayReason = Schema.Literals(["expected-date-passed", "no-carrier-scan", "carrier-exception"])
export type DelayReason = typeof DelayReason.Type

/**
 * Why the customer's correction is not used, as its mail says it: a station's word (`HubCorrectionIgnoredCause` but
 * `not-newer`, of which no one is told), or `source-changed-after`: stations applied it, and the order's source set an
 * address of its own after that, which every station follows; or `parcel-left`: a parcel of the order left with the
 * carrier from a station that had not applied it (silent, or for a reason of its own), so it carries the address it was
 * labelled for.
 */
export const IgnoredCorrectionCause = Schema.Literals([
  "handed-to-carrier",
  "source-changed",
  "source-changed-after",
  "parcel-left"
])
export type IgnoredCorrectionCause = typeof IgnoredCorrectionCause.Type
