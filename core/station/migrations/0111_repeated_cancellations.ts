/** Station migration 0111: the cancellations recorded while the order's cancellation was in force, whose void is a repeat. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Every `order.cancelled` has the view of a void (a TransactionEvent DELETE of the order, EPCIS 2.0 §7.4.5), and the
 * hub exports the first of each cancellation in force only: a repeat asserts nothing new, and no error declaration
 * corrects it (hub migration 68). A station records every version the shop cancels at (the hub hears of each), so a
 * shipped order cancelled again and again, or an order cancelled again while cancelled, is one row here per repeat, and
 * the station's EPCIS export leaves its void out (`withExportedView`), as the hub's does.
 * The cancellations before: one is a repeat when the order's latest cancellation before it in the log was not taken
 * back in between: no `order.reinstated` of the order, and no `order.received` of a version after that cancellation's,
 * before its own, that is not cancelled (a station of a version before `order.reinstated` recorded only that; a
 * version that cancels records its `order.received` at its own version first, a shipped one with status shipped).
 * Read once through `events_type`: each order's cancellations in order, and the events between two of one order.
 */
export const m0111_repeated_cancellations: Migration = {
  id: 111,
  name: "a cancellation recorded while the order's was in force is a repeat, exported once",
  statements: [
    "CREATE TABLE repeated_cancellations (event_id TEXT PRIMARY KEY)",
    `INSERT INTO repeated_cancellations (event_id)
     WITH cancellations AS (
       SELECT seq, id, json_extract(payload, '$.orderId') AS order_id,
         json_extract(payload, '$.orderVersion') AS version FROM events WHERE type = 'order.cancelled'
     ),
     repeated AS (
       SELECT id, seq, order_id, version, LAG(seq) OVER by_order AS previous_seq,
         LAG(version) OVER by_order AS previous_version
       FROM cancellations WINDOW by_order AS (PARTITION BY order_id ORDER BY seq)
     )
     SELECT r.id FROM repeated r WHERE r.previous_seq IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM events b WHERE b.type = 'order.reinstated' AND b.seq > r.previous_seq
         AND b.seq < r.seq AND json_extract(b.payload, '$.orderId') = r.order_id)
       AND NOT EXISTS (SELECT 1 FROM events b WHERE b.type = 'order.received' AND b.seq > r.previous_seq
         AND b.seq < r.seq AND json_extract(b.payload, '$.order.orderId') = r.order_id
         AND json_extract(b.payload, '$.order.version') > r.previous_version
         AND json_extract(b.payload, '$.order.version') < r.version
         AND json_extract(b.payload, '$.order.status') <> 'cancelled')`
  ]
}
