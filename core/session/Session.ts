import { Context, Effect, Layer, Option, Ref } from "effect"
import { ApiError } from "../api/ApiError.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { CurrentClient } from "./Client.ts"
import type { Operator, Role } from "./Operator.ts"
import { OperatorSignedIn, OperatorSignedOut } from "./SessionEvents.ts"

/** Accepts a badge as typed ("b-1001") or as scanned from a badge label ("PB:BADGE:B-1001…"). */
export type BadgeReader = (raw: string) => string | undefined

const plainBadge: BadgeReader = (raw) => {
  const id = raw.trim().toUpperCase()
  return /^[A-Z0-9][A-Z0-9-]{0,31}$/.test(id) ? id : undefined
}

/** More signed-in clients than a station ever has; past it the longest signed-in one makes room. */
const MAX_SIGNED_IN_CLIENTS = 256

/**
 * Who is signed in, per client (each browser session, the Electron window): one operator per client, and signing in
 * replaces that client's previous one only. `current`, `require`, `signIn` and `signOut` act for the call's
 * `CurrentClient`; `operatorOf` reads any client's, for pushes addressed to each.
 */
export class Session extends Context.Service<
  Session,
  {
    readonly current: Effect.Effect<Operator | null>
    readonly operatorOf: (clientId: string) => Effect.Effect<Operator | null>
    readonly signIn: (badge: string) => Effect.Effect<Operator, ApiError>
    readonly signOut: Effect.Effect<boolean, ApiError>
    readonly require: (roles: ReadonlyArray<Role>) => Effect.Effect<Operator, ApiError>
  }
>()("packbench/core/session/Session") {
  static readonly layer = (readBadge: BadgeReader = plainBadge) =>
    Layer.effect(
      Session,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const signedIn = yield* Ref.make<ReadonlyMap<string, Operator>>(new Map())
        const storeFailure = (error: { readonly message: string }) =>
          new ApiError({
            code: "store-unavailable",
            message: `The station database refused the write: ${error.message}`
          })

        const operatorOf = (clientId: string) =>
          Effect.map(Ref.get(signedIn), (operators) => operators.get(clientId) ?? null)
        const current = CurrentClient.use((client) => operatorOf(client.id))
        const setOperator = (clientId: string, operator: Operator | null) =>
          Ref.update(signedIn, (operators) => {
            const next = new Map(operators)
            next.delete(clientId)
            if (operator !== null) next.set(clientId, operator)
            return next
          })

        const signIn = Effect.fn("Session.signIn")(function* (badge: string) {
          const client = yield* CurrentClient
          const badgeId = readBadge(badge)
          if (badgeId === undefined) {
            return yield* new ApiError({
              code: "badge-unreadable",
              message: `"${badge.slice(0, 64)}" is not a badge id`
            })
          }
          const rows = yield* sql
            .query<{ name: string; role: Role }>("SELECT name, role FROM badges WHERE badge_id = ?", [badgeId])
            .pipe(Effect.mapError(storeFailure))
          const found = Option.fromNullishOr(rows[0])
          if (Option.isNone(found)) {
            return yield* new ApiError({
              code: "badge-unknown",
              message: `Badge ${badgeId} is not registered at this site`
            })
          }
          const operator: Operator = { badgeId, name: found.value.name, role: found.value.role }
          const operators = yield* Ref.get(signedIn)
          const previous = operators.get(client.id) ?? null
          const displaced =
            previous === null && operators.size >= MAX_SIGNED_IN_CLIENTS ? operators.entries().next().value : undefined
          yield* sql
            .transaction(
              Effect.gen(function* () {
                for (const [, other] of displaced === undefined ? [] : [displaced]) {
                  yield* log.append(OperatorSignedOut, { badgeId: other.badgeId, reason: "replaced" })
                }
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
          if (displaced !== undefined) yield* setOperator(displaced[0], null)
          yield* setOperator(client.id, operator)
          return operator
        })

        const signOut = Effect.gen(function* () {
          const client = yield* CurrentClient
          const previous = yield* operatorOf(client.id)
          if (previous === null) return false
          yield* log
            .append(OperatorSignedOut, { badgeId: previous.badgeId, reason: "sign-out" }, { actor: { ...previous } })
            .pipe(Effect.mapError(storeFailure))
          yield* setOperator(client.id, null)
          return true
        })

        const require = (roles: ReadonlyArray<Role>) =>
          Effect.flatMap(current, (operator) =>
            operator !== null && roles.includes(operator.role)
              ? Effect.succeed(operator)
              : Effect.fail(
                  new ApiError({
                    code: operator === null ? "not-signed-in" : "role-required",
                    message:
                      operator === null
                        ? "Scan your badge first"
                        : `This needs one of the roles ${roles.join(", ")}; ${operator.name} is ${operator.role}`
                  })
                )
          )

        return Session.of({ current, operatorOf, signIn, signOut, require })
      })
    )
}
