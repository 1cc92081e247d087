/** Applies the shop's versioned catalog updates from the inbox, item by item. */
import { Effect, Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import type { Inbox } from "../sync/Inbox.ts"
import { CatalogItem } from "./CatalogItem.ts"

export const CatalogUpdate = Schema.Struct({ items: Schema.Array(CatalogItem).check(Schema.isMinLength(1)) })

export const CatalogUpdated = defineEvent({
  type: "catalog.updated",
  version: 1,
  payload: Schema.Struct({
    catalogVersion: Schema.Int,
    applied: Schema.Array(Schema.String),
    /** Items this station already holds at the same or a newer version: the message was stale for them. */
    ignored: Schema.Array(Schema.String)
  })
})

/** GTIN-14 is the GTIN left-padded with zeros (GS1 General Specifications 3.3.2). */
const gtin14 = (gtin: string) => gtin.padStart(14, "0")

/**
 * `catalog.upsert` from the shop: the message's version is the catalog version each item is stamped with, and an item
 * is replaced only by a newer one, so a late message never rolls a product back. Aliases follow their item.
 */
export const registerCatalogInbound = (inbox: Inbox["Service"]) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    yield* inbox.register("catalog.upsert", CatalogUpdate, (update, context) =>
      Effect.gen(function* () {
        const applied: Array<string> = []
        const ignored: Array<string> = []
        for (const item of update.items) {
          const rows = yield* sql.query<{ version: number }>("SELECT version FROM catalog_items WHERE sku = ?", [
            item.sku
          ])
          const stored = rows[0]
          if (stored !== undefined && Number(stored.version) >= context.version) {
            ignored.push(item.sku)
            continue
          }
          yield* sql.execute(
            `INSERT INTO catalog_items (sku, gtin14, data, version) VALUES (?, ?, ?, ?)
             ON CONFLICT (sku) DO UPDATE SET gtin14 = excluded.gtin14, data = excluded.data, version = excluded.version`,
            [item.sku, gtin14(item.gtin), JSON.stringify(item), context.version]
          )
          yield* sql.execute("DELETE FROM sku_aliases WHERE sku = ?", [item.sku])
          for (const alias of item.aliases) {
            yield* sql.execute("INSERT INTO sku_aliases (alias, sku) VALUES (?, ?)", [alias, item.sku])
          }
          applied.push(item.sku)
        }
        yield* log.append(CatalogUpdated, { catalogVersion: context.version, applied, ignored })
      })
    )
  })
