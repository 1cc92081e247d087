/** The hub's normalised tracking statuses that carrier scan codes map onto. */
import { Schema } from "effect"

/**
 * The hub's normalised tracking vocabulary. Carriers speak hundreds of scan codes; adapters and the webhook map
 * them onto these statuses plus an optional sub-reason, and every rule reads only these.
 *
 * | Packbench status     | AfterShip tag    | EasyPost status      | Typical sub-reasons                              |
 * |----------------------|------------------|----------------------|--------------------------------------------------|
 * | info-received        | InfoReceived     | pre_transit          | label-created                                    |
 * | in-transit           | InTransit        | in_transit           | picked-up, hub-scan, customs, departed, arrived  |
 * | out-for-delivery     | OutForDelivery   | out_for_delivery     |                                                  |
 * | available-for-pickup | AvailableForPickup | available_for_pickup | parcel-shop, locker                            |
 * | attempted-delivery   | AttemptFail      | (in_transit + detail)| recipient-absent, business-closed, no-access     |
 * | delivered            | Delivered        | delivered            | neighbour, safe-place, signed                    |
 * | exception            | Exception        | failure / error      | damaged, lost, address-problem, customs-held,    |
 * |                      |                  |                      | weather, delayed                                 |
 * | returned-to-sender   | Exception (sub: returned) | return_to_sender | refused, undeliverable, not-collected   |
 * | expired              | Expired          | unknown (stale)      | no update for the carrier's tracking lifetime    |
 *
 * AfterShip's `Pending` (no scan yet) has no row: a parcel without carrier events simply has no timeline yet.
 */
export const TrackingStatus = Schema.Literals([
  "info-received",
  "in-transit",
  "out-for-delivery",
  "available-for-pickup",
  "attempted-delivery",
  "delivered",
  "exception",
  "returned-to-sender",
  "expired"
])
export type TrackingStatus = typeof TrackingStatus.Type

export const TrackingSubReason = Schema.Literals([
  "label-created",
  "picked-up",
  "hub-scan",
  "customs",
  "departed",
  "arrived",
  "parcel-shop",
  "locker",
  "recipient-absent",
  "business-closed",
  "no-access",
  "neighbour",
  "safe-place",
  "signed",
  "damaged",
  "lost",
  "address-problem",
  "customs-held",
  "weather",
  "delayed",
  "refused",
  "undeliverable",
  "not-collected"
])
export type TrackingSubReason = typeof TrackingSubReason.Type

/** Statuses after which the parcel is no longer on its way to the customer. */
export const isFinalStatus = (status: TrackingStatus): boolean =>
  status === "delivered" || status === "returned-to-sender" || status === "expired"
