/** Scan identification against the station's catalog of SKUs and aliases. */
import { Effect, Schema } from "effect"
import { type IdentifyOptions, identifyScan, skuCandidate } from "../scan/identify.ts"
import { Sql } from "../store/Sql.ts"
import { StoredCatalogItem } from "./CatalogItem.ts"

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

/**
 * The catalog items with these SKUs or GTIN-14s, decoded; only those rows are read. Read as stored, not against
 * today's bounds: a row an older version accepted stays readable (see `StoredCatalogItem`).
 */
export const catalogItems = (wanted: {
  readonly skus: ReadonlyArray<string>
  readonly gtin14s: ReadonlyArray<string>
}) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const skus = [...new Set(wanted.skus)]
    const gtin14s = [...new Set(wanted.gtin14s)]
    if (skus.length === 0 && gtin14s.length === 0) return []
    const placeholders = (values: ReadonlyArray<string>) => values.map(() => "?").join(", ")
    // An empty side is left out: `gtin14 IN ()` would make SQLite scan the catalog instead of using both indexes.
    const where = [
      ...(skus.length === 0 ? [] : [`sku IN (${placeholders(skus)})`]),
      ...(gtin14s.length === 0 ? [] : [`gtin14 IN (${placeholders(gtin14s)})`])
    ].join(" OR ")
    const rows = yield* sql.query<{ data: string }>(`SELECT data FROM catalog_items WHERE ${where}`, [
      ...skus,
      ...gtin14s
    ])
    return rows.map((row) => decodeStoredItem(JSON.parse(row.data)))
  })
