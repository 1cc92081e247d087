/** Feeds the scripted packer with real shop orders that reached the station through its inbox. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { Schema } from "effect"
import { StoredCatalogItem } from "../../core/catalog/CatalogItem.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { Order } from "../../core/orders/Order.ts"
import { BoxCatalog } from "../../core/pack/Box.ts"
import { openSqlite } from "../sqlite/SqliteSql.ts"
import { PROJECT_ROOT, type RunningStation } from "../station/Station.ts"
import { clerkBadgeOf, type OrderFeed, statusOf } from "./OrderFeed.ts"
import { seededRandom } from "./SimulatedOrders.ts"

export interface ShopOrderFeedOptions {
  readonly count: number
  /** How long to wait for the orders to arrive. */
  readonly waitMs: number
  /** Only orders whose id starts with `<prefix>-` (a connector's orderIdPrefix); absent: every shop order. */
  readonly orderPrefix?: string
  readonly seed?: number
  readonly log: (line: string) => void
}

/**
 * The orders a real shop sent: instead of generating orders, waits until `count` open orders have reached the
 * station's store through its inbox (from the hub's shop connectors, on the site's stream) and packs those, oldest
 * first. Orders the simulated shop made (`SIM-…`) and orders already packed are not taken.
 */
export const startShopOrderFeed = async (
  station: RunningStation,
  config: ResolvedConfig,
  options: ShopOrderFeedOptions
): Promise<OrderFeed> => {
  const db = openSqlite({ filename: join(config.dataDir, "station.db"), readonly: true })
  try {
    const status = await statusOf(station)
    const catalog = db
      .prepare<[], { data: string }>("SELECT data FROM catalog_items ORDER BY sku")
      .all()
      .map((row) => Schema.decodeUnknownSync(StoredCatalogItem)(JSON.parse(row.data)))
    const badge = db
      .prepare<[], { badge_id: string }>("SELECT badge_id FROM badges WHERE role = 'packer' ORDER BY badge_id LIMIT 1")
      .get()
    if (badge === undefined) throw new Error("the station knows no packer badge to sign in with")
    const prefix = options.orderPrefix === undefined ? "%" : `${options.orderPrefix}-%`
    const open = db.prepare<[string], { data: string }>(
      "SELECT data FROM orders WHERE status = 'open' AND order_id NOT LIKE 'SIM-%' AND order_id LIKE ? ORDER BY updated_at_ms, order_id"
    )
    const deadline = performance.now() + options.waitMs
    let rows = open.all(prefix)
    let lastReport = 0
    while (rows.length < options.count && performance.now() < deadline) {
      if (performance.now() - lastReport > 2_000) {
        lastReport = performance.now()
        options.log(`Waiting for the shop's orders: ${rows.length}/${options.count} arrived`)
      }
      await sleep(100)
      rows = open.all(prefix)
    }
    if (rows.length < options.count) {
      throw new Error(
        `only ${rows.length} of ${options.count} shop orders reached the station within ${options.waitMs} ms`
      )
    }
    const decode = Schema.decodeUnknownSync(Order)
    const orders = rows.slice(0, options.count).map((row) => decode(JSON.parse(row.data)))
    options.log(`${orders.length} shop orders arrived through the inbox`)
    return {
      status,
      orders,
      catalog,
      boxes: Schema.decodeUnknownSync(BoxCatalog)(
        JSON.parse(readFileSync(join(PROJECT_ROOT, "fixtures", "data", "boxes.json"), "utf8"))
      ),
      packerBadge: badge.badge_id,
      ...(clerkBadgeOf(db) === undefined ? {} : { clerkBadge: clerkBadgeOf(db) as string }),
      random: seededRandom(options.seed ?? 1),
      sendUpTo: async () => undefined,
      arrived: async () => true,
      close: async () => {
        db.close()
      }
    }
  } catch (error) {
    db.close()
    throw error
  }
}
