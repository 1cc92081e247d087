import { Schema } from "effect"
import { NonEmptyScanText } from "../api/ApiInputs.ts"
import { Operator } from "./Operator.ts"

/** Signing in by badge and out again, for the station to merge into its one API. */
export const SessionApi = {
  "session.signIn": { input: Schema.Struct({ badge: NonEmptyScanText }), output: Operator },
  "session.signOut": { input: Schema.Struct({}), output: Schema.Struct({ signedOut: Schema.Boolean }) }
} as const
