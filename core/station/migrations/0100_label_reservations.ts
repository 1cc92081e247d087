/** Station migration 0100: parcel ids reserved for label requests to a carrier before their parcel commits. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A label request to a carrier's web service goes out under the parcel id, its idempotency key. The id is reserved
 * before the request leaves, in a commit of its own, so a parcel that then does not commit never gives it to another
 * parcel (whose label the carrier would answer with the first one's):
 * - `label_reservations`: one row per id reserved and not yet taken over by its parcel, with the request as sent
 *   (`request`, its SSCC's EPC URN in `sscc_urn`). The parcel's commit deletes it; a packing left without its parcel
 *   hands it to the carrier cancellations;
 * - `carrier_cancellations.label_request`: for a shipment whose number the station does not know (a request whose
 *   packing was left), the request to ask again under its key to learn the number before cancelling it.
 */
export const m0100_label_reservations: Migration = {
  id: 100,
  name: "parcel ids reserved for label requests to a carrier",
  statements: [
    `CREATE TABLE label_reservations (
      parcel_id TEXT PRIMARY KEY,
      order_id TEXT NOT NULL,
      carrier TEXT NOT NULL,
      request TEXT NOT NULL,
      sscc_urn TEXT,
      reserved_at_ms INTEGER NOT NULL
    )`,
    "ALTER TABLE carrier_cancellations ADD COLUMN label_request TEXT"
  ]
}
