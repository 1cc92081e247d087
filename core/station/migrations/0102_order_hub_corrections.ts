/** Station migration 0102: the hub's address corrections, kept as facts on top of the orders their source numbers. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * A customer's correction on the hub's page of an order that no shop connector brought comes with the hub's own
 * number (the hold it answers), not an order version: the order's versions are its source's, and a number taken from
 * them would collide with the source's next change (core/orders/OrderInbound.ts). The station keeps the correction
 * that holds for each order, so a later version from the source that still carries the address the correction
 * replaced keeps the corrected one. `superseded_at_version` is set once the source sets an address itself: from then
 * on the source's address is the order's again, and the correction's number still refuses an older correction.
 */
export const m0102_order_hub_corrections: Migration = {
  id: 102,
  name: "the hub's address corrections of orders",
  statements: [
    `CREATE TABLE order_hub_corrections (
      order_id TEXT PRIMARY KEY,
      correction INTEGER NOT NULL,
      ship_to TEXT NOT NULL,
      replaced_ship_to TEXT NOT NULL,
      superseded_at_version INTEGER,
      applied_at_ms INTEGER NOT NULL
    )`
  ]
}
