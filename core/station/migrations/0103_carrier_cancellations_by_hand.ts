/** Station migration 0103: a shipment to cancel that only a person can cancel, in the carrier's portal. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * `carrier_cancellations.by_hand`: why the station cannot send the cancellation itself (the parcel's carrier is no
 * longer set up at the station for the web service that made its label), so a person cancels the shipment in the
 * carrier's portal; NULL while the station sends it. The station looks again at its longest delay and sends it itself
 * once the carrier's web service is set up again. Rows from before are NULL: their worker asks again and marks them.
 */
export const m0103_carrier_cancellations_by_hand: Migration = {
  id: 103,
  name: "shipments to cancel by hand",
  statements: ["ALTER TABLE carrier_cancellations ADD COLUMN by_hand TEXT"]
}
