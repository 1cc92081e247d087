/** Scan identification against the station's catalog of SKUs and aliases. */
import { Effect, Schema } from "effect"
import { type IdentifyOptions, identifyScan, skuCandidate } from "../scan/identify.ts"
import { Sql } from "../store/Sql.ts"
import { CatalogItem, StoredCatalogItem } from "./CatalogItem.ts"

/**
 * Identifies a scan against the station's catalog. The one code the scan could be (a SKU or an alias, in any case)
 * is looked up before identifying, since identification itself is synchronous; an alias wins over a SKU of the same
 * text. No catalog row is decoded: the catalog may change at any time through the inbox, so nothing of it is kept.
 */
export const identifyWithCatalog = (raw: string, options: Omit<IdentifyOptions, "resolveSku"> = {}) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const code = skuCandidate(raw)?.trim().toUpperCase()
    const rows =
      code === undefined || code === ""
        ? []
        : yield* sql.query<{ sku: string }>(
            "SELECT sku FROM sku_aliases WHERE UPPER(alias) = ? UNION ALL SELECT sku FROM catalog_items WHERE UPPER(sku) = ?",
            [code, code]
          )
    const sku = rows[0]?.sku
    return identifyScan(raw, {
      ...options,
      resolveSku: (asked) => (asked.trim().toUpperCase() === code ? sku : undefined)
    })
  })

const decodeStoredItem = Schema.decodeUnknownSync(StoredCatalogItem)
/** Each field's check as an item arriving now meets it (`CatalogItem`), to name the fields a stored row fails. */
const fieldChecks = Object.entries(CatalogItem.fields).map(
  ([field, schema]) => [field, Schema.is(schema as Schema.Top)] as const
)

/** A stored item with values beyond today's bounds: not used, named by its SKU and the fields that are beyond. */
export interface CatalogItemBeyondBounds {
  readonly sku: string
  readonly gtin14: string
  readonly fields: ReadonlyArray<string>
}

/**
 * The catalog items with these SKUs or GTIN-14s; only those rows are read. A row is held to the bounds an item
 * arriving now is held to (`CatalogItem`): one an older version stored beyond them (a weight of 2^53 g, a name of a
 * million characters) is not used, as the inbox would refuse it now, and is listed with the fields beyond the bounds
 * (`beyondBounds`), so the bench refuses in words naming the item and the field, and logged, until the shop's next
 * update replaces it. Checked as read rather than found once by a migration: the bounds are code and may tighten
 * again, and every row any version stored meets them on every read, with nothing kept beside the row to go stale.
 */
export const catalogItems = (wanted: {
  readonly skus: ReadonlyArray<string>
  readonly gtin14s: ReadonlyArray<string>
}) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const skus = [...new Set(wanted.skus)]
    const gtin14s = [...new Set(wanted.gtin14s)]
    const items: Array<CatalogItem> = []
    const beyondBounds: Array<CatalogItemBeyondBounds> = []
    if (skus.length === 0 && gtin14s.length === 0) return { items, beyondBounds }
    const placeholders = (values: ReadonlyArray<string>) => values.map(() => "?").join(", ")
    // An empty side is left out: `gtin14 IN ()` would make SQLite scan the catalog instead of using both indexes.
    const where = [
      ...(skus.length === 0 ? [] : [`sku IN (${placeholders(skus)})`]),
      ...(gtin14s.length === 0 ? [] : [`gtin14 IN (${placeholders(gtin14s)})`])
    ].join(" OR ")
    const rows = yield* sql.query<{ gtin14: string; data: string }>(
      `SELECT gtin14, data FROM catalog_items WHERE ${where}`,
      [...skus, ...gtin14s]
    )
    for (const row of rows) {
      const item = decodeStoredItem(JSON.parse(row.data))
      const fields = fieldChecks.filter(([field, fits]) => !fits((item as Record<string, unknown>)[field]))
      if (fields.length === 0) {
        items.push(item)
        continue
      }
      const refused = { sku: item.sku, gtin14: row.gtin14, fields: fields.map(([field]) => field) }
      beyondBounds.push(refused)
      yield* Effect.logWarning(
        `catalog: item ${refused.sku} was stored by an older version with ${refused.fields.join(", ")} beyond today's bounds: not used until the shop sends it again`
      )
    }
    return { items, beyondBounds }
  })
