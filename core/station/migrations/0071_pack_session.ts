/** Station migration 0071: the pack session in progress. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The pack session in progress (order open, items scanned), so a restarted station continues where the packer was.
 * At most one row: the bench packs one order at a time.
 */
export const m0071_pack_session: Migration = {
  id: 71,
  name: "the pack session in progress",
  statements: [
    `CREATE TABLE pack_session (
      bench INTEGER PRIMARY KEY CHECK (bench = 1),
      order_id TEXT NOT NULL,
      data TEXT NOT NULL,
      updated_at_ms INTEGER NOT NULL
    )`
  ]
}
