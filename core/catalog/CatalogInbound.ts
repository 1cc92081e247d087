/** Applies the shop's versioned catalog updates from the inbox, item by item. */
import { Effect, Schema } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { inboundVersion } from "../sync/InboundVersion.ts"
import type { Inbox } from "../sync/Inbox.ts"
import { CatalogUpdated } from "./CatalogEvents.ts"
import { IncomingCatalogItems } from "./CatalogItem.ts"

export const CatalogUpdate = Schema.Struct({ items: IncomingCatalogItems.check(Schema.isMinLength(1)) })

/** GTIN-14 is the GTIN left-padded with zeros (GS1 General Specifications 3.3.2). */
const gtin14 = (gtin: string) => gtin.padStart(14, "0")

/**
 * `catalog.upsert` from the shop: the message's version is the catalog version each item is stamped with, and an item
 * is replaced only by a newer one, so a late message never rolls a product back. Aliases follow their item: one the
 * shop moved to another item moves with the newer message, whatever the order of the items in it. A version no sender
 * can have given fails the message (`inboundVersion`, the rule of every versioned inbound type), and an item stored at
 * one such (before versions were checked) is replaced by the next update that names it, aliases and all.
 */
export const registerCatalogInbound = (inbox: Inbox["Service"]) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    yield* inbox.register("catalog.upsert", CatalogUpdate, (update, context) =>
      Effect.gen(function* () {
        const received = yield* inboundVersion("catalog update", context.version, context.receivedAtMs)
        // A scanned alias must name one item: two items of one message claiming it is the shop's mistake.
        const claimedBy = new Map<string, string>()
        for (const item of update.items) {
          for (const alias of item.aliases) {
            const other = claimedBy.get(alias)
            if (other !== undefined && other !== item.sku) {
              return yield* Effect.fail(
                `alias ${alias} is given to both ${other} and ${item.sku}: an alias names one item`
              )
            }
            claimedBy.set(alias, item.sku)
          }
        }
        // A scanned GTIN must name one item too (the store holds each once): said in words, not as the store's refusal.
        const gtinOf = new Map<string, string>()
        for (const item of update.items) {
          const other = gtinOf.get(gtin14(item.gtin))
          if (other !== undefined && other !== item.sku) {
            return yield* Effect.fail(
              `GTIN ${gtin14(item.gtin)} is given to both ${other} and ${item.sku}: a GTIN names one item`
            )
          }
          gtinOf.set(gtin14(item.gtin), item.sku)
        }
        const applied: Array<string> = []
        const ignored: Array<string> = []
        for (const item of update.items) {
          const rows = yield* sql.query<{ version: number }>("SELECT version FROM catalog_items WHERE sku = ?", [
            item.sku
          ])
          const stored = rows[0]
          if (stored !== undefined && !received.supersedes(Number(stored.version))) ignored.push(item.sku)
          else applied.push(item.sku)
        }
        // The items applied let go of their GTINs first (a placeholder no GTIN can be), so one moving between two items
        // of the message does not depend on which comes first; one an item the message leaves as it is holds is refused.
        for (const sku of applied) {
          yield* sql.execute("UPDATE catalog_items SET gtin14 = ? WHERE sku = ?", [`moving:${sku}`, sku])
        }
        for (const item of update.items) {
          if (!applied.includes(item.sku)) continue
          const holders = yield* sql.query<{ sku: string }>("SELECT sku FROM catalog_items WHERE gtin14 = ?", [
            gtin14(item.gtin)
          ])
          if (holders[0] !== undefined) {
            return yield* Effect.fail(
              `GTIN ${gtin14(item.gtin)} of ${item.sku} belongs to ${holders[0].sku}, which this update leaves as it is: a GTIN names one item`
            )
          }
          yield* sql.execute(
            `INSERT INTO catalog_items (sku, gtin14, data, version) VALUES (?, ?, ?, ?)
             ON CONFLICT (sku) DO UPDATE SET gtin14 = excluded.gtin14, data = excluded.data, version = excluded.version`,
            [item.sku, gtin14(item.gtin), JSON.stringify(item), context.version]
          )
          yield* sql.execute("DELETE FROM sku_aliases WHERE sku = ?", [item.sku])
        }
        // Given out once every applied item has let go of its old ones, so an alias moving between two items of the
        // message does not depend on which comes first.
        for (const item of update.items) {
          if (!applied.includes(item.sku)) continue
          for (const alias of new Set(item.aliases)) {
            const holders = yield* sql.query<{ sku: string; version: number }>(
              "SELECT a.sku, c.version FROM sku_aliases a JOIN catalog_items c ON c.sku = a.sku WHERE a.alias = ?",
              [alias]
            )
            const holder = holders[0]
            if (holder === undefined) {
              yield* sql.execute("INSERT INTO sku_aliases (alias, sku) VALUES (?, ?)", [alias, item.sku])
            } else if (!received.supersedes(Number(holder.version))) {
              return yield* Effect.fail(
                `alias ${alias} of ${item.sku} belongs to ${holder.sku} at catalog version ${holder.version}, newer than this update's ${context.version}`
              )
            } else {
              // An item the message did not bring holds it from an older catalog: the shop has moved it since.
              yield* sql.execute("UPDATE sku_aliases SET sku = ? WHERE alias = ?", [item.sku, alias])
            }
          }
        }
        yield* log.append(CatalogUpdated, { catalogVersion: context.version, applied, ignored })
      })
    )
  })
