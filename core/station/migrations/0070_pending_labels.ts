/** Station migration 0070: parcels waiting for their carrier's label. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Parcels packed while their carrier's label service was out of reach. A row is the durable promise to fetch the
 * label, print it and record the parcel as packed; it is deleted in the transaction that does all three.
 */
export const m0070_pending_labels: Migration = {
  id: 70,
  name: "parcels waiting for a label from their carrier's web service",
  statements: [
    `CREATE TABLE pending_labels (
      parcel_id TEXT PRIMARY KEY REFERENCES parcels (parcel_id),
      carrier TEXT NOT NULL,
      request TEXT NOT NULL,
      packed TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at_ms INTEGER NOT NULL,
      last_error TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL
    )`,
    "CREATE INDEX pending_labels_due ON pending_labels (next_attempt_at_ms)"
  ]
}
