/** Station migration 0099: a waiting label the carrier refused, no longer asked for. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * `pending_labels.refused`: the carrier's words when it refused the label (a 4xx that answers the request itself: a
 * bad address, a product it does not ship). It made no shipment for it, so the label is not asked for again and the
 * parcel waits for a manager to void it; NULL while the label is asked for. Rows from before are NULL: their worker
 * asked on after a refusal, and asks again once, which refuses them anew.
 */
export const m0099_pending_label_refused: Migration = {
  id: 99,
  name: "a waiting label the carrier refused",
  statements: ["ALTER TABLE pending_labels ADD COLUMN refused TEXT"]
}
