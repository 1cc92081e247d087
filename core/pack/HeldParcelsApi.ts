/** The station API slice listing the parcels held at the station until a manager voids them. */
import { Schema } from "effect"
import type { ParcelHold } from "./parcelHold.ts"

const OrderChange = Schema.Literals([
  "order-cancelled-after-packing",
  "parcel-lines-outdated",
  "label-address-outdated"
] as const satisfies ReadonlyArray<ParcelHold>)

/**
 * Why a parcel is held at the station, the first that applies:
 * - `label-refused`: the carrier refused its label and made no shipment; it is not asked for again;
 * - `label-withheld`: its order changed (`orderChange`) while it waited for its label, and no request for the label
 *   has reached the carrier, so the label is not asked for;
 * - the order's change itself (`parcelHold`): cancelled, other items, another address. A parcel waiting for its
 *   label whose request may have reached the carrier is voided all the same: the shipment the request may have made
 *   is cancelled at the carrier under the request's key;
 * - `label-api-gone`: a request for its label may have reached its carrier, which is no longer set up at the station for
 *   the web service the label was asked from: a shipment may exist there, so the parcel is not labelled from the
 *   station's own numbers. It waits for the web service to be set up again, or a manager voids it (the shipment's
 *   cancellation is then kept for a person while the service is not set up);
 * - `label-pending`: it waits for a label the station asks the carrier for. It may still go, so it comes after the
 *   parcels only a void lets go.
 */
export const HeldReason = Schema.Literals([
  ...OrderChange.literals,
  "label-refused",
  "label-withheld",
  "label-api-gone",
  "label-pending"
])
export type HeldReason = typeof HeldReason.Type

/** A parcel still at the station (packed, or waiting for its label) that must not leave as it is. */
export const HeldParcel = Schema.Struct({
  parcelId: Schema.String,
  orderId: Schema.String,
  carrier: Schema.String,
  status: Schema.Literals(["packed", "label-pending"]),
  packedAtMs: Schema.Number,
  /** Null while the parcel waits for its label. */
  trackingNumber: Schema.NullOr(Schema.String),
  reason: HeldReason,
  /** How the order changed after packing, whatever the reason says first (a refused label's order may change too). */
  orderChange: Schema.optional(OrderChange),
  /**
   * The carrier's own words when it refused the label, read from its answer (`carrierWordsOf`: at most 200
   * characters on one line, never its raw answer, which is in the station's log); absent when it gave none the
   * station can read.
   */
  carrierMessage: Schema.optional(Schema.String),
  /** The HTTP status the carrier refused the label with, when its web service answered. */
  carrierStatus: Schema.optional(Schema.Int)
})
export type HeldParcel = typeof HeldParcel.Type

/** The most parcels one call lists. */
export const HELD_PARCELS_MAX = 100

export const HeldParcelsApi = {
  /**
   * The held parcels, those only a void lets go first, then those waiting for their label; newest first within each.
   * At most `limit`; `more` says that others are held too (void some, or ask for more).
   */
  "pack.held": {
    input: Schema.Struct({
      limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: HELD_PARCELS_MAX }))
    }),
    output: Schema.Struct({ parcels: Schema.Array(HeldParcel), more: Schema.Boolean })
  }
} as const
