/** The API slice for reading the station's recent events, and the summary the UI lists. */
import { Schema } from "effect"

export const EventSummary = Schema.Struct({
  seq: Schema.Int,
  id: Schema.String,
  type: Schema.String,
  eventTimeMs: Schema.Number,
  actor: Schema.String
})
export type EventSummary = typeof EventSummary.Type

/** The station's latest events, for the station to merge into its one API. */
export const EventsApi = {
  "events.recent": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 500 })) }),
    output: Schema.Array(EventSummary)
  }
} as const
