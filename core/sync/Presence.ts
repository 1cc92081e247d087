/** The retained presence message each station publishes about itself. */
import { Schema } from "effect"
import { IdText, WallMs } from "../bounds/Bounds.ts"
import { StationCode } from "../station/StationIdentity.ts"
import type { LastWill } from "./Broker.ts"
import { connectionLostReason } from "./OfflineReason.ts"
import { encodeJson, Topics } from "./Topics.ts"

/**
 * A presence message larger than this is refused unread: a station's own are about 200 bytes, and anyone who may
 * publish on the broker can send one.
 */
export const maxPresenceBytes = 4_096

/** A station's epoch (a UUID) or version, as a card shows it: one short line. */
const PlainId = IdText.check(Schema.isPattern(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u))

/**
 * Retained on `packbench/v1/<site>/<station>/presence`: the last word wins, so a late reader sees the truth. Anyone
 * who may publish on the broker can send one, so times are real dates (a stamp far ahead of the reader's clock is the
 * reader's to refuse), ids are station codes, and epoch and version one short line; the reason is the station's own
 * words, read by `offlineReasonOf` (any text, within `maxPresenceBytes`).
 */
export const PresenceMessage = Schema.Struct({
  state: Schema.Literals(["online", "offline"]),
  at: WallMs,
  siteId: StationCode,
  stationId: StationCode,
  epoch: PlainId,
  reason: Schema.optional(Schema.String),
  /** The station software's version, in births of stations that know it; older stations leave it out. */
  appVersion: Schema.optional(PlainId),
  /** Which block of the fleet's number ranges the station issues from (`numbering.*`), in its births. */
  numbering: Schema.optional(
    Schema.Struct({
      stationIndex: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 999 })),
      stations: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 }))
    })
  )
})
export type PresenceMessage = typeof PresenceMessage.Type

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
  payload: encodeJson(presenceMessage(identity, "offline", connectedAt, connectionLostReason)),
  retain: true
})
