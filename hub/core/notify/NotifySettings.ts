/** The hub's notification settings (transit times, delays, quiet hours) and their defaults. */
import type { Locale, NotifyOverrides } from "../../../core/config/StationConfig.ts"

/** Business days in transit per carrier and service level; `*` is the carrier's default service. */
export type TransitTable = Readonly<Record<string, Readonly<Record<string, number>>>>

export interface NotifySettings {
  /** Local hours in which no mail goes out: [startHour, endHour) wrapping midnight, e.g. 21 → 8. */
  readonly quietHours: { readonly startHour: number; readonly endHour: number }
  /**
   * Where a customer of each locale most likely lives, for an order whose shipping address does not tell
   * (CustomerTimeZone): quiet hours and delivery dates are local there.
   */
  readonly timeZones: Readonly<Record<Locale, string>>
  /** How long after the delivered scan the feedback request goes out. */
  readonly feedbackDelayMs: number
  /**
   * How long a refund mail waits before it goes out, so that the other units the shop paid in the same refund
   * (confirmed one by one) are in its total.
   */
  readonly refundSettleMs: number
  /** A parcel on its way with no carrier scan for this long gets a delay alert. */
  readonly noScanAlertMs: number
  /**
   * A handover batch none of whose parcels the carrier scanned this long after the handover is a cage the carrier
   * did not collect (or lost): the Manager screen raises it.
   */
  readonly pickupAlertMs: number
  readonly transitDays: TransitTable
  /** Transit time for a carrier the table does not know. */
  readonly defaultTransitDays: number
  /** The hub mails order confirmations; off by default, since the shop that took the order confirms it. */
  readonly orderConfirmations: boolean
  /** The hub tells the customer that an order was cancelled; off by default, the shop usually does. */
  readonly cancellationNotice: boolean
  /** How long the link of an address correction mail works. */
  readonly addressCorrectionTtlMs: number
  /** Refused corrections per link before it locks, so the form cannot be used to probe addresses. */
  readonly addressCorrectionMaxAttempts: number
  /**
   * How long after a customer's correction the hub waits for every station that has the order to answer it: a station
   * that stays silent (gone, switched off, a build that drops the correction) then no longer keeps the customer from
   * hearing that it is not used, and a mail that the parcel goes to the shop's address goes only after it, so that a
   * parcel another station handed over meanwhile is known (hub/core/correction/CorrectionAnswers.ts).
   */
  readonly correctionAnswerWaitMs: number
}

const hour = 3_600_000

/**
 * Transit times as the carriers advertise them for domestic German parcels (DHL Paket: 1–2 working days, Prio
 * next day; UPS Standard 1–3; Deutsche Post Warenpost 2–3). The upper end is used: a promise that is kept beats
 * one that is early.
 */
export const defaultNotifySettings: NotifySettings = {
  quietHours: { startHour: 21, endHour: 8 },
  timeZones: { de: "Europe/Berlin", en: "Europe/London" },
  feedbackDelayMs: 72 * hour,
  refundSettleMs: 5 * 60_000,
  noScanAlertMs: 48 * hour,
  // A batch handed over in the afternoon should have its first carrier scans by the next morning.
  pickupAlertMs: 18 * hour,
  transitDays: {
    "dhl-paket": { standard: 2, express: 1, economy: 3, "*": 2 },
    "dhl-express": { standard: 1, express: 1, economy: 3, "*": 1 },
    ups: { standard: 3, express: 1, economy: 4, "*": 3 },
    "deutsche-post": { standard: 3, express: 2, economy: 4, "*": 3 }
  },
  defaultTransitDays: 3,
  orderConfirmations: false,
  cancellationNotice: false,
  addressCorrectionTtlMs: 7 * 24 * hour,
  addressCorrectionMaxAttempts: 10,
  correctionAnswerWaitMs: hour
}

/**
 * The settings a shop configured over the defaults. A carrier's transit table from the config replaces that carrier's
 * default table; carriers it does not name keep theirs.
 */
export const withNotifyOverrides = (base: NotifySettings, overrides: NotifyOverrides): NotifySettings => ({
  ...base,
  ...(overrides.quietHours === undefined ? {} : { quietHours: overrides.quietHours }),
  ...(overrides.feedbackDelayMs === undefined ? {} : { feedbackDelayMs: overrides.feedbackDelayMs }),
  ...(overrides.noScanAlertMs === undefined ? {} : { noScanAlertMs: overrides.noScanAlertMs }),
  ...(overrides.pickupAlertMs === undefined ? {} : { pickupAlertMs: overrides.pickupAlertMs }),
  ...(overrides.defaultTransitDays === undefined ? {} : { defaultTransitDays: overrides.defaultTransitDays }),
  ...(overrides.orderConfirmations === undefined ? {} : { orderConfirmations: overrides.orderConfirmations }),
  ...(overrides.cancellationNotice === undefined ? {} : { cancellationNotice: overrides.cancellationNotice }),
  ...(overrides.correctionAnswerWaitMs === undefined
    ? {}
    : { correctionAnswerWaitMs: overrides.correctionAnswerWaitMs }),
  transitDays: { ...base.transitDays, ...overrides.transitDays }
})
