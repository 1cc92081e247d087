/** A carrier scan as the hub's tracking webhook and pollers receive it. */
import { Schema } from "effect"
import { IdText, LineText } from "../../../core/bounds/Bounds.ts"
import { TrackingStatus, TrackingSubReason } from "./TrackingStatus.ts"

/**
 * Whole epoch milliseconds from 2000 to the end of 9999: a time outside them is a sender's bug (seconds sent for
 * milliseconds, 1e400 that JSON reads as Infinity), and once stored it broke the parcel's tracking page for good,
 * since a date past ±8.64e15 ms cannot be formatted.
 */
const ScanInstantMs = Schema.Int.check(
  Schema.isBetween({ minimum: Date.UTC(2000, 0, 1), maximum: Date.UTC(9999, 11, 31, 23, 59, 59, 999) })
)

/**
 * A scan's ids and words hold no C0 or C1 control: PostgreSQL cannot store a NUL in text (the delivery's transaction
 * failed at every retry, its other scans with it), and a line break or a terminal's escape has no place on the
 * tracking page or in the log line of a refused scan.
 */
const withoutControls = (expected: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  Schema.isPattern(/^[^\u0000-\u001f\u007f-\u009f]*$/, { expected })
const ScanId = IdText.check(withoutControls("an id without control characters"))
const ScanWords = LineText.check(withoutControls("a line of text without control characters"))

/**
 * One scan as a carrier (or an aggregator in front of it) reports it to the hub's webhook, already in the
 * normalised vocabulary. `eventId` is the carrier's own id: the same scan sent twice carries the same id.
 * `occurredAtMs` is when the scan happened at the carrier, which orders the timeline; arrival order does not.
 * Ids are ids and the words (where, what) a line of text each (core/bounds), without controls: they are stored with
 * the scan and shown on the tracking page at every view, so a longer one is refused naming the field, like a scan of
 * no instant.
 */
export const CarrierTrackingEvent = Schema.Struct({
  eventId: ScanId.check(Schema.isMinLength(1)),
  carrier: ScanId,
  trackingNumber: ScanId,
  status: TrackingStatus,
  subReason: Schema.optional(TrackingSubReason),
  occurredAtMs: ScanInstantMs,
  location: Schema.optional(ScanWords),
  description: Schema.optional(ScanWords)
})
export type CarrierTrackingEvent = typeof CarrierTrackingEvent.Type
