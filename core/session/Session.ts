/** Signing in and out at the station with badges and manager PINs, per client. */
import { Context, Effect, Layer, Option, Ref, Semaphore } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { identifyScan } from "../scan/identify.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { CurrentClient } from "./Client.ts"
import type { Operator, Role } from "./Operator.ts"
import { PinHashes } from "./PinHashes.ts"
import type { PinOutcome } from "./SessionApi.ts"
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

/** More signed-in clients than a station ever has; past it the longest signed-in one makes room. */
const MAX_SIGNED_IN_CLIENTS = 256

/**
 * Wrong PINs a manager badge gets before it locks; then it locks for 30 s, and every further wrong PIN (once the lock
 * is over) locks it twice as long, up to 15 min. The right PIN clears the count. A 4-digit PIN thus takes days to
 * guess rather than minutes.
 */
export const PIN_ATTEMPTS = 5
export const FIRST_LOCK_MS = 30_000
export const MAX_LOCK_MS = 15 * 60_000

export const lockMsAfter = (failures: number): number =>
  failures < PIN_ATTEMPTS ? 0 : Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** Math.min(failures - PIN_ATTEMPTS, 20))

/**
 * Who is signed in, per client (each browser session, the Electron window): one operator per client, and signing in
 * replaces that client's previous one only. `current`, `require`, `signIn`, `enterPin` and `signOut` act for the
 * call's `CurrentClient`; `operatorOf` reads any client's, for pushes addressed to each. A manager signs in with
 * badge and PIN (`enterPin`); `signIn` with a manager's badge alone fails with `pin-required`. A scan the caller
 * already identified passes its identification along, so the badge is not identified twice.
 */
export class Session extends Context.Service<
  Session,
  {
    readonly current: Effect.Effect<Operator | null>
    readonly operatorOf: (clientId: string) => Effect.Effect<Operator | null>
    /** Whose badge this is (nobody is signed in by it). */
    readonly lookUp: (badge: string, identified?: ScanResult) => Effect.Effect<Operator, SessionError>
    readonly signIn: (badge: string, identified?: ScanResult) => Effect.Effect<Operator, SessionError>
    readonly enterPin: (badge: string, pin: string) => Effect.Effect<PinOutcome, SessionError>
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
        const clock = yield* StationClock
        const pins = yield* PinHashes
        // One PIN check at a time: parallel guesses would all pass the lock check before the first failure counted.
        const pinChecks = yield* Semaphore.make(1)
        const signedIn = yield* Ref.make<ReadonlyMap<string, Operator>>(new Map())
        const storeFailure = (error: { readonly message: string }) =>
          new SessionError({
            reason: "store-unavailable",
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

        const badgeRow = Effect.fn("Session.badgeRow")(function* (badge: string, identified?: ScanResult) {
          const badgeId = readBadge(badge, identified)
          if (badgeId === undefined) {
            return yield* new SessionError({
              reason: "badge-unreadable",
              message: `"${badge.slice(0, 64)}" is not a badge id`
            })
          }
          const rows = yield* sql
            .query<{ name: string; role: Role; pin_hash: string | null }>(
              "SELECT name, role, pin_hash FROM badges WHERE badge_id = ?",
              [badgeId]
            )
            .pipe(Effect.mapError(storeFailure))
          const found = Option.fromNullishOr(rows[0])
          if (Option.isNone(found)) {
            return yield* new SessionError({
              reason: "badge-unknown",
              message: `Badge ${badgeId} is not registered at this site`
            })
          }
          const operator: Operator = { badgeId, name: found.value.name, role: found.value.role }
          return { operator, pinHash: found.value.pin_hash }
        })

        const lookUp = (badge: string, identified?: ScanResult) =>
          Effect.map(badgeRow(badge, identified), (row) => row.operator)

        /** Records the sign-in and makes `operator` this client's. */
        const signInAs = Effect.fn("Session.signInAs")(function* (operator: Operator) {
          const client = yield* CurrentClient
          const badgeId = operator.badgeId
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

        const signIn = Effect.fn("Session.signIn")(function* (badge: string, identified?: ScanResult) {
          const { operator } = yield* badgeRow(badge, identified)
          if (operator.role === "manager") {
            return yield* new SessionError({
              reason: "pin-required",
              message: `${operator.name} signs in as manager: enter the PIN (session.enterPin)`
            })
          }
          return yield* signInAs(operator)
        })

        const enterPin = Effect.fn("Session.enterPin")(function* (badge: string, pin: string) {
          const { operator, pinHash } = yield* badgeRow(badge)
          if (operator.role !== "manager") {
            return yield* new SessionError({
              reason: "pin-not-needed",
              message: `${operator.name} signs in with the badge alone`
            })
          }
          if (pinHash === null) {
            return yield* new SessionError({
              reason: "pin-not-set",
              message: `Badge ${operator.badgeId} has no PIN in the badge list: a manager badge needs one`
            })
          }
          const attempts = (badgeId: string) =>
            Effect.map(
              sql.query<{ failures: number; locked_until_ms: number }>(
                "SELECT failures, locked_until_ms FROM pin_attempts WHERE badge_id = ?",
                [badgeId]
              ),
              (rows) => ({
                failures: Number(rows[0]?.failures ?? 0),
                lockedUntilMs: Number(rows[0]?.locked_until_ms ?? 0)
              })
            )
          const checked = yield* pinChecks
            .withPermits(1)(
              Effect.gen(function* () {
                const nowMs = (yield* clock.now).wallMs
                const before = yield* attempts(operator.badgeId)
                if (before.lockedUntilMs > nowMs) {
                  return { result: "locked", retryAfterMs: before.lockedUntilMs - nowMs } as const
                }
                if (yield* pins.verify(pin, pinHash)) {
                  yield* sql.execute("DELETE FROM pin_attempts WHERE badge_id = ?", [operator.badgeId])
                  return { result: "right" } as const
                }
                const failures = before.failures + 1
                const lockMs = lockMsAfter(failures)
                yield* sql.execute(
                  `INSERT INTO pin_attempts (badge_id, failures, locked_until_ms) VALUES (?, ?, ?)
                 ON CONFLICT (badge_id) DO UPDATE SET failures = excluded.failures, locked_until_ms = excluded.locked_until_ms`,
                  [operator.badgeId, failures, lockMs === 0 ? 0 : nowMs + lockMs]
                )
                return lockMs === 0
                  ? ({ result: "wrong-pin", attemptsLeft: PIN_ATTEMPTS - failures } as const)
                  : ({ result: "locked", retryAfterMs: lockMs } as const)
              })
            )
            .pipe(Effect.mapError(storeFailure))
          if (checked.result !== "right") return checked
          return { result: "signed-in", operator: yield* signInAs(operator) } as const
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
                  new SessionError({
                    reason: operator === null ? "not-signed-in" : "role-required",
                    message:
                      operator === null
                        ? "Scan your badge first"
                        : `This needs one of the roles ${roles.join(", ")}; ${operator.name} is ${operator.role}`
                  })
                )
          )

        return Session.of({ current, operatorOf, lookUp, signIn, enterPin, signOut, require })
      })
    )
}
