/** The retry loop every durable request to a carrier shares: due rows asked again, doubling delays, until answered. */
import { Duration, Effect } from "effect"
import { Sql, type SqlValue, type StoreError } from "../store/Sql.ts"
import type { Doorbell } from "../sync/Doorbell.ts"
import { StationClock } from "../time/Clock.ts"

export interface RetryPolicy {
  /** Wait after the first failed attempt; doubles with every further one. */
  readonly firstDelayMs: number
  readonly maxDelayMs: number
}

export const defaultRetryPolicy: RetryPolicy = { firstDelayMs: 2_000, maxDelayMs: 60_000 }

export const retryDelayMs = (policy: RetryPolicy, attempts: number): number =>
  Math.min(policy.firstDelayMs * 2 ** Math.max(attempts - 1, 0), policy.maxDelayMs)

/** The columns every table of durable carrier requests has: attempts so far, and when the next one is due. */
export interface DurableRequestRow {
  readonly attempts: number
  readonly next_attempt_at_ms: number
}

/** What one attempt did: `done`, the carrier answered what the request was for; `changed`, a person sees a change. */
export interface AttemptOutcome {
  readonly done: boolean
  readonly changed: boolean
}

/**
 * A table of requests the station keeps until the carrier answered them, because a request to a carrier must outlive
 * an unreachable carrier and a restart: a row is the request, written in the commit that made it necessary. Each row
 * is asked again when due (`next_attempt_at_ms`; a new row is due at once) and a failed attempt puts the next one off
 * twice as long as the one before, up to the policy's longest delay.
 */
export interface DurableRequests<Row extends DurableRequestRow> {
  readonly table: string
  readonly key: string & keyof Row
  /** An SQL condition on the rows the worker asks for at all (not one refused, say); all rows when absent. */
  readonly waiting?: string
  readonly policy: RetryPolicy
  /** One attempt at a due row; it writes what came of it (`postpone` for a failure), each step in its own commit. */
  readonly attempt: (row: Row) => Effect.Effect<AttemptOutcome, StoreError>
  /** Runs before the due rows of every pass, and says whether it changed something a person sees. */
  readonly beforePass?: Effect.Effect<boolean, StoreError>
  /** Rung when a row became due that `work` would otherwise find only at its next look: it passes at once. */
  readonly doorbell?: Doorbell
}

/**
 * The worker of one table of durable carrier requests: `pass` attempts every due row once (at most 50 a pass, oldest
 * due first), `work` passes for as long as its scope lives, `postpone` records a failed attempt.
 */
export const makeCarrierRequestWorker = <Row extends DurableRequestRow>(requests: DurableRequests<Row>) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const clock = yield* StationClock
    const { table, key, policy } = requests
    const waiting = requests.waiting === undefined ? "" : ` AND (${requests.waiting})`

    /** A failed attempt: counted, its reason kept, the next due after the policy's delay; `also` sets more columns. */
    const postpone = (row: Row, reason: string, also: Readonly<Record<string, SqlValue>> = {}) =>
      Effect.flatMap(clock.now, (now) => {
        const columns = Object.entries(also)
        return sql.execute(
          `UPDATE ${table} SET attempts = attempts + 1, last_error = ?, next_attempt_at_ms = ?${columns
            .map(([column]) => `, ${column} = ?`)
            .join("")} WHERE ${key} = ?`,
          [
            reason,
            now.wallMs + retryDelayMs(policy, Number(row.attempts)),
            ...columns.map(([, value]) => value),
            row[key] as SqlValue
          ]
        )
      })

    /** How many requests the carrier answered, and whether anything a person sees changed. */
    const pass = Effect.gen(function* () {
      const before = requests.beforePass === undefined ? false : yield* requests.beforePass
      const now = yield* clock.now
      const due = yield* sql.query<Row>(
        `SELECT * FROM ${table} WHERE next_attempt_at_ms <= ?${waiting} ORDER BY next_attempt_at_ms, ${key} LIMIT 50`,
        [now.wallMs]
      )
      let done = 0
      let changed = before
      for (const row of due) {
        const outcome = yield* requests.attempt(row)
        if (outcome.done) done++
        changed = changed || outcome.changed
      }
      return { done, changed }
    }).pipe(Effect.withSpan(`CarrierRequestWorker.pass ${table}`))

    /** Passes for as long as the scope lives; `onChange` runs after a pass that changed something a person sees. */
    const work = (onChange: Effect.Effect<void>) =>
      Effect.forever(
        Effect.gen(function* () {
          const { changed } = yield* pass
          if (changed) yield* onChange
          const next = yield* sql.query<{ at: number | null }>(
            `SELECT MIN(next_attempt_at_ms) AS at FROM ${table}${waiting === "" ? "" : ` WHERE ${requests.waiting}`}`
          )
          const now = yield* clock.now
          // New rows are due at once; looking every first-delay catches them without a wake-up across commits, and
          // the doorbell, rung in the commit that made a row due, sooner.
          const until = next[0]?.at === null || next[0]?.at === undefined ? Infinity : Number(next[0].at) - now.wallMs
          const sleep = Effect.sleep(Duration.millis(Math.max(50, Math.min(until, policy.firstDelayMs))))
          yield* requests.doorbell === undefined ? sleep : Effect.raceFirst(sleep, requests.doorbell.wait)
        })
      )

    return { pass, work, postpone }
  })
