import { Context, Effect, Layer, Option, Ref } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { identifyScan } from "../scan/identify.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import { Sql } from "../store/Sql.ts"
import type { Operator, Role } from "./Operator.ts"
import { SessionError } from "./SessionError.ts"
import { OperatorSignedIn, OperatorSignedOut } from "./SessionEvents.ts"

/**
 * Reads the badge id from what was typed ("b-1001") or scanned from a badge label ("PB:BADGE:B-1001…"); a scan the
 * caller already identified comes with its identification, so it is not identified again.
 */
export type BadgeReader = (raw: string, identified?: ScanResult) => string | undefined

const plainBadge: BadgeReader = (raw) => {
  const id = raw.trim().toUpperCase()
  return /^[A-Z0-9][A-Z0-9-]{0,31}$/.test(id) ? id : undefined
}

/** The station's reader: a valid Packbench badge code, else the text as a plain badge id. */
export const scannedOrTypedBadge: BadgeReader = (raw, identified) => {
  const scan = identified ?? identifyScan(raw)
  if (scan.kind === "packbench" && scan.type === "badge" && scan.valid) return scan.id
  return plainBadge(raw)
}

/** Who is signed in at this station. One operator at a time; signing in replaces the previous one. */
export class Session extends Context.Service<
  Session,
  {
    readonly current: Effect.Effect<Operator | null>
    readonly signIn: (badge: string, identified?: ScanResult) => Effect.Effect<Operator, SessionError>
    readonly signOut: Effect.Effect<boolean, SessionError>
    readonly require: (roles: ReadonlyArray<Role>) => Effect.Effect<Operator, SessionError>
  }
>()("packbench/core/session/Session") {
  static readonly layer = (readBadge: BadgeReader = plainBadge) =>
    Layer.effect(
      Session,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const state = yield* Ref.make<Operator | null>(null)
        const storeFailure = (error: { readonly message: string }) =>
          new SessionError({
            reason: "store-unavailable",
            message: `The station database refused the write: ${error.message}`
          })

        const signIn = Effect.fn("Session.signIn")(function* (badge: string, identified?: ScanResult) {
          const badgeId = readBadge(badge, identified)
          if (badgeId === undefined) {
            return yield* new SessionError({ reason: "badge-unreadable", message: `"${badge}" is not a badge id` })
          }
          const rows = yield* sql
            .query<{ name: string; role: Role }>("SELECT name, role FROM badges WHERE badge_id = ?", [badgeId])
            .pipe(Effect.mapError(storeFailure))
          const found = Option.fromNullishOr(rows[0])
          if (Option.isNone(found)) {
            return yield* new SessionError({
              reason: "badge-unknown",
              message: `Badge ${badgeId} is not registered at this site`
            })
          }
          const operator: Operator = { badgeId, name: found.value.name, role: found.value.role }
          const previous = yield* Ref.get(state)
          yield* sql
            .transaction(
              Effect.gen(function* () {
                if (previous !== null && previous.badgeId !== badgeId) {
                  yield* log.append(OperatorSignedOut, { badgeId: previous.badgeId, reason: "replaced" })
                }
                yield* log.append(
                  OperatorSignedIn,
                  { badgeId, role: operator.role },
                  { actor: { role: operator.role, badgeId, name: operator.name } }
                )
              })
            )
            .pipe(Effect.mapError(storeFailure))
          yield* Ref.set(state, operator)
          return operator
        })

        const signOut = Effect.gen(function* () {
          const previous = yield* Ref.get(state)
          if (previous === null) return false
          yield* log
            .append(OperatorSignedOut, { badgeId: previous.badgeId, reason: "sign-out" }, { actor: { ...previous } })
            .pipe(Effect.mapError(storeFailure))
          yield* Ref.set(state, null)
          return true
        })

        const require = (roles: ReadonlyArray<Role>) =>
          Effect.flatMap(Ref.get(state), (operator) =>
            operator !== null && roles.includes(operator.role)
              ? Effect.succeed(operator)
              : Effect.fail(
                  new SessionError({
                    reason: operator === null ? "not-signed-in" : "role-required",
                    message:
                      operator === null
                        ? "Scan your badge first"
                        : `This needs one of the roles ${roles.join(", ")}; ${operator.name} is ${operator.role}`
                  })
                )
          )

        return Session.of({ current: Ref.get(state), signIn, signOut, require })
      })
    )
}
