/** Station migration 0098: shipments to cancel at their carrier, kept until the carrier has no live one left. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A voided parcel's shipment at a carrier that issues labels online stays live there (billed, and its tracking number
 * may be scanned) until the carrier cancels it, and the carrier may be out of reach when the parcel is voided. A row
 * is the durable promise to cancel it, written in the void's transaction and deleted in the one that records the
 * carrier's answer (`parcel.shipment-cancelled`):
 * - `parcel_id`: the id the label was asked for under (the request's idempotency key);
 * - `tracking_number`: the number the carrier cancels the shipment by; NULL while the station does not know it;
 * - `reason`: why the shipment is cancelled (the void's reason);
 * - `refused`: the carrier's words when it refused to cancel: the manager sees it, and the station asks again at its
 *   longest delay, so a shipment cancelled by hand meanwhile ends the row.
 */
export const m0098_carrier_cancellations: Migration = {
  id: 98,
  name: "shipments to cancel at their carrier",
  statements: [
    `CREATE TABLE carrier_cancellations (
      parcel_id TEXT PRIMARY KEY,
      order_id TEXT NOT NULL,
      carrier TEXT NOT NULL,
      tracking_number TEXT,
      reason TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at_ms INTEGER NOT NULL,
      last_error TEXT,
      refused TEXT,
      created_at_ms INTEGER NOT NULL
    )`
  ]
}
