/** Station migration 0095: each parcel still at the station learns the address its label was made for. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Handover and reprint refuse a parcel whose order's address changed after its label was made, by comparing the
 * order's address with the one the parcel keeps (`parcels.data.shipTo`, core/pack/labelAddressOutdated.ts). Parcels
 * packed before kept none; those still at the station (packed, or waiting for their label) get it here, so one whose
 * address the shop already corrected is held back too:
 * - a parcel waiting for its label: the address its pending request names;
 * - else the order's address as the log had it when the parcel was packed: the newest `order.received` or
 *   `order.address-corrected` of the order before the parcel's first event (`parcel.label-pending` or
 *   `parcel.packed`, stamped with the parcel's `packed_at_ms`, so found through the index on event time);
 * - else (an order the log never recorded) the order's address now, as the station judged the parcel before.
 * The orders' address events are read once into a temporary table, not once per parcel.
 */
export const m0095_label_ship_to: Migration = {
  id: 95,
  name: "the address each parcel's label was made for",
  statements: [
    `CREATE TEMP TABLE order_addresses AS
     SELECT seq, order_id, ship_to FROM (
       SELECT e.seq,
         CASE e.type WHEN 'order.received' THEN json_extract(e.payload, '$.order.orderId')
           ELSE json_extract(e.payload, '$.orderId') END AS order_id,
         CASE e.type WHEN 'order.received' THEN json_extract(e.payload, '$.order.shipTo')
           ELSE json_extract(e.payload, '$.shipTo') END AS ship_to
       FROM events e WHERE e.type IN ('order.received', 'order.address-corrected'))
     WHERE order_id IN (SELECT order_id FROM parcels WHERE status IN ('packed', 'label-pending'))`,
    "CREATE INDEX temp.order_addresses_by_order ON order_addresses (order_id, seq)",
    `UPDATE parcels SET data = json_set(data, '$.shipTo', json(COALESCE(
       (SELECT json_extract(l.request, '$.shipTo') FROM pending_labels l WHERE l.parcel_id = parcels.parcel_id),
       (SELECT a.ship_to FROM order_addresses a
        WHERE a.order_id = parcels.order_id
          AND a.seq < (SELECT MIN(p.seq) FROM events p
                       WHERE p.event_wall_ms = parcels.packed_at_ms
                         AND p.type IN ('parcel.label-pending', 'parcel.packed')
                         AND json_extract(p.payload, '$.parcelId') = parcels.parcel_id)
        ORDER BY a.seq DESC LIMIT 1),
       (SELECT json_extract(o.data, '$.shipTo') FROM orders o WHERE o.order_id = parcels.order_id))))
     WHERE status IN ('packed', 'label-pending') AND json_type(data, '$.shipTo') IS NULL
       AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = parcels.order_id)`,
    "DROP TABLE temp.order_addresses"
  ]
}
