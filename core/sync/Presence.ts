/** The retained presence message each station publishes about itself. */
import { Schema } from "effect"
import type { LastWill } from "./Broker.ts"
import { encodeJson, Topics } from "./Topics.ts"

/** Retained on `packbench/v1/<site>/<station>/presence`: the last word wins, so a late reader sees the truth. */
export const PresenceMessage = Schema.Struct({
  state: Schema.Literals(["online", "offline"]),
  at: Schema.Number,
  siteId: Schema.String,
  stationId: Schema.String,
  epoch: Schema.String,
  reason: Schema.optional(Schema.String),
  /** The station software's version, in births of stations that know it; older stations leave it out. */
  appVersion: Schema.optional(Schema.String),
  /** Which block of the fleet's number ranges the station issues from (`numbering.*`), in its births. */
  numbering: Schema.optional(
    Schema.Struct({
      stationIndex: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 999 })),
      stations: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 }))
    })
  )
})
export type PresenceMessage = typeof PresenceMessage.Type

/**
 * A reader keeps this much of a presence's `reason`: the stations send "connection lost" or none, and whatever else
 * a station of another version (or a hostile client) sends is shown as text, not stored as a page.
 */
export const maxOfflineReasonChars = 128

export interface PresenceIdentity {
  readonly siteId: string
  readonly stationId: string
  readonly epoch: string
}

export const presenceMessage = (
  identity: PresenceIdentity,
  state: "online" | "offline",
  at: number,
  reason?: string
): PresenceMessage => ({
  state,
  at,
  siteId: identity.siteId,
  stationId: identity.stationId,
  epoch: identity.epoch,
  ...(reason === undefined ? {} : { reason })
})

/**
 * The last will the driver registers at connect (MQTT §3.1.2.5): published retained by the broker when the link
 * dies without a DISCONNECT. `at` is the connect time, the last moment the station is known to have been up.
 */
export const presenceWill = (identity: PresenceIdentity, connectedAt: number): LastWill => ({
  topic: Topics.presence(identity.siteId, identity.stationId),
  payload: encodeJson(presenceMessage(identity, "offline", connectedAt, "connection lost")),
  retain: true
})
