/** Recording sync conflicts and refusals found in a station's streams. */
import { Effect } from "effect"
import type { Sql } from "../store/Sql.ts"
import type { StationClock } from "../time/Clock.ts"

/** Where a station's conflict or refusal was found: its own inbox streams, or its event stream at the hub. */
export type ConflictSource = "inbox:station" | "inbox:site" | "inbox:hub" | "hub:events"

export interface ConflictRecord {
  readonly source: ConflictSource
  readonly kind: "conflict" | "refused"
  readonly epoch?: string
  readonly seq: number
  readonly refusedId: string
  readonly keptId?: string
  readonly topic: string
  readonly reason: string
  readonly payload?: { readonly text: string; readonly sha256: string; readonly bytes: number }
}

/**
 * Records a conflict or refusal in the station's `sync_conflicts` (once per source, epoch, seq and id; repeats
 * count), in the caller's transaction. Returns whether it is new, so the caller alerts once.
 */
export const recordConflict = (sql: Sql["Service"], clock: StationClock["Service"], record: ConflictRecord) =>
  Effect.gen(function* () {
    const now = (yield* clock.now).wallMs
    const epoch = record.epoch ?? ""
    const seen = yield* sql.execute(
      `UPDATE sync_conflicts SET seen = seen + 1, last_seen_ms = ?
       WHERE source = ? AND epoch = ? AND seq = ? AND refused_id = ?`,
      [now, record.source, epoch, record.seq, record.refusedId]
    )
    if (seen.changes > 0) return false
    yield* sql.execute(
      `INSERT INTO sync_conflicts (source, kind, epoch, seq, refused_id, kept_id, topic, reason, payload,
         payload_sha256, payload_bytes, first_seen_ms, last_seen_ms, seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
      [
        record.source,
        record.kind,
        epoch,
        record.seq,
        record.refusedId,
        record.keptId ?? null,
        record.topic,
        record.reason,
        record.payload?.text ?? null,
        record.payload?.sha256 ?? null,
        record.payload?.bytes ?? null,
        now,
        now
      ]
    )
    return true
  })
