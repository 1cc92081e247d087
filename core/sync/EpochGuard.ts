/** Detects a restored database by the high-water mark kept outside it and starts a new event epoch. */
import { Effect, Schema } from "effect"
import { uuid7 } from "../events/Uuid7.ts"
import { loadOrCreateEpoch } from "../station/StationEpoch.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { HighWaterMark } from "./HighWaterMark.ts"

export const EPOCH_RESTARTED_TYPE = "sync.epoch-restarted"

/** Payload of the event that opens an epoch started because the database went back in time. */
export const EpochRestarted = Schema.Struct({
  previousEpoch: Schema.String,
  databaseLastSeq: Schema.Int,
  highWaterMarkEpoch: Schema.String,
  highWaterMarkSeq: Schema.Int,
  reason: Schema.String
})
export type EpochRestarted = typeof EpochRestarted.Type

/**
 * Picks the epoch the station runs under, after migrations and before `StationIdentity` is built.
 *
 * A database restored from a backup holds fewer events than the station already published: reusing its
 * numbers would make consumers drop new events as duplicates of old ones. The high-water mark lives outside the
 * database, so it survives the restore. If the database's last sequence is below the mark, or the database has
 * events but belongs to a different epoch than the mark (restored from before an earlier epoch change), a new
 * epoch starts: written to `station_meta` together with a `sync.epoch-restarted` event in one transaction, so
 * the log itself says why the numbering restarted. Consumers number each epoch from 1.
 */
export const resolveStationEpoch = Effect.fn("EpochGuard.resolveStationEpoch")(function* () {
  const sql = yield* Sql
  const clock = yield* StationClock
  const mark = yield* HighWaterMark
  const epoch = yield* loadOrCreateEpoch()
  const last = yield* sql.query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
  const lastSeq = Number(last[0]?.seq ?? 0)
  const stored = yield* mark.read
  const restored =
    stored !== undefined &&
    ((stored.epoch === epoch && lastSeq < stored.seq) || (stored.epoch !== epoch && lastSeq > 0))
  if (!restored) {
    if (stored === undefined || stored.epoch !== epoch || stored.seq < lastSeq)
      yield* mark.write({ epoch, seq: lastSeq })
    return { epoch, restarted: undefined }
  }
  const now = yield* clock.now
  const next = yield* uuid7(now.wallMs)
  const id = yield* uuid7(now.wallMs)
  const payload: EpochRestarted = {
    previousEpoch: epoch,
    databaseLastSeq: lastSeq,
    highWaterMarkEpoch: stored.epoch,
    highWaterMarkSeq: stored.seq,
    reason:
      stored.epoch === epoch
        ? `database holds events up to ${lastSeq} but ${stored.seq} were already sent: restored from a backup`
        : `database epoch ${epoch} is not the last one sent (${stored.epoch}): restored from an older backup`
  }
  // Raised first: a crash after this write but before the commit only costs one more unused epoch next start.
  yield* mark.write({ epoch: next, seq: lastSeq + 1 })
  yield* sql.transaction(
    Effect.gen(function* () {
      yield* sql.execute("UPDATE station_meta SET value = ? WHERE key = 'epoch'", [next])
      // Written here rather than through EventLog: the event must commit with the epoch change, and EventLog
      // stamps the epoch of the StationIdentity that this very function decides.
      yield* sql.execute(
        `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms,
           record_time_ms, actor, payload, epcis) VALUES (?, ?, ?, 1, ?, ?, ?, NULL, ?, ?, ?, NULL)`,
        [
          lastSeq + 1,
          id,
          EPOCH_RESTARTED_TYPE,
          next,
          now.wallMs,
          now.monoNs,
          now.wallMs,
          JSON.stringify({ role: "system" }),
          JSON.stringify(payload)
        ]
      )
    })
  )
  yield* Effect.logWarning(`sync: started epoch ${next}: ${payload.reason}`)
  return { epoch: next, restarted: payload }
})
