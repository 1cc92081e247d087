/** Station migration 0094: an index on the held inbox messages' ids. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Every inbound message is checked against the held ones by its id (an id held at another number is a conflict, not a
 * new message): without this index each check reads every message held behind a gap, and a long gap holds many.
 */
export const m0094_held_by_msg_id: Migration = {
  id: 94,
  name: "index on the held inbox messages' ids",
  statements: ["CREATE INDEX IF NOT EXISTS sync_inbox_held_by_msg_id ON sync_inbox_held (msg_id)"]
}
