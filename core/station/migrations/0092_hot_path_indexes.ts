/** Station migration 0092: indexes for the lookups a scan, a handover or a return makes, so none scans a growing table. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * Every lookup on the hot path finds its rows through an index, however many parcels, returns and aliases the
 * station has kept: a scanned serial (is it already packed?), a handover batch's parcels and the open batch, the open
 * return, an order's packed items and a customer's earlier returns at the returns desk, an RMA by its return tracking number, and a typed SKU or
 * alias in any case.
 */
export const m0092_hot_path_indexes: Migration = {
  id: 92,
  name: "indexes for the scan, handover and returns lookups",
  statements: [
    "CREATE INDEX parcel_items_by_serial ON parcel_items (serial) WHERE serial IS NOT NULL",
    "CREATE INDEX parcel_items_by_parcel ON parcel_items (parcel_id)",
    "CREATE INDEX handover_scans_by_batch ON handover_scans (batch_id)",
    "CREATE INDEX handover_batches_open ON handover_batches (opened_at_ms) WHERE status = 'open'",
    "CREATE INDEX returns_open ON returns (received_at_ms) WHERE status = 'open'",
    "CREATE INDEX returns_by_customer ON returns (customer_id, received_at_ms)",
    "CREATE INDEX rma_by_return_tracking ON rma (json_extract(data, '$.returnTrackingNumber'))",
    "CREATE INDEX sku_aliases_upper ON sku_aliases (UPPER(alias))",
    "CREATE INDEX catalog_items_upper_sku ON catalog_items (UPPER(sku))"
  ]
}
