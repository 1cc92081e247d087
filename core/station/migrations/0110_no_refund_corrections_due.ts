/** Station migration 0110: the version 1 decisions of units now decided with no refund, owed a correction event. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A release before `no-refund` recorded a unit decided with nothing to refund as `hold-for-review` at 0 in its
 * `return.refund-decided` (version 1); migration 0108 made the desk's row say `no-refund`, but the log, and what the
 * hub and any export read from it, still said held for review. The log is append-only, so each such event is owed a
 * correction (`return.refund-decision-corrected`), which only the event log can append (its ids, sequence and clock):
 * this lists the events owed one, once, and the returns desk appends each on start and strikes it off in the same
 * transaction (core/returns/NoRefundCorrections.ts), so each is corrected once however often the station starts.
 * Owed: a version 1 hold-for-review at 0 whose unit the desk now holds as `no-refund` (0108's rows: "No second
 * refund", no refund row); a real hold stays held, and is owed nothing. Read once through `events_type`.
 */
export const m0110_no_refund_corrections_due: Migration = {
  id: 110,
  name: "version 1 holds of units decided with no refund owed a correction",
  statements: [
    `CREATE TABLE refund_corrections_due (
      corrected_event_id TEXT PRIMARY KEY,
      item_ref TEXT NOT NULL REFERENCES return_items (item_ref)
    )`,
    `INSERT INTO refund_corrections_due (corrected_event_id, item_ref)
     SELECT events.id, return_items.item_ref FROM events
     JOIN return_items ON return_items.item_ref = json_extract(events.payload, '$.itemRef')
     WHERE events.type = 'return.refund-decided' AND events.version = 1
       AND json_extract(events.payload, '$.outcome') = 'hold-for-review'
       AND json_extract(events.payload, '$.amountCents') = 0
       AND json_extract(return_items.decision, '$.outcome') = 'no-refund'`
  ]
}
