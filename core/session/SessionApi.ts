/** The station API slice for signing in and out. */
import { Schema } from "effect"
import { NonEmptyScanText } from "../api/ApiInputs.ts"
import { Operator } from "./Operator.ts"
import { Pin } from "./PinHashes.ts"

/**
 * What entering a manager's PIN came to: signed in, a wrong PIN (with the tries left before the badge locks), or
 * the badge locked for a while (how long).
 */
export const PinOutcome = Schema.Union([
  Schema.Struct({ result: Schema.Literal("signed-in"), operator: Operator }),
  Schema.Struct({ result: Schema.Literal("wrong-pin"), attemptsLeft: Schema.Int }),
  Schema.Struct({ result: Schema.Literal("locked"), retryAfterMs: Schema.Int })
])
export type PinOutcome = typeof PinOutcome.Type

/**
 * Signing in by badge and out again, for the station to merge into its one API. A manager's badge alone is answered
 * with `pin-required`; `session.enterPin` takes the badge and the PIN.
 */
export const SessionApi = {
  "session.signIn": { input: Schema.Struct({ badge: NonEmptyScanText }), output: Operator },
  "session.enterPin": { input: Schema.Struct({ badge: NonEmptyScanText, pin: Pin }), output: PinOutcome },
  "session.signOut": { input: Schema.Struct({}), output: Schema.Struct({ signedOut: Schema.Boolean }) }
} as const
