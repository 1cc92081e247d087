/** Why a station is offline, read from the reason its presence gives (or does not) into a code the UI words. */
import { Schema } from "effect"
import { boundedOneLine } from "../bounds/oneLine.ts"

/**
 * What a station's last will says (`presenceWill`). The words are the wire format: the previous release's stations
 * and readers know the reason by them, so they never change; a new reason would be a new text read here first.
 */
export const connectionLostReason = "connection lost"

/**
 * Stable: the UI translates each one, so a code is only ever added, never renamed.
 * - `stopped`: a clean stop (the station's "offline" names no reason).
 * - `connection-lost`: the broker's last will (crash, kill -9, cable pulled).
 * - `unrecognised`: a reason this version does not know (another version's, or anyone's on the broker).
 */
export const OfflineReasonCode = Schema.Literals(["stopped", "connection-lost", "unrecognised"])
export type OfflineReasonCode = typeof OfflineReasonCode.Type

/**
 * A card shows this much of a reason it does not know (and the hub's summary carries this much of any reason): a
 * line of text, not a page.
 */
export const maxOfflineReasonChars = 128

export const OfflineReason = Schema.Struct({
  code: OfflineReasonCode,
  /** The station's own words of an `unrecognised` reason, one line, at most `maxOfflineReasonChars`; shown as text. */
  detail: Schema.optional(Schema.String.check(Schema.isMaxLength(maxOfflineReasonChars)))
})
export type OfflineReason = typeof OfflineReason.Type

/** The code of a presence's `reason` (undefined: none given); a reason it does not know keeps its text as the detail. */
export const offlineReasonOf = (reason: string | undefined): OfflineReason => {
  if (reason === undefined) return { code: "stopped" }
  if (reason === connectionLostReason) return { code: "connection-lost" }
  const detail = boundedOneLine(reason, maxOfflineReasonChars)
  return detail === "" ? { code: "unrecognised" } : { code: "unrecognised", detail }
}
