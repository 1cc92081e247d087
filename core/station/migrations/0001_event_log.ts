/** Migration 1: the event log and the station's meta table. */
import type { Migration } from "../../store/Migrations.ts"

export const m0001_event_log: Migration = {
  id: 1,
  name: "event log and station meta",
  statements: [
    "CREATE TABLE station_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    `CREATE TABLE events (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL,
      version INTEGER NOT NULL,
      epoch TEXT NOT NULL,
      event_wall_ms INTEGER NOT NULL,
      event_mono_ns TEXT NOT NULL,
      ntp_offset_ms REAL,
      record_time_ms INTEGER NOT NULL,
      actor TEXT NOT NULL,
      payload TEXT NOT NULL,
      epcis TEXT
    )`,
    "CREATE INDEX events_type ON events (type, seq)"
  ]
}
