/** What notification templates may mention, and the blocks a message is built from. */
import type { DelayReason, IgnoredCorrectionCause } from "../NotificationKind.ts"

/** Everything a message may mention; each kind uses what it needs. */
export interface TemplateData {
  readonly firstName: string
  readonly orderId: string
  readonly carrierName?: string | undefined
  readonly trackingNumber?: string | undefined
  /** The carrier's own tracking page. */
  readonly carrierTrackingUrl?: string | undefined
  /** The brand's tracking page on the hub (`/t/<token>`). */
  readonly trackingPageUrl?: string | undefined
  /** The hub's page where the customer rates the order (`/f/<token>`). */
  readonly feedbackPageUrl?: string | undefined
  /** `YYYY-MM-DD`, the local day the carrier should deliver. */
  readonly expectedDeliveryDate?: string | undefined
  readonly delayReason?: DelayReason | undefined
  readonly addressProblems?: ReadonlyArray<string> | undefined
  /** The hub's page where the customer corrects the address (`/a/<token>`); the shop's page when absent. */
  readonly addressCorrectionUrl?: string | undefined
  /** The last local day the correction link works, as the customer reads a date ("3 Dec 2026"). */
  readonly addressCorrectionExpiresOn?: string | undefined
  /** Why the customer's address correction is not used (`address-correction-ignored`). */
  readonly correctionIgnoredCause?: IgnoredCorrectionCause | undefined
  /** The address the customer entered, on one line, for the mails about their correction. */
  readonly correctedAddress?: string | undefined
  /**
   * A mail that tells of one parcel of an order with several (a mail about one parcel, `parcelKinds`, or about the
   * correction: the parcel's own mail, after the correction's mail told of another, or the correction's mail, while
   * the hub knows another parcel of the order): it says "a parcel of your order", with its tracking number, not "your
   * parcel".
   */
  readonly oneParcelOfSeveral?: boolean | undefined
  /**
   * Of a parcel of several that has no tracking number to be named by: its place among the order's parcels by when
   * they were packed (1 for the first), so the mail says "parcel 2 of your order".
   */
  readonly parcelNumber?: number | undefined
  /** What the shop refunded, per currency, in minor units (cents). */
  readonly refundAmounts?: ReadonlyArray<{ readonly amountMinor: number; readonly currency: string }> | undefined
  /** The shop's reference of the refund, for the customer's bank statement. */
  readonly refundReference?: string | undefined
  /** The hub's page that stops optional mail for this customer (`/u/<token>`). */
  readonly unsubscribeUrl?: string | undefined
}

/** A message as a list of blocks: both the text and the HTML body are made from it, so they never disagree. */
export type Block =
  | { readonly type: "paragraph"; readonly text: string }
  | { readonly type: "facts"; readonly rows: ReadonlyArray<readonly [string, string]> }
  | { readonly type: "button"; readonly label: string; readonly url: string }
  | { readonly type: "list"; readonly items: ReadonlyArray<string> }

export interface MessageCopy {
  readonly subject: string
  readonly heading: string
  readonly blocks: ReadonlyArray<Block>
}
