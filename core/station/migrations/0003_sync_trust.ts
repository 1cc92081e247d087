/** Station migration 0003: inbox ownership, conflicts and quarantine bounds for sync. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * What the station's sync keeps so nothing real is dropped for a fake and a flood stays bounded: which message holds
 * each inbox number (a second one with another id is a conflict), the conflicts and refusals found in its streams
 * (its own inbox's, and those the hub reports about its events), the SHA-256 and length of a quarantined payload
 * whose first 4 KB are kept, and counters (quarantine rows let go to keep the table bounded).
 */
export const m0003_sync_trust: Migration = {
  id: 3,
  name: "sync trust: conflicts, bounded quarantine",
  statements: [
    "CREATE INDEX sync_inbox_stream_seq ON sync_inbox (stream, seq)",
    "ALTER TABLE sync_inbox_quarantine ADD COLUMN payload_sha256 TEXT",
    "ALTER TABLE sync_inbox_quarantine ADD COLUMN payload_bytes INTEGER",
    "ALTER TABLE sync_inbox_held ADD COLUMN msg_id TEXT",
    `CREATE TABLE sync_conflicts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      source TEXT NOT NULL,
      kind TEXT NOT NULL,
      epoch TEXT NOT NULL,
      seq INTEGER NOT NULL,
      refused_id TEXT NOT NULL,
      kept_id TEXT,
      topic TEXT NOT NULL,
      reason TEXT NOT NULL,
      payload TEXT,
      payload_sha256 TEXT,
      payload_bytes INTEGER,
      first_seen_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      seen INTEGER NOT NULL,
      UNIQUE (source, epoch, seq, refused_id)
    )`,
    "CREATE TABLE sync_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
  ]
}
