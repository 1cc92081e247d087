/** A carrier scan as the hub's tracking webhook and pollers receive it. */
import { Schema } from "effect"
import { TrackingStatus, TrackingSubReason } from "./TrackingStatus.ts"

/**
 * One scan as a carrier (or an aggregator in front of it) reports it to the hub's webhook, already in the
 * normalised vocabulary. `eventId` is the carrier's own id: the same scan sent twice carries the same id.
 * `occurredAtMs` is when the scan happened at the carrier, which orders the timeline; arrival order does not.
 */
export const CarrierTrackingEvent = Schema.Struct({
  eventId: Schema.String.check(Schema.isMinLength(1)),
  carrier: Schema.String,
  trackingNumber: Schema.String,
  status: TrackingStatus,
  subReason: Schema.optional(TrackingSubReason),
  occurredAtMs: Schema.Number,
  location: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String)
})
export type CarrierTrackingEvent = typeof CarrierTrackingEvent.Type
