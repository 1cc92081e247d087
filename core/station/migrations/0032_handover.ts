/** Migration 32: carrier handover batches and their scans. */
import type { Migration } from "../../store/Migrations.ts"

export const m0032_handover: Migration = {
  id: 32,
  name: "carrier handover batches",
  statements: [
    `CREATE TABLE handover_batches (
      batch_id TEXT PRIMARY KEY,
      carrier TEXT NOT NULL,
      status TEXT NOT NULL,
      opened_at_ms INTEGER NOT NULL,
      closed_at_ms INTEGER
    )`,
    `CREATE TABLE handover_scans (
      batch_id TEXT NOT NULL REFERENCES handover_batches (batch_id),
      parcel_id TEXT NOT NULL UNIQUE REFERENCES parcels (parcel_id),
      scanned_wall_ms INTEGER NOT NULL,
      scanned_mono_ns TEXT NOT NULL,
      ntp_offset_ms REAL
    )`
  ]
}
