/** The sign-in and sign-out API handlers, session errors mapped to the wire. */
import { Effect } from "effect"
import { type ApiError, apiErrorOf } from "../api/ApiError.ts"
import { Session } from "./Session.ts"
import type { SessionApi } from "./SessionApi.ts"

export type SessionHandlers = {
  readonly [N in keyof typeof SessionApi]: (
    input: (typeof SessionApi)[N]["input"]["Type"]
  ) => Effect.Effect<(typeof SessionApi)[N]["output"]["Type"], ApiError>
}

/**
 * Signing in and out, for the station to merge into its handler map; `changed` runs after either (the header shows
 * who is signed in). A session error goes over the wire with its reason as the code.
 */
export const makeSessionHandlers = (changed: Effect.Effect<void, ApiError>) =>
  Effect.gen(function* () {
    const session = yield* Session
    const handlers: SessionHandlers = {
      "session.signIn": ({ badge }) => Effect.tap(Effect.mapError(session.signIn(badge), apiErrorOf), () => changed),
      "session.signOut": () =>
        Effect.map(
          Effect.tap(Effect.mapError(session.signOut, apiErrorOf), () => changed),
          (signedOut) => ({ signedOut })
        )
    }
    return handlers
  })
