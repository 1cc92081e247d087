/** The sign-in, PIN and sign-out API handlers, session errors mapped to the wire. */
import { Effect } from "effect"
import { ApiError, apiErrorOf } from "../api/ApiError.ts"
import { AuditLog } from "../audit/AuditLog.ts"
import type { StoreError } from "../store/Sql.ts"
import { Session } from "./Session.ts"
import type { SessionApi } from "./SessionApi.ts"

export type SessionHandlers = {
  readonly [N in keyof typeof SessionApi]: (
    input: (typeof SessionApi)[N]["input"]["Type"]
  ) => Effect.Effect<(typeof SessionApi)[N]["output"]["Type"], ApiError>
}

const auditFailure = (error: StoreError) =>
  new ApiError({
    code: error.reason === "DiskFull" || error.reason === "ReadOnly" ? "store-refused" : "store-unavailable",
    message: `The station database refused the audit entry (${error.reason}): ${error.message}`
  })

/**
 * Signing in and out, for the station to merge into its handler map; `changed` runs after each sign-in or sign-out
 * (the header shows who is signed in). A session error goes over the wire with its reason as the code. Every PIN
 * tried is audited, right or wrong, with the manager it was tried for.
 */
export const makeSessionHandlers = (changed: Effect.Effect<void, ApiError>) =>
  Effect.gen(function* () {
    const session = yield* Session
    const audit = yield* AuditLog
    const handlers: SessionHandlers = {
      "session.signIn": ({ badge }) => Effect.tap(Effect.mapError(session.signIn(badge), apiErrorOf), () => changed),
      "session.enterPin": ({ badge, pin }) =>
        Effect.gen(function* () {
          const holder = yield* session.lookUp(badge).pipe(Effect.mapError(apiErrorOf))
          const outcome = yield* session.enterPin(badge, pin).pipe(Effect.mapError(apiErrorOf))
          yield* audit
            .record({
              operator: holder,
              action: "session.enterPin",
              outcome: outcome.result === "signed-in" ? "done" : "refused",
              detail:
                outcome.result === "signed-in"
                  ? "signed in as manager"
                  : outcome.result === "wrong-pin"
                    ? `wrong PIN, ${outcome.attemptsLeft} tries left`
                    : `badge locked for ${Math.ceil(outcome.retryAfterMs / 1000)} s`
            })
            .pipe(Effect.mapError(auditFailure))
          if (outcome.result === "signed-in") yield* changed
          return outcome
        }),
      "session.signOut": () =>
        Effect.map(
          Effect.tap(Effect.mapError(session.signOut, apiErrorOf), () => changed),
          (signedOut) => ({ signedOut })
        )
    }
    return handlers
  })
