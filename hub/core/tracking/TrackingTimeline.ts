/** Builds a parcel's tracking timeline from its carrier scans, in order, without duplicates. */
import type { TrackingStatus, TrackingSubReason } from "./TrackingStatus.ts"

export interface TimelineEntry {
  readonly eventId: string
  readonly status: TrackingStatus
  readonly subReason?: TrackingSubReason | undefined
  readonly occurredAtMs: number
  readonly location?: string | undefined
  readonly description?: string | undefined
}

/** Carrier event time first; the id breaks ties so every hub orders the same scans the same way. */
const byOccurrence = (a: TimelineEntry, b: TimelineEntry) =>
  a.occurredAtMs - b.occurredAtMs || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)

/**
 * A duplicate is the same carrier id, or the same scan re-sent under a new id (some carriers mint an id per
 * webhook delivery): same status, sub-reason and time.
 */
export const isDuplicate = (timeline: ReadonlyArray<TimelineEntry>, incoming: TimelineEntry): boolean =>
  timeline.some(
    (entry) =>
      entry.eventId === incoming.eventId ||
      (entry.status === incoming.status &&
        entry.subReason === incoming.subReason &&
        entry.occurredAtMs === incoming.occurredAtMs)
  )

/** Adds a scan wherever its carrier time puts it; duplicates leave the timeline as it was. */
export const mergeTimeline = (
  timeline: ReadonlyArray<TimelineEntry>,
  incoming: TimelineEntry
): { readonly timeline: ReadonlyArray<TimelineEntry>; readonly added: boolean } =>
  isDuplicate(timeline, incoming)
    ? { timeline, added: false }
    : { timeline: [...timeline, incoming].sort(byOccurrence), added: true }

/**
 * Where the parcel is now. Walks the scans in carrier time; "delivered" sticks against any later scan (a depot
 * scan uploaded late, a second "out for delivery" from a skewed handheld) except a return to the sender, which
 * happens when a delivery is disputed or the parcel was refused at the door.
 */
export const currentStatus = (timeline: ReadonlyArray<TimelineEntry>): TrackingStatus | undefined => {
  let status: TrackingStatus | undefined
  for (const entry of [...timeline].sort(byOccurrence)) {
    if (status === "returned-to-sender") break
    if (status === "delivered" && entry.status !== "returned-to-sender") continue
    status = entry.status
  }
  return status
}

export const sortTimeline = (timeline: ReadonlyArray<TimelineEntry>): ReadonlyArray<TimelineEntry> =>
  [...timeline].sort(byOccurrence)
