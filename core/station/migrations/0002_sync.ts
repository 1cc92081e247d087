/** Station migration 0002: the sync engine's delivery state tables. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The sync engine's station-side state. Delivery state lives beside the event log, never in it: the log is the
 * outbox and stays append-only. Sequences in `sync_outbox_epochs` are per epoch (the wire numbering, from 1);
 * `base_seq` maps them back to the log (`log seq = base_seq + epoch seq`).
 */
export const m0002_sync: Migration = {
  id: 2,
  name: "sync outbox, inbox and status",
  statements: [
    // The outbox finds where an epoch starts without scanning the log.
    "CREATE INDEX events_epoch ON events (epoch, seq)",
    `CREATE TABLE sync_outbox_epochs (
      epoch TEXT PRIMARY KEY,
      base_seq INTEGER NOT NULL,
      end_seq INTEGER,
      published_seq INTEGER NOT NULL DEFAULT 0,
      confirmed_seq INTEGER NOT NULL DEFAULT 0,
      updated_at_ms INTEGER NOT NULL
    )`,
    "CREATE TABLE sync_status (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at_ms INTEGER NOT NULL)",
    `CREATE TABLE sync_inbox (
      msg_id TEXT PRIMARY KEY,
      stream TEXT NOT NULL,
      seq INTEGER NOT NULL,
      type TEXT NOT NULL,
      version INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      reason TEXT,
      received_at_ms INTEGER NOT NULL
    )`,
    "CREATE TABLE sync_inbox_cursor (stream TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)",
    `CREATE TABLE sync_inbox_held (
      stream TEXT NOT NULL,
      seq INTEGER NOT NULL,
      topic TEXT NOT NULL,
      message TEXT NOT NULL,
      received_at_ms INTEGER NOT NULL,
      PRIMARY KEY (stream, seq)
    )`,
    `CREATE TABLE sync_inbox_quarantine (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      topic TEXT NOT NULL,
      payload TEXT NOT NULL,
      reason TEXT NOT NULL,
      received_at_ms INTEGER NOT NULL
    )`
  ]
}
