/** The port through which the pack bench asks a carrier for a parcel's label and tracking number. */
import { type Effect, Schema } from "effect"
import type { Address } from "../orders/Order.ts"

/** What a carrier needs to know about a parcel to issue its label. */
export interface LabelRequest {
  readonly parcelId: string
  readonly orderId: string
  readonly carrier: string
  readonly serviceLevel: "standard" | "express" | "economy"
  readonly shipTo: Address
  readonly weightGrams: number
  readonly sscc?: string
}

/** The carrier's part of the label: the number it tracks the parcel by and the code its sorters route by. */
export interface CarrierLabel {
  readonly trackingNumber: string
  readonly routingCode: string
  readonly carrierName: string
  readonly serviceName: string
  /** DHL Paket within Germany: the sorting codes the label carries besides the tracking number. */
  readonly leitcode?: string
  readonly identcode?: string
}

/**
 * `pending`: the carrier must be asked over the network and cannot be right now; the parcel waits for its label.
 * `mayHaveReachedCarrier` says whether this request may have arrived all the same (see `CarrierUnreachable`).
 */
export type LabelOutcome =
  | ({ readonly status: "created" } & CarrierLabel)
  | { readonly status: "pending"; readonly reason: string; readonly mayHaveReachedCarrier: boolean }

export const CarrierFailure = Schema.Literals([
  "no-range",
  "range-exhausted",
  "range-overlaps",
  "unknown-carrier",
  "store",
  "refused"
])

export class CarrierError extends Schema.TaggedError<CarrierError>()("CarrierError", {
  carrier: Schema.String,
  reason: CarrierFailure,
  message: Schema.String
}) {}

/**
 * What a carrier said to a cancellation: `cancelled`, it cancelled the shipment; `gone`, it has no live shipment under
 * the number (cancelled before, or never made). `pending`: it could not be asked now; ask again later.
 */
export type VoidOutcome =
  | { readonly status: "cancelled" }
  | { readonly status: "gone" }
  | { readonly status: "pending"; readonly reason: string }

/**
 * One carrier as the pack bench sees it. `createLabel` runs inside the caller's database transaction when the carrier
 * is not `online`, so a number taken from the station's range is consumed only if the parcel commits. `online`: the
 * carrier's web service makes the label, and with it a shipment (billed, its number trackable) that stays live there
 * until `voidLabel` cancels it. Numbers are never handed out again either way.
 */
export interface CarrierAdapter {
  readonly carrier: string
  readonly online: boolean
  readonly createLabel: (request: LabelRequest) => Effect.Effect<LabelOutcome, CarrierError>
  /** Cancels the shipment under `trackingNumber` with the carrier; a `CarrierError` is the carrier's refusal. */
  readonly voidLabel: (trackingNumber: string) => Effect.Effect<VoidOutcome, CarrierError>
}
