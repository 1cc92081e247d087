/** Migration 40: returns, returned items, RMAs and refunds. */
import type { Migration } from "../../store/Migrations.ts"

export const m0040_returns: Migration = {
  id: 40,
  name: "returns: announced RMAs, received returns, graded units and refund decisions",
  statements: [
    `CREATE TABLE rma (
      rma_id TEXT PRIMARY KEY,
      order_id TEXT NOT NULL,
      data TEXT NOT NULL,
      registered_at_ms INTEGER NOT NULL
    )`,
    "CREATE INDEX rma_order ON rma (order_id)",
    `CREATE TABLE returns (
      return_id TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      order_id TEXT,
      parcel_id TEXT,
      rma_id TEXT,
      customer_id TEXT,
      scanned TEXT NOT NULL,
      notes TEXT NOT NULL,
      received_at_ms INTEGER NOT NULL,
      finished_at_ms INTEGER
    )`,
    "CREATE INDEX returns_order ON returns (order_id)",
    `CREATE TABLE return_items (
      item_ref TEXT PRIMARY KEY,
      return_id TEXT NOT NULL REFERENCES returns (return_id),
      line_id TEXT,
      unit INTEGER,
      sku TEXT,
      gtin TEXT,
      serial TEXT,
      lot TEXT,
      flags TEXT NOT NULL,
      grade TEXT,
      opened INTEGER,
      notes TEXT,
      disposition TEXT,
      disposition_reason TEXT,
      decision TEXT
    )`,
    "CREATE INDEX return_items_return ON return_items (return_id)",
    `CREATE TABLE refunds (
      order_id TEXT NOT NULL,
      line_id TEXT NOT NULL,
      unit INTEGER NOT NULL,
      item_ref TEXT NOT NULL UNIQUE REFERENCES return_items (item_ref),
      customer_id TEXT,
      outcome TEXT NOT NULL,
      amount_cents INTEGER NOT NULL,
      currency TEXT NOT NULL,
      rule_id TEXT,
      status TEXT NOT NULL,
      decided_at_ms INTEGER NOT NULL,
      override TEXT,
      issued_at_ms INTEGER,
      UNIQUE (order_id, line_id, unit)
    )`,
    "CREATE INDEX refunds_customer ON refunds (customer_id, decided_at_ms)"
  ]
}
