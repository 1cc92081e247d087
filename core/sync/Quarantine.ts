/** Keeping messages that could not be applied, bounded, so they are neither lost nor applied. */
import { Clock, Effect } from "effect"
import { oneLine } from "../bounds/oneLine.ts"
import { type PayloadExcerpt, payloadExcerpt } from "../bounds/PayloadExcerpt.ts"
import type { Sql } from "../store/Sql.ts"

export interface QuarantineOptions {
  /** The table: `(id, topic, payload, reason, received_at_ms, payload_sha256, payload_bytes)`. */
  readonly table: string
  /** A `(name, value)` table where the rows let go are counted. */
  readonly counters: string
  /** Rows kept; the oldest beyond are deleted and counted. */
  readonly limit: number
  /** Who logs (e.g. "sync inbox"). */
  readonly what: string
}

/** Counted in the counters table: quarantine rows deleted to keep the table at its limit. */
export const QUARANTINE_EVICTED = "quarantine_evicted"

const LOG_EVERY_MS = 1_000

/**
 * A quarantine table whose cost is bounded whatever arrives: each record keeps 4 KB of the payload with the SHA-256
 * and length of the whole, the table keeps its newest `limit` rows (the rest are counted, never silently gone), and
 * under a flood the log gets one line a second with how many were quarantined since. Runs in the caller's
 * transaction.
 */
export const makeQuarantine = (sql: Sql["Service"], options: QuarantineOptions) => {
  let suppressed = 0
  let lastLogMs = Number.NEGATIVE_INFINITY
  let sinceTrim = 0

  const log = (topic: string, reason: string) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (now - lastLogMs < LOG_EVERY_MS) {
        suppressed++
        return
      }
      const more =
        suppressed === 0 ? "" : ` (and ${suppressed} more in the last ${Math.round((now - lastLogMs) / 1000)} s)`
      lastLogMs = now
      suppressed = 0
      // A topic and a reason carry what the sender wrote (ids, its words): one line each, so neither forges an entry.
      yield* Effect.logWarning(
        `${options.what}: quarantined a message on ${oneLine(topic.slice(0, 200))}: ${oneLine(reason.slice(0, 1_000))}${more}`
      )
    })

  /** Deletes what lies beyond the newest `limit` rows and counts it. */
  const trim = Effect.gen(function* () {
    const removed = yield* sql.execute(
      `DELETE FROM ${options.table} WHERE id <= (SELECT MAX(id) FROM ${options.table}) - ?`,
      [options.limit]
    )
    if (removed.changes === 0) return
    yield* sql.execute(
      `INSERT INTO ${options.counters} (name, value) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET value = ${options.counters}.value + excluded.value`,
      [QUARANTINE_EVICTED, removed.changes]
    )
  })

  const add = (topic: string, payload: Uint8Array | PayloadExcerpt, reason: string, receivedAtMs: number) =>
    Effect.gen(function* () {
      const excerpt = payload instanceof Uint8Array ? payloadExcerpt(payload) : payload
      yield* sql.execute(
        `INSERT INTO ${options.table} (topic, payload, reason, received_at_ms, payload_sha256, payload_bytes)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [topic.slice(0, 1_024), excerpt.text, reason.slice(0, 2_048), receivedAtMs, excerpt.sha256, excerpt.bytes]
      )
      // Every few rows: a delete per insert would cost as much as the insert.
      if (++sinceTrim >= Math.max(1, Math.min(100, Math.floor(options.limit / 10)))) {
        sinceTrim = 0
        yield* trim
      }
      yield* log(topic, reason)
    })

  return { add, excerpt: payloadExcerpt }
}
