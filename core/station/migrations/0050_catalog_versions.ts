/** Migration 50: a version on every catalog item, so a late update never rolls it back. */
import type { Migration } from "../../store/Migrations.ts"

export const m0050_catalog_versions: Migration = {
  id: 50,
  name: "catalog item versions for updates from the shop",
  statements: ["ALTER TABLE catalog_items ADD COLUMN version INTEGER NOT NULL DEFAULT 0"]
}
