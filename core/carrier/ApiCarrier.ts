/** The port for a carrier's shipment web service, and its errors, for carriers that issue labels online. */
import { Effect, Schema } from "effect"
import type { CarrierAdapter, CarrierError, CarrierLabel, LabelRequest } from "./CarrierAdapter.ts"

/**
 * The carrier's web service could not be reached or did not answer in time; the request may be retried.
 * `mayHaveReachedCarrier` false: the request never left the station (the connection was refused, the host is not
 * known), so the carrier cannot have made a shipment for it. true: it may have arrived (no answer in time, the
 * connection dropped after it was sent, a 5xx, an answer that could not be read), so a shipment may exist, and only
 * asking again under the same idempotency key tells.
 */
export class CarrierUnreachable extends Schema.TaggedError<CarrierUnreachable>()("CarrierUnreachable", {
  carrier: Schema.String,
  message: Schema.String,
  mayHaveReachedCarrier: Schema.Boolean
}) {}

/**
 * A carrier's shipment web service (DHL Parcel DE Shipping, UPS Shipping API, ...), as a driver implements it
 * with its HTTP client. Refusals the carrier states (bad address, unknown product) are `CarrierError`s.
 */
export interface CarrierApi {
  readonly carrier: string
  readonly createShipment: (request: LabelRequest) => Effect.Effect<CarrierLabel, CarrierError | CarrierUnreachable>
  readonly cancelShipment: (trackingNumber: string) => Effect.Effect<void, CarrierError | CarrierUnreachable>
}

/**
 * A carrier whose numbers only its web service issues. Offline, a label cannot exist yet: the parcel is reported
 * `pending` with the reason, and the bench keeps it until the service answers.
 */
export const apiCarrierAdapter = (api: CarrierApi): CarrierAdapter => ({
  carrier: api.carrier,
  createLabel: (request) =>
    api.createShipment(request).pipe(
      Effect.map((label) => ({ status: "created" as const, ...label })),
      Effect.catchTag("CarrierUnreachable", (error) =>
        Effect.succeed({
          status: "pending" as const,
          reason: `${api.carrier} label pending: ${error.message}`,
          mayHaveReachedCarrier: error.mayHaveReachedCarrier
        })
      )
    ),
  voidLabel: (trackingNumber) =>
    api.cancelShipment(trackingNumber).pipe(
      // The carrier bills only parcels it scans; an unsent cancellation costs nothing and the number stays void here.
      Effect.catchTag("CarrierUnreachable", () => Effect.void)
    )
})
