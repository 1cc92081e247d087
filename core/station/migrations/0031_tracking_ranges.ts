/** Migration 31: the tracking number ranges carriers allocated to this station. */
import type { Migration } from "../../store/Migrations.ts"

export const m0031_tracking_ranges: Migration = {
  id: 31,
  name: "tracking number ranges the carriers allocated to this station",
  statements: [
    `CREATE TABLE tracking_ranges (
      carrier TEXT PRIMARY KEY,
      next INTEGER NOT NULL,
      end_exclusive INTEGER NOT NULL,
      CHECK (next <= end_exclusive)
    )`
  ]
}
