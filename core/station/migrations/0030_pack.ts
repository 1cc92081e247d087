/** Migration 30: parcels, their items, totes and the station's counters. */
import type { Migration } from "../../store/Migrations.ts"

export const m0030_pack: Migration = {
  id: 30,
  name: "parcels, their items, totes and pack counters",
  statements: [
    `CREATE TABLE parcels (
      parcel_id TEXT PRIMARY KEY,
      order_id TEXT NOT NULL,
      status TEXT NOT NULL,
      carrier TEXT NOT NULL,
      tracking_number TEXT UNIQUE,
      sscc TEXT UNIQUE,
      box_id TEXT NOT NULL,
      weight_grams INTEGER NOT NULL,
      data TEXT NOT NULL,
      packed_at_ms INTEGER NOT NULL
    )`,
    "CREATE INDEX parcels_order ON parcels (order_id)",
    `CREATE TABLE parcel_items (
      parcel_id TEXT NOT NULL REFERENCES parcels (parcel_id),
      line_id TEXT NOT NULL,
      sku TEXT NOT NULL,
      quantity INTEGER NOT NULL,
      serial TEXT,
      lot TEXT
    )`,
    "CREATE INDEX parcel_items_serial ON parcel_items (sku, serial)",
    "CREATE TABLE totes (tote_id TEXT PRIMARY KEY, order_id TEXT NOT NULL)",
    "CREATE TABLE pack_counters (name TEXT PRIMARY KEY, next INTEGER NOT NULL)"
  ]
}
