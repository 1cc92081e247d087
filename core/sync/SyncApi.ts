/** The API slice for the sync inbox's quarantine, and the quarantined message the Manager screen lists. */
import { Schema } from "effect"
import { FleetView } from "./FleetPresence.ts"
import { SiteFleetView } from "./SiteFleet.ts"

export const QuarantinedMessage = Schema.Struct({
  id: Schema.Int,
  topic: Schema.String,
  reason: Schema.String,
  receivedAtMs: Schema.Number,
  payload: Schema.String
})
export type QuarantinedMessage = typeof QuarantinedMessage.Type

/**
 * A second message at a sequence number already taken by another id (a conflict), or an event the hub quarantined in
 * its place: found in the station's inbox streams (`inbox:*`) or reported by the hub about its events (`hub:events`).
 */
export const SyncConflict = Schema.Struct({
  id: Schema.Int,
  source: Schema.String,
  kind: Schema.Literals(["conflict", "refused"]),
  seq: Schema.Int,
  refusedId: Schema.String,
  keptId: Schema.NullOr(Schema.String),
  reason: Schema.String,
  firstSeenMs: Schema.Number,
  lastSeenMs: Schema.Number,
  /** How often it came (a repeat only counts). */
  seen: Schema.Int
})
export type SyncConflict = typeof SyncConflict.Type

export const SyncConflicts = Schema.Struct({
  /** Every conflict and refusal ever recorded; `conflicts` lists the newest. */
  total: Schema.Int,
  conflicts: Schema.Array(SyncConflict),
  /** Quarantine rows let go to keep the quarantine bounded (the newest are kept). */
  quarantineEvicted: Schema.Int
})
export type SyncConflicts = typeof SyncConflicts.Type

/** What sync shows a manager: the inbound messages it refused and the site's stations, for the one API. */
export const SyncApi = {
  /** Inbound messages the station could not apply, with the reason: never applied, kept for a person to look at. */
  "sync.quarantine": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })) }),
    output: Schema.Array(QuarantinedMessage)
  },
  /** Conflicts and refusals in the station's streams: never applied in silence, kept for a person to look at. */
  "sync.conflicts": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })) }),
    output: SyncConflicts
  },
  /** Every station of the site with its presence (online/offline, since when, why), from the retained topics. */
  "fleet.presence": { input: Schema.Struct({}), output: FleetView },
  /**
   * The hub's summary of the site: every station's presence, outbox depth, oldest unconfirmed event and what the hub
   * applied of it, with when it arrived and whether it is stale.
   */
  "fleet.hub": { input: Schema.Struct({}), output: SiteFleetView }
} as const
