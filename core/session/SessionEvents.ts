/** The events of operators signing in and out. */
import { Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"

export const OperatorSignedIn = defineEvent({
  type: "operator.signed-in",
  version: 1,
  payload: Schema.Struct({ badgeId: Schema.String, role: Schema.String })
})

export const OperatorSignedOut = defineEvent({
  type: "operator.signed-out",
  version: 1,
  payload: Schema.Struct({ badgeId: Schema.String, reason: Schema.Literals(["sign-out", "replaced"]) })
})
