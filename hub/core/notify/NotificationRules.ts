/** The pure rules deciding which customer notifications are due and when they may go out. */
import type { TrackingStatus } from "../tracking/TrackingStatus.ts"
import { isFinalStatus } from "../tracking/TrackingStatus.ts"
import { addDays, isoDate, localParts, localToUtcMs } from "./LocalTime.ts"
import { type DelayReason, mailClassOf, type NotificationKind } from "./NotificationKind.ts"
import type { NotifySettings } from "./NotifySettings.ts"

/**
 * The hub's notification rules, pure: given what happened and what was already sent, which notifications are
 * due and when they may go out. The hub stores each answer as a row UNIQUE on (kind, subject), so a rule that
 * fires twice (a redelivered event, a second timer tick) still sends once; the rules avoid firing twice anyway.
 */

export interface NotificationIntent {
  readonly kind: NotificationKind
  /** What the notification is about: the order for order-level kinds, the parcel for parcel-level ones. */
  readonly subjectId: string
  readonly orderId: string
  readonly parcelId?: string
  readonly delayReason?: DelayReason
}

/** The station facts the rules react to, already decoded. */
export type StationFact =
  | { readonly type: "order.received"; readonly orderId: string }
  /**
   * The order was cancelled before its parcel left: before packing, or after it while the station held the parcel
   * back (a cancellation of a parcel that leaves is a return, not this).
   */
  | {
      readonly type: "order.cancelled"
      readonly orderId: string
      /**
       * The order version that cancelled it when the shop had taken an earlier cancellation back: that notice was
       * for the first, and this one is told as well. Absent for an order's first cancellation.
       */
      readonly afterReinstatementVersion?: number
    }
  /** `round`: the how-manieth hold of the order's address; each is its own request. */
  | { readonly type: "order.address-hold"; readonly orderId: string; readonly round: number }
  /**
   * The customer's correction `correction` (the hold it answers) is not used, for a reason the customer is told: the
   * parcel had left, or the order's source set another address itself, before or after the stations applied it
   * (decided from every station's word, hub/core/correction/CorrectionAnswers.ts).
   */
  | {
      readonly type: "order.hub-correction-ignored"
      readonly orderId: string
      readonly correction: number
      readonly parcel?: CorrectionParcel
    }
  /**
   * A station applied the customer's correction `correction` when the order's parcel was packed there already,
   * labelled for the address before: the parcel is held until it leaves with a label for the new address.
   */
  | { readonly type: "order.hub-correction-relabel"; readonly orderId: string; readonly correction: number }
  /**
   * The customer was told that correction `correction` is not used because the parcel goes to the address the source
   * set, and a parcel of the order has left since without the correction: they learn that it left, once.
   */
  | {
      readonly type: "order.hub-correction-parcel-left"
      readonly orderId: string
      readonly correction: number
      readonly parcel?: CorrectionParcel
    }
  /**
   * The customer was told that correction `correction` is not used because of a parcel that left, and the station
   * that packed it (heard of after the handover) had applied it: that mail was wrong, and the customer is told so once.
   */
  | {
      readonly type: "order.hub-correction-applied"
      readonly orderId: string
      readonly correction: number
      readonly parcel?: CorrectionParcel
    }
  | { readonly type: "parcel.packed"; readonly orderId: string; readonly parcelId: string }
  | { readonly type: "parcel.handed-to-carrier"; readonly orderId: string; readonly parcelId: string }
  /** A return of a known order was taken in; `returnRef` is unique across stations (site and return id). */
  | { readonly type: "return.received"; readonly orderId: string; readonly returnRef: string }
  /** The shop paid out one unit's refund; several units of one shop refund share `shopRefundId`. */
  | { readonly type: "return.refund-issued"; readonly orderId: string; readonly shopRefundId: string }

/**
 * The subject of a refund mail: one shop refund of one order. The shop pays the units of one decision in one
 * refund, so the customer gets one mail with the total, not one per unit; a replayed confirmation is the same
 * subject and sends nothing.
 */
export const refundSubject = (orderId: string, shopRefundId: string) => `${orderId}/${shopRefundId}`

/**
 * The subject of a mail about what became of a customer's correction (not applied, or its parcel held for a new
 * label): one of each kind per correction (the hold it answers).
 */
export const correctionSubject = (orderId: string, correction: number) => `${orderId}/correction-${correction}`

/**
 * The subject of a mail about what became of a customer's correction that one parcel's leaving calls for, when the
 * correction's own mail of that kind tells of another parcel (see `CorrectionParcel`): one of each kind per correction
 * and parcel. The parcel's id is percent-encoded, so it holds no `/` and no two orders' and parcels' ids give one
 * subject; it ends as a `correctionSubject` does, so `correctionOfSubject` reads its correction.
 */
export const parcelCorrectionSubject = (orderId: string, correction: number, parcelId: string) =>
  `${orderId}/parcel/${encodeURIComponent(parcelId)}/correction-${correction}`

/**
 * The parcel whose leaving a mail about a correction tells of, and whether that mail is its own: the correction's
 * mail of each kind (`correctionSubject`) tells of the first parcel, or of none (the stations' answers decided it), and
 * a later parcel that left without the correction is told of in a mail of its own (`parcelCorrectionSubject`), once
 * per kind: hub/core/correction/CorrectionAnswers.ts decides which.
 */
export interface CorrectionParcel {
  readonly parcelId: string
  readonly ownMail: boolean
}

/** The mail each fact about what became of a customer's correction calls for. */
const correctionMailKinds = {
  "order.hub-correction-ignored": "address-correction-ignored",
  "order.hub-correction-relabel": "address-correction-relabel",
  "order.hub-correction-parcel-left": "address-correction-parcel-left",
  "order.hub-correction-applied": "address-correction-applied"
} as const satisfies Record<string, NotificationKind>

/** The subject of the mail a fact about a correction calls for. */
const correctionMailSubject = (fact: {
  readonly orderId: string
  readonly correction: number
  readonly parcel?: CorrectionParcel
}) =>
  fact.parcel?.ownMail === true
    ? parcelCorrectionSubject(fact.orderId, fact.correction, fact.parcel.parcelId)
    : correctionSubject(fact.orderId, fact.correction)

/** The correction a `correctionSubject` or `parcelCorrectionSubject` names; undefined for any other subject. */
export const correctionOfSubject = (subjectId: string): number | undefined => {
  const match = /\/correction-([1-9][0-9]{0,15})$/.exec(subjectId)
  return match === null ? undefined : Number(match[1])
}

/**
 * The notifications a station fact calls for. Order confirmations are the shop's job unless the hub is told to send
 * them (`orderConfirmations`); a cancellation is told only when `cancellationNotice` is on.
 */
export const intentsForStationFact = (
  fact: StationFact,
  settings: Pick<NotifySettings, "orderConfirmations" | "cancellationNotice">
): ReadonlyArray<NotificationIntent> => {
  switch (fact.type) {
    case "order.received":
      if (!settings.orderConfirmations) return []
      // A newer version of the order is received again; the confirmation is about the order, so it stays one.
      return [{ kind: "order-confirmed", subjectId: fact.orderId, orderId: fact.orderId }]
    case "order.cancelled":
      return settings.cancellationNotice
        ? [
            {
              kind: "order-cancelled",
              subjectId:
                fact.afterReinstatementVersion === undefined
                  ? fact.orderId
                  : `${fact.orderId}/cancelled-v${fact.afterReinstatementVersion}`,
              orderId: fact.orderId
            }
          ]
        : []
    case "order.address-hold":
      // The first hold keeps the order as its subject (as before holds were counted); each later one is its own.
      return [
        {
          kind: "address-correction",
          subjectId: fact.round <= 1 ? fact.orderId : `${fact.orderId}/hold-${fact.round}`,
          orderId: fact.orderId
        }
      ]
    case "order.hub-correction-ignored":
    case "order.hub-correction-relabel":
    case "order.hub-correction-parcel-left":
    case "order.hub-correction-applied":
      // Once per correction and kind, however many stations say so, and whichever reason the mail gives; a parcel
      // told of in a mail of its own, once per parcel and kind.
      return [
        {
          kind: correctionMailKinds[fact.type],
          subjectId: correctionMailSubject(fact),
          orderId: fact.orderId,
          ...("parcel" in fact && fact.parcel !== undefined ? { parcelId: fact.parcel.parcelId } : {})
        }
      ]
    case "parcel.packed":
      return [{ kind: "packed", subjectId: fact.parcelId, orderId: fact.orderId, parcelId: fact.parcelId }]
    case "parcel.handed-to-carrier":
      return [{ kind: "shipped", subjectId: fact.parcelId, orderId: fact.orderId, parcelId: fact.parcelId }]
    case "return.received":
      // Keyed on the return, not the order: a second parcel sent back for the same order is a second return.
      return [{ kind: "return-received", subjectId: fact.returnRef, orderId: fact.orderId }]
    case "return.refund-issued":
      return [
        { kind: "refund-issued", subjectId: refundSubject(fact.orderId, fact.shopRefundId), orderId: fact.orderId }
      ]
  }
}

export interface ParcelRef {
  readonly orderId: string
  readonly parcelId: string
}

/** Notifications a change of the parcel's tracking status calls for; none when the status did not change. */
export const intentsForTrackingChange = (
  parcel: ParcelRef,
  before: TrackingStatus | undefined,
  after: TrackingStatus | undefined
): ReadonlyArray<NotificationIntent> => {
  if (after === undefined || after === before) return []
  const base = { subjectId: parcel.parcelId, orderId: parcel.orderId, parcelId: parcel.parcelId }
  switch (after) {
    case "out-for-delivery":
      return [{ ...base, kind: "out-for-delivery" }]
    case "delivered":
      return [{ ...base, kind: "delivered" }]
    case "exception":
      // Whatever the sub-reason (damaged, customs, weather, "delayed"), the customer hears of it once.
      return [{ ...base, kind: "delay-alert", delayReason: "carrier-exception" }]
    default:
      return []
  }
}

/** What the hub knows about one parcel when its timers are checked. */
export interface ParcelProgress extends ParcelRef {
  readonly status: TrackingStatus | undefined
  readonly handedAtMs: number | undefined
  readonly expectedDeliveryByMs: number | undefined
  readonly lastScanAtMs: number | undefined
  readonly deliveredAtMs: number | undefined
  /** Kinds already recorded for this parcel (delay-alert) or its order (feedback-request). */
  readonly notified: ReadonlySet<NotificationKind>
  /** The order's other parcels the hub knows (packed or handed over): the feedback request waits for them. */
  readonly otherParcels: ReadonlyArray<OrderParcelState>
}

/** Where one parcel of an order is, as the feedback request's timing sees it. */
export interface OrderParcelState {
  readonly status: TrackingStatus | undefined
  readonly deliveredAtMs: number | undefined
}

/**
 * When the order arrived, for its feedback request: the last delivery of its parcels once none is still to come, or
 * undefined while one is (packed and not handed over, or on its way). A parcel that will never arrive (returned to
 * sender, or expired: the carrier's tracking lifetime passed without a word) no longer holds the request; one in an
 * exception (damaged, lost) may still arrive and holds it until the carrier says so or its tracking expires.
 */
export const orderDeliveredAtMs = (parcels: ReadonlyArray<OrderParcelState>): number | undefined => {
  let last: number | undefined
  for (const parcel of parcels) {
    if (parcel.status === "returned-to-sender" || parcel.status === "expired") continue
    if (parcel.status !== "delivered" || parcel.deliveredAtMs === undefined) return undefined
    last = Math.max(last ?? parcel.deliveredAtMs, parcel.deliveredAtMs)
  }
  return last
}

/**
 * Time-driven notifications: the feedback request a while after the order's last parcel was delivered (never before
 * a delivered scan, nor while another parcel of the order is still to come, never twice) and a delay alert when the promised day has passed or the carrier went quiet (one per parcel: a
 * customer who was told once about a delay is not told again by the next rule).
 */
export const dueTimedIntents = (
  parcel: ParcelProgress,
  nowMs: number,
  settings: NotifySettings
): ReadonlyArray<NotificationIntent> => {
  if (parcel.status === "delivered" && parcel.deliveredAtMs !== undefined) {
    if (parcel.notified.has("feedback-request")) return []
    const arrivedAtMs = orderDeliveredAtMs([parcel, ...parcel.otherParcels])
    if (arrivedAtMs === undefined || nowMs < arrivedAtMs + settings.feedbackDelayMs) return []
    return [{ kind: "feedback-request", subjectId: parcel.orderId, orderId: parcel.orderId, parcelId: parcel.parcelId }]
  }
  if (parcel.handedAtMs === undefined || (parcel.status !== undefined && isFinalStatus(parcel.status))) return []
  if (parcel.notified.has("delay-alert")) return []
  const base = { kind: "delay-alert" as const, subjectId: parcel.parcelId, orderId: parcel.orderId }
  if (parcel.expectedDeliveryByMs !== undefined && nowMs > parcel.expectedDeliveryByMs) {
    return [{ ...base, parcelId: parcel.parcelId, delayReason: "expected-date-passed" }]
  }
  const lastSign = Math.max(parcel.handedAtMs, parcel.lastScanAtMs ?? 0)
  if (nowMs - lastSign >= settings.noScanAlertMs) {
    return [{ ...base, parcelId: parcel.parcelId, delayReason: "no-carrier-scan" }]
  }
  return []
}

/** How long after it is recorded a notification may first go out: refund mails wait for their sibling units. */
export const settleDelayMs = (kind: NotificationKind, settings: NotifySettings): number =>
  kind === "refund-issued" ? settings.refundSettleMs : 0

/**
 * When a message may go out: now, or the end of quiet hours in the customer's time zone (`customerTimeZone`). A
 * deferred message waits; it is never dropped.
 */
export const sendWindow = (
  nowMs: number,
  timeZone: string,
  settings: NotifySettings
): { readonly sendAtMs: number; readonly deferred: boolean } => {
  const { startHour, endHour } = settings.quietHours
  const local = localParts(nowMs, timeZone)
  const quiet =
    startHour > endHour
      ? local.hour >= startHour || local.hour < endHour
      : local.hour >= startHour && local.hour < endHour
  if (!quiet) return { sendAtMs: nowMs, deferred: false }
  const day = local.hour >= endHour ? addDays(local, 1) : local
  return { sendAtMs: localToUtcMs({ ...day, hour: endHour }, timeZone), deferred: true }
}

/**
 * The day the carrier should deliver: transit business days (Mon–Fri) after the handover, in the customer's local
 * time (`timeZone`, from `customerTimeZone`).
 */
export const expectedDelivery = (
  handedAtMs: number,
  carrier: string,
  serviceLevel: string,
  timeZone: string,
  settings: NotifySettings
): { readonly date: string; readonly byMs: number } => {
  const table = settings.transitDays[carrier]
  const days = table?.[serviceLevel] ?? table?.["*"] ?? settings.defaultTransitDays
  let day = (() => {
    const local = localParts(handedAtMs, timeZone)
    return { year: local.year, month: local.month, day: local.day, weekday: local.weekday }
  })()
  for (let left = days; left > 0; ) {
    day = addDays(day, 1)
    if (day.weekday !== 0 && day.weekday !== 6) left--
  }
  // "By" the end of that local day: the delay alert waits until the whole promised day has passed.
  const next = addDays(day, 1)
  return { date: isoDate(day), byMs: localToUtcMs({ ...next, hour: 0 }, timeZone) }
}

/**
 * Whether a mail of `kind` may go to the customer: opted-out customers still get transactional mail (see
 * `mailClassOf`), no optional mail. The hub keeps a refused mail as "suppressed" with the reason, never drops it.
 */
export const mayNotify = (kind: NotificationKind, customer: { readonly optedOut: boolean }): boolean =>
  !customer.optedOut || mailClassOf[kind] === "transactional"
