/** Station migration 0060: the box catalog in the database. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The box catalog moves from a fixed start-up list into the database, so the shop can update it through the inbox.
 * A retired box stays as a row (without data) that keeps its version: a late, older upsert must not bring it back.
 */
export const m0060_boxes: Migration = {
  id: 60,
  name: "box catalog with versions for updates from the shop",
  statements: [
    `CREATE TABLE boxes (
       box_id TEXT PRIMARY KEY,
       position INTEGER NOT NULL,
       data TEXT,
       version INTEGER NOT NULL DEFAULT 0,
       retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
       CHECK (retired = 1 OR data IS NOT NULL)
     )`
  ]
}
