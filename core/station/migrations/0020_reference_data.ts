/** Migration 20: badges, catalog items, SKU aliases and orders. */
import type { Migration } from "../../store/Migrations.ts"

export const m0020_reference_data: Migration = {
  id: 20,
  name: "badges, catalog and orders",
  statements: [
    "CREATE TABLE badges (badge_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL)",
    "CREATE TABLE catalog_items (sku TEXT PRIMARY KEY, gtin14 TEXT NOT NULL UNIQUE, data TEXT NOT NULL)",
    "CREATE TABLE sku_aliases (alias TEXT PRIMARY KEY, sku TEXT NOT NULL REFERENCES catalog_items (sku))",
    `CREATE TABLE orders (
      order_id TEXT PRIMARY KEY,
      version INTEGER NOT NULL,
      status TEXT NOT NULL,
      data TEXT NOT NULL,
      updated_at_ms INTEGER NOT NULL
    )`,
    "CREATE INDEX orders_status ON orders (status)"
  ]
}
