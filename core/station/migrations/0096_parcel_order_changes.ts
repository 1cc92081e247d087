/** Station migration 0096: parcels still at the station are held back for what their order changed after packing. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Handover, reprint and the label worker hold back a parcel whose order changed after it was packed, by comparing
 * the order as it is now with what the parcel was packed for (core/pack/parcelHold.ts). Parcels packed before kept
 * no lines, and an order cancelled after packing stayed `packed`; for the parcels still at the station (packed, or
 * waiting for their label):
 * - each learns the order's lines it was packed for (`parcels.data.lines`): those of the order's newest
 *   `order.received` before the parcel's first event (`parcel.label-pending` or `parcel.packed`, stamped with the
 *   parcel's `packed_at_ms`, so found through the index on event time), else the order's lines now, as the station
 *   judged the parcel before;
 * - its order becomes `cancelled` when the shop's last word on it is a cancellation: an `order.cancelled` with no
 *   `order.received` of a newer version after it (a shop that takes a cancellation back sends the whole order).
 * The orders' events are read once into a temporary table, not once per parcel.
 */
export const m0096_parcel_order_changes: Migration = {
  id: 96,
  name: "parcels held back for what their order changed after packing",
  statements: [
    `CREATE TEMP TABLE order_changes AS
     SELECT seq, type, order_id, version, lines FROM (
       SELECT e.seq, e.type,
         CASE e.type WHEN 'order.received' THEN json_extract(e.payload, '$.order.orderId')
           ELSE json_extract(e.payload, '$.orderId') END AS order_id,
         CASE e.type WHEN 'order.received' THEN json_extract(e.payload, '$.order.version')
           ELSE json_extract(e.payload, '$.orderVersion') END AS version,
         json_extract(e.payload, '$.order.lines') AS lines
       FROM events e WHERE e.type IN ('order.received', 'order.cancelled'))
     WHERE order_id IN (SELECT order_id FROM parcels WHERE status IN ('packed', 'label-pending'))`,
    "CREATE INDEX temp.order_changes_by_order ON order_changes (order_id, type, seq)",
    `UPDATE parcels SET data = json_set(data, '$.lines', json(COALESCE(
       (SELECT c.lines FROM order_changes c
        WHERE c.order_id = parcels.order_id AND c.type = 'order.received'
          AND c.seq < (SELECT MIN(p.seq) FROM events p
                       WHERE p.event_wall_ms = parcels.packed_at_ms
                         AND p.type IN ('parcel.label-pending', 'parcel.packed')
                         AND json_extract(p.payload, '$.parcelId') = parcels.parcel_id)
        ORDER BY c.seq DESC LIMIT 1),
       (SELECT json_extract(o.data, '$.lines') FROM orders o WHERE o.order_id = parcels.order_id))))
     WHERE status IN ('packed', 'label-pending') AND json_type(data, '$.lines') IS NULL
       AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = parcels.order_id)`,
    `UPDATE orders SET status = 'cancelled', data = json_set(data, '$.status', 'cancelled')
     WHERE status = 'packed'
       AND EXISTS (SELECT 1 FROM parcels p WHERE p.order_id = orders.order_id AND p.status IN ('packed', 'label-pending'))
       AND EXISTS (SELECT 1 FROM order_changes c
                   WHERE c.order_id = orders.order_id AND c.type = 'order.cancelled'
                     AND NOT EXISTS (SELECT 1 FROM order_changes r
                                     WHERE r.order_id = c.order_id AND r.type = 'order.received' AND r.version > c.version))`,
    "DROP TABLE temp.order_changes"
  ]
}
