/** The messages that tell a site its fleet: each station's outbox report to the hub, and the hub's summary back. */
import { Schema } from "effect"
import { BoundedString, Counter, IdText, WallMs } from "../bounds/Bounds.ts"
import { maxOfflineReasonChars } from "./OfflineReason.ts"

/** Station and site ids as stations are named (`core/station/StationIdentity.ts`): nothing else is taken from outside. */
const FleetCode = Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,31}$/))

/**
 * Retained on `packbench/v1/<site>/<station>/outbox`, QoS 1: what the station's outbox holds that the hub has not
 * confirmed. The hub cannot know it otherwise: events that never left an offline station are invisible to it.
 */
export const OutboxHealthMessage = Schema.Struct({
  at: WallMs,
  siteId: FleetCode,
  stationId: FleetCode,
  epoch: IdText,
  /** Events recorded and not yet confirmed by the hub. */
  depth: Counter,
  /** When the oldest of them was recorded, station clock; null when none waits. */
  oldestUnconfirmedAt: Schema.NullOr(WallMs),
  /** The log sequence number up to which the hub confirmed. */
  lastConfirmedSeq: Counter
})
export type OutboxHealthMessage = typeof OutboxHealthMessage.Type

/** At most this many stations in one site's summary: more is no site, and the message stays well below the limit. */
export const maxFleetStations = 500
/** A summary larger than this is refused unread (500 stations take about 150 KB). */
export const maxFleetSummaryBytes = 256 * 1024

/** One station of the site as the hub knows it. */
export const FleetStation = Schema.Struct({
  stationId: FleetCode,
  /** From the station's retained presence; "unknown" when the hub never heard it. */
  presence: Schema.Literals(["online", "offline", "unknown"]),
  /** Since when the presence holds; null when unknown (a last will found retained). */
  presenceSinceMs: Schema.NullOr(WallMs),
  /** Why it went offline ("connection lost", a clean stop has none). */
  offlineReason: Schema.optional(BoundedString(maxOfflineReasonChars)),
  /** The station's own report of its outbox; null when it sent none (older station software). */
  outboxDepth: Schema.NullOr(Counter),
  outboxReportedAtMs: Schema.NullOr(WallMs),
  oldestUnconfirmedAtMs: Schema.NullOr(WallMs),
  /** What the hub applied of the station's current stream: the last sequence number and when. */
  lastAppliedSeq: Counter,
  lastAppliedAtMs: Schema.NullOr(WallMs),
  /** Events the hub holds unapplied behind a gap, and how many numbers are missing. */
  heldAtHub: Counter,
  gapAtHub: Counter
})
export type FleetStation = typeof FleetStation.Type

/**
 * Retained on `packbench/v1/<site>/hub/fleet`, QoS 1, published by the hub when it changes (and every minute, so a
 * station can tell a quiet fleet from a silent hub): every station of one site, sorted by id.
 */
export const SiteFleetSummary = Schema.Struct({
  version: Schema.Literal(1),
  siteId: FleetCode,
  /** When the hub made it, hub clock. */
  at: WallMs,
  stations: Schema.Array(FleetStation).check(Schema.isMaxLength(maxFleetStations))
})
export type SiteFleetSummary = typeof SiteFleetSummary.Type

/** How long the hub waits before publishing an unchanged summary again. */
export const fleetHeartbeatMs = 60_000
