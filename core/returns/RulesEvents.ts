/** The events the station records of the refund rule sets the shop sends. */
import { Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"

export const RulesUpdated = defineEvent({
  type: "returns.rules-updated",
  version: 1,
  payload: Schema.Struct({ rulesVersion: Schema.Int, applied: Schema.Boolean, reason: Schema.String })
})
