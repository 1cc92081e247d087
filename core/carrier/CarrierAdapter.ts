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
 * One carrier as the pack bench sees it. `createLabel` runs inside the caller's database transaction, so a number
 * taken from the station's range is consumed only if the parcel commits. `voidLabel` tells the carrier the number
 * will not ship; numbers are never handed out again either way.
 */
export interface CarrierAdapter {
  readonly carrier: string
  readonly createLabel: (request: LabelRequest) => Effect.Effect<LabelOutcome, CarrierError>
  readonly voidLabel: (trackingNumber: string) => Effect.Effect<void, CarrierError>
}
