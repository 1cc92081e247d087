/** Station migration 0097: whether a waiting label's request may have reached the carrier, and why it is not asked for. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A parcel waiting for its label whose order changed after packing is not asked for while no request for it can have
 * reached the carrier (no shipment to void there), and such a parcel may be voided before its label comes:
 * - `may_have_reached_carrier`: 0 while every request for the label failed before it was sent (the connection was
 *   refused); 1 once one may have arrived (a timeout, a 5xx, an answer that could not be read), and while one is on
 *   its way. Rows from before are 1: their attempts were not told apart, and a shipment may exist for them;
 * - `withheld`: the hold (`parcelHold`) the worker stopped asking for the label for; NULL while it asks.
 */
export const m0097_pending_label_reach: Migration = {
  id: 97,
  name: "whether a waiting label's request may have reached the carrier, and why it is not asked for",
  statements: [
    "ALTER TABLE pending_labels ADD COLUMN may_have_reached_carrier INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE pending_labels ADD COLUMN withheld TEXT"
  ]
}
