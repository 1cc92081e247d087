/** Station migration 0104: the append-only record of shipments a manager cancelled in the carrier's portal. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A cancellation the station cannot send (`carrier_cancellations.by_hand`) ends when a manager says they cancelled the
 * shipment in the carrier's portal: the row leaves `carrier_cancellations`, and one row here says who closed it, when
 * and with what reference (the portal's cancellation number, or what the portal showed), in the same commit as
 * `parcel.shipment-cancelled-by-hand`. One row per parcel id, so a second close is told "already closed", never
 * recorded twice. Append-only by construction, as the audit is: triggers refuse every UPDATE and DELETE, so a
 * correction is a new event, never an edit of this record.
 */
export const m0104_shipments_cancelled_by_hand: Migration = {
  id: 104,
  name: "shipments cancelled by hand, append-only",
  statements: [
    `CREATE TABLE shipments_cancelled_by_hand (
      parcel_id TEXT PRIMARY KEY,
      order_id TEXT NOT NULL,
      carrier TEXT NOT NULL,
      tracking_number TEXT,
      reference TEXT NOT NULL,
      badge_id TEXT NOT NULL,
      closed_at_ms INTEGER NOT NULL
    )`,
    `CREATE TRIGGER shipments_cancelled_by_hand_no_update BEFORE UPDATE ON shipments_cancelled_by_hand
     BEGIN SELECT RAISE(ABORT, 'shipments_cancelled_by_hand is append-only'); END`,
    `CREATE TRIGGER shipments_cancelled_by_hand_no_delete BEFORE DELETE ON shipments_cancelled_by_hand
     BEGIN SELECT RAISE(ABORT, 'shipments_cancelled_by_hand is append-only'); END`
  ]
}
