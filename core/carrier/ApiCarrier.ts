/** The port for a carrier's shipment web service, and its errors, for carriers that issue labels online. */
import { Effect, Schema } from "effect"
import type { CarrierAdapter, CarrierError, CarrierLabel, LabelRequest } from "./CarrierAdapter.ts"

/**
 * The carrier's web service could not be reached, did not answer in time or did not take the request now; the request
 * may be retried. `mayHaveReachedCarrier` false: the request never left the station (the connection was refused, the
 * host is not known) or the carrier answered that it did not take it, so the carrier cannot have made a shipment for
 * it. true: it may have arrived (no answer in time, the
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
 * with its HTTP client. Refusals the carrier states (bad address, unknown product, a shipment it will no longer
 * cancel) are `CarrierError`s: the carrier read the request and did not act on it, so a refused shipment request
 * made no shipment. `cancelShipment` answers `cancelled`, or `gone` when the carrier says it has no live shipment
 * under the number (cancelled before, or unknown to it); an answer that is not the carrier's own (a bare 404 from
 * whatever else answers at a wrong address) says nothing about the shipment and is `CarrierUnreachable`.
 */
export interface CarrierApi {
  readonly carrier: string
  readonly createShipment: (request: LabelRequest) => Effect.Effect<CarrierLabel, CarrierError | CarrierUnreachable>
  readonly cancelShipment: (
    trackingNumber: string
  ) => Effect.Effect<"cancelled" | "gone", CarrierError | CarrierUnreachable>
}

/**
 * A carrier whose numbers only its web service issues. Offline, a label cannot exist yet: the parcel is reported
 * `pending` with the reason, and the bench keeps it until the service answers. A cancellation that cannot be sent
 * is `pending` too: the shipment stays live at the carrier until it is, so the caller keeps asking.
 */
export const apiCarrierAdapter = (api: CarrierApi): CarrierAdapter => ({
  carrier: api.carrier,
  online: true,
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
      Effect.map((status) => ({ status })),
      Effect.catchTag("CarrierUnreachable", (error) =>
        Effect.succeed({ status: "pending" as const, reason: `${api.carrier} cancellation pending: ${error.message}` })
      )
    )
})
