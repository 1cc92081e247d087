/** Station migration 0109: a shipped order keeps the version of the shop's cancellation in force, until taken back. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A cancellation of an order whose parcel left keeps the order shipped here (a return follows, not a cancellation),
 * so its status no longer tells that the cancellation is in force. `shipped_cancelled_version` does: the version the
 * shop cancelled it at, while no newer version takes it back; the version that does is then recorded as
 * `order.reinstated` (core/orders/OrderInbound.ts), as for any cancelled order, so the station's log and EPCIS export
 * show the void taken back as the hub's export does.
 * The orders shipped before: a cancellation is in force when the log holds an `order.cancelled` of the order at a
 * version no `order.received` of it came after (a version that cancels records its `order.received` at the same
 * version; one that takes the cancellation back, a newer one). An address correction is no `order.received`: it
 * takes no cancellation back. Read once through `events_type`, for the shipped orders ever cancelled only.
 */
export const m0109_shipped_cancellations: Migration = {
  id: 109,
  name: "shipped orders keep the shop's cancellation in force",
  statements: [
    "ALTER TABLE orders ADD COLUMN shipped_cancelled_version INTEGER",
    `UPDATE orders SET shipped_cancelled_version = (
       SELECT MAX(json_extract(c.payload, '$.orderVersion')) FROM events c
       WHERE c.type = 'order.cancelled' AND json_extract(c.payload, '$.orderId') = orders.order_id)
     WHERE status = 'shipped'
       AND order_id IN (SELECT json_extract(payload, '$.orderId') FROM events WHERE type = 'order.cancelled')`,
    `UPDATE orders SET shipped_cancelled_version = NULL
     WHERE shipped_cancelled_version IS NOT NULL AND EXISTS (SELECT 1 FROM events r
       WHERE r.type = 'order.received' AND json_extract(r.payload, '$.order.orderId') = orders.order_id
         AND json_extract(r.payload, '$.order.version') > orders.shipped_cancelled_version)`
  ]
}
