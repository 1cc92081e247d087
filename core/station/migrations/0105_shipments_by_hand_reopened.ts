/** Station migration 0105: a by-hand close taken back (reopened) as a record of its own, and what a close keeps. */
import type { Migration } from "../../store/Migrations.ts"

/** The refusals of every edit of an append-only table, as 0104 made them. */
const appendOnly = (table: string) => [
  `CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
   BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
  `CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
   BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`
]

/**
 * A manager's close of a by-hand cancellation entered by mistake is taken back by a manager's reopen, never by an
 * edit: one row in `shipments_by_hand_reopened` (who, when, why) names the close it takes back, and the cancellation
 * waits again in `carrier_cancellations`. So a parcel can be closed more than once, each close numbered (`close_no`:
 * 1, then one more after each reopen), which the primary key of 0104 (the parcel id alone) did not allow: the table is
 * built anew, its rows copied as close 1. A close now keeps what a reopen puts back: the row's `label_request` (the
 * station needs it to cancel a shipment whose number it never learnt, once the carrier's web service is set up
 * again), why the shipment was cancelled (`reason`; for a close before this migration, from its
 * `parcel.shipment-cancelled-by-hand`) and since when (`since_ms`; NULL before). `portal_answer` says what the
 * manager found in the carrier's portal: the shipment `cancelled` there (with its `reference`), or `no-shipment`
 * found at all (with a `note` instead). The rebuilt table and the new one are append-only, as 0104's was.
 */
export const m0105_shipments_by_hand_reopened: Migration = {
  id: 105,
  name: "by-hand closes numbered, reopened apart",
  statements: [
    `CREATE TABLE shipments_cancelled_by_hand_0105 (
      parcel_id TEXT NOT NULL,
      close_no INTEGER NOT NULL CHECK (close_no >= 1),
      order_id TEXT NOT NULL,
      carrier TEXT NOT NULL,
      tracking_number TEXT,
      label_request TEXT,
      reason TEXT NOT NULL,
      since_ms INTEGER,
      portal_answer TEXT NOT NULL CHECK (portal_answer IN ('cancelled', 'no-shipment')),
      reference TEXT,
      note TEXT,
      badge_id TEXT NOT NULL,
      closed_at_ms INTEGER NOT NULL,
      PRIMARY KEY (parcel_id, close_no),
      CHECK (portal_answer <> 'cancelled' OR reference IS NOT NULL),
      CHECK (portal_answer <> 'no-shipment' OR note IS NOT NULL)
    )`,
    `INSERT INTO shipments_cancelled_by_hand_0105 (parcel_id, close_no, order_id, carrier, tracking_number,
       label_request, reason, since_ms, portal_answer, reference, note, badge_id, closed_at_ms)
     SELECT s.parcel_id, 1, s.order_id, s.carrier, s.tracking_number, NULL,
       COALESCE((SELECT json_extract(e.payload, '$.reason') FROM events e
                 WHERE e.type = 'parcel.shipment-cancelled-by-hand'
                   AND json_extract(e.payload, '$.parcelId') = s.parcel_id
                 ORDER BY e.seq DESC LIMIT 1), 'not kept by the station that closed it'),
       NULL, 'cancelled', s.reference, NULL, s.badge_id, s.closed_at_ms
     FROM shipments_cancelled_by_hand s`,
    "DROP TABLE shipments_cancelled_by_hand",
    "ALTER TABLE shipments_cancelled_by_hand_0105 RENAME TO shipments_cancelled_by_hand",
    ...appendOnly("shipments_cancelled_by_hand"),
    `CREATE TABLE shipments_by_hand_reopened (
      parcel_id TEXT NOT NULL,
      close_no INTEGER NOT NULL,
      reason TEXT NOT NULL,
      badge_id TEXT NOT NULL,
      reopened_at_ms INTEGER NOT NULL,
      PRIMARY KEY (parcel_id, close_no)
    )`,
    ...appendOnly("shipments_by_hand_reopened")
  ]
}
