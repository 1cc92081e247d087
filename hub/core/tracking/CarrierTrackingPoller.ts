/** The port for polling a carrier for a parcel's tracking scans, and its error. */
import { type Effect, Schema } from "effect"
import type { CarrierTrackingEvent } from "./CarrierTrackingEvent.ts"

/** Why a poll brought nothing back. Every reason is retried by the scheduler with backoff; none loses a scan. */
export class CarrierPollError extends Schema.TaggedError<CarrierPollError>()("CarrierPollError", {
  reason: Schema.Literals(["Unavailable", "Rejected", "Timeout", "Malformed"]),
  message: Schema.String
}) {}

export interface CarrierPollResult {
  /** Scans for the asked numbers, already in the normalised vocabulary; duplicates and old scans are allowed. */
  readonly events: ReadonlyArray<CarrierTrackingEvent>
  /** Where the next poll of these numbers continues: everything up to here has been handed over. */
  readonly cursor: string
}

/**
 * The second way carrier scans reach the hub, for carriers that offer no webhook (or whose webhooks get lost): one
 * adapter per carrier API. The hub's scheduler asks for the scans of its open parcels after a cursor and feeds what
 * comes back into the same ingestion path as the webhook (`HubProjection.applyCarrierEvent`), so a scan that
 * arrives both ways is recorded once.
 *
 * The cursor is the adapter's own (a feed position, a timestamp): opaque to the hub, stored per parcel, passed back
 * unchanged. `undefined` means "from the beginning": a parcel polled for the first time gets its whole history.
 */
export interface CarrierTrackingPoller {
  /** The carrier id as the hub's parcels carry it (`dhl-paket`, `ups`, ...). */
  readonly carrier: string
  /** How many tracking numbers one request may carry (the carrier API's limit). */
  readonly maxNumbersPerPoll: number
  readonly poll: (
    trackingNumbers: ReadonlyArray<string>,
    cursor: string | undefined
  ) => Effect.Effect<CarrierPollResult, CarrierPollError>
}
