/** The API slice for the sync inbox's quarantine, and the quarantined message the Manager screen lists. */
import { Schema } from "effect"
import { FleetView } from "./FleetPresence.ts"

export const QuarantinedMessage = Schema.Struct({
  id: Schema.Int,
  topic: Schema.String,
  reason: Schema.String,
  receivedAtMs: Schema.Number,
  payload: Schema.String
})
export type QuarantinedMessage = typeof QuarantinedMessage.Type

/** What sync shows a manager: the inbound messages it refused and the site's stations, for the one API. */
export const SyncApi = {
  /** Inbound messages the station could not apply, with the reason: never applied, kept for a person to look at. */
  "sync.quarantine": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })) }),
    output: Schema.Array(QuarantinedMessage)
  },
  /** Every station of the site with its presence (online/offline, since when, why), from the retained topics. */
  "fleet.presence": { input: Schema.Struct({}), output: FleetView }
} as const
