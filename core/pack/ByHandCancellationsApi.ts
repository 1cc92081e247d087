/** The station API slice of the shipments a person must cancel in the carrier's portal, a manager's close of one and its reopen. */
import { Schema } from "effect"
import { IdInput, NonEmptyTextInput } from "../api/ApiInputs.ts"

/**
 * A voided parcel's shipment the station cannot cancel itself, as its carrier is no longer set up at the station for
 * the web service that made it (`carrier_cancellations.by_hand`): a person cancels it in the carrier's portal.
 */
export const ByHandCancellation = Schema.Struct({
  parcelId: Schema.String,
  orderId: Schema.String,
  carrier: Schema.String,
  /** Null when the station never learnt the shipment's number: it is looked up in the portal by the parcel id. */
  trackingNumber: Schema.NullOr(Schema.String),
  /** When the shipment was to be cancelled (the void, or the packing left). */
  sinceMs: Schema.Number,
  /** Why the shipment is cancelled: the void's reason, or that the packing was not completed. */
  reason: Schema.String
})
export type ByHandCancellation = typeof ByHandCancellation.Type

/** A manager's close in force (not reopened), for them to reopen one entered by mistake. */
export const ClosedByHand = Schema.Struct({
  parcelId: Schema.String,
  orderId: Schema.String,
  carrier: Schema.String,
  trackingNumber: Schema.NullOr(Schema.String),
  closedAtMs: Schema.Number,
  /** Who closed it. */
  badgeId: Schema.String,
  /** What the manager found in the carrier's portal: the shipment cancelled there, or no shipment at all. */
  portalAnswer: Schema.Literals(["cancelled", "no-shipment"]),
  /** The portal's cancellation number, or what it showed; null when no shipment was found. */
  reference: Schema.NullOr(Schema.String),
  /** The manager's note when no shipment was found; null otherwise. */
  note: Schema.NullOr(Schema.String)
})
export type ClosedByHand = typeof ClosedByHand.Type

/** The most cancellations one call lists. */
export const BY_HAND_CANCELLATIONS_MAX = 100

export const ByHandCancellationsApi = {
  /**
   * The shipments to cancel by hand, oldest first; at most `limit`, `more` when there are others; and the latest
   * closes in force of the last `closedShownDays` days (`carrierCancellations.closesShownDays`), newest first, at
   * most `CLOSED_SHOWN`, for a manager to reopen one. Anyone may read.
   */
  "pack.cancellationsByHand": {
    input: Schema.Struct({
      limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: BY_HAND_CANCELLATIONS_MAX }))
    }),
    output: Schema.Struct({
      cancellations: Schema.Array(ByHandCancellation),
      more: Schema.Boolean,
      closed: Schema.Array(ClosedByHand),
      /** How many days back `closed` reaches. */
      closedShownDays: Schema.Int
    })
  },
  /**
   * A manager's word on the shipment in the carrier's portal: cancelled there (`portalAnswer` `cancelled`, the
   * default), with a reference (the portal's cancellation number, or what it showed), or no shipment found at the
   * carrier (`no-shipment`), with a note instead: the cancellation ends, recorded once. The other field is refused
   * (`close-answer-mismatch`). Audited (`privileged`).
   */
  "pack.closeCancellationByHand": {
    input: Schema.Struct({
      parcelId: IdInput,
      portalAnswer: Schema.optionalKey(Schema.Literals(["cancelled", "no-shipment"])),
      reference: Schema.optionalKey(NonEmptyTextInput),
      note: Schema.optionalKey(NonEmptyTextInput)
    }),
    output: Schema.Struct({ parcelId: Schema.String, orderId: Schema.String, closedAtMs: Schema.Number }),
    privileged: true
  },
  /**
   * A manager takes back a close entered by mistake, saying why: recorded as a reopen of its own (the close stays as
   * it was), and the shipment waits again to be cancelled by hand. Audited (`privileged`).
   */
  "pack.reopenCancellationByHand": {
    input: Schema.Struct({ parcelId: IdInput, reason: NonEmptyTextInput }),
    output: Schema.Struct({ parcelId: Schema.String, orderId: Schema.String, reopenedAtMs: Schema.Number }),
    privileged: true
  }
} as const
