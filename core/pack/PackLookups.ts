/** The pack bench's reads from the station database: boxes, orders, totes, catalog items and serials. */
import { Effect, Schema } from "effect"
import { catalogItems } from "../catalog/CatalogLookup.ts"
import { Order } from "../orders/Order.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import { Sql } from "../store/Sql.ts"
import { loadBoxes } from "./BoxStore.ts"
import type { PackLookup } from "./PackSession.ts"

/**
 * What the pack machine may ask about the world, read from the station database: the boxes (the box catalog can
 * change through the inbox at any time, so it is read where it is used) and, for one scan, the orders, totes, catalog
 * items and packed serials it could concern.
 */
export const makePackLookups = Effect.gen(function* () {
  const sql = yield* Sql

  const currentBoxes = loadBoxes.pipe(
    Effect.provideService(Sql, sql),
    Effect.map((rows) => rows.map(({ box }) => box))
  )

  const decodeOrder = Schema.decodeUnknownSync(Order)
  /**
   * Every scan reads the whole working set; an order's stored text that did not change since the last scan is not
   * parsed and decoded again. Keyed by the text itself, so any change of the row decodes afresh; only the rows of the
   * last read are kept, so the cache is as large as the working set.
   */
  let decoded = new Map<string, Order>()
  const decodeOrders = (rows: ReadonlyArray<{ readonly data: string }>): ReadonlyArray<Order> => {
    const next = new Map<string, Order>()
    const orders = rows.map((row) => {
      const order = decoded.get(row.data) ?? next.get(row.data) ?? decodeOrder(JSON.parse(row.data))
      next.set(row.data, order)
      return order
    })
    decoded = next
    return orders
  }

  /**
   * The machine asks synchronously, so everything it may ask about this scan is read first: the working set (orders
   * not yet packed), and of the catalog only the items it can ask for (the lines of an order the scan may open, the
   * item the scan names).
   */
  const lookupFor = (scan: ScanResult) =>
    Effect.gen(function* () {
      const candidates = [scan.input.trim().toUpperCase()]
      if (scan.kind === "packbench") candidates.push(scan.id)
      const totes = new Map<string, string>()
      if (scan.kind === "packbench" && scan.type === "tote") {
        const rows = yield* sql.query<{ order_id: string }>("SELECT order_id FROM totes WHERE tote_id = ?", [scan.id])
        if (rows[0] !== undefined) {
          totes.set(scan.id, rows[0].order_id)
          candidates.push(rows[0].order_id)
        }
      }
      const rows = yield* sql.query<{ data: string }>(
        `SELECT data FROM orders WHERE status IN ('open', 'on-hold', 'address-hold')
         OR order_id IN (${candidates.map(() => "?").join(", ")})`,
        candidates
      )
      const orders = decodeOrders(rows)
      const serial =
        scan.kind === "gs1" || scan.kind === "digital-link" ? scan.ais.find((e) => e.ai === "21") : undefined
      const packedSerials =
        serial === undefined
          ? []
          : yield* sql.query<{ sku: string }>(
              `SELECT i.sku FROM parcel_items i JOIN parcels p ON p.parcel_id = i.parcel_id
               WHERE i.serial = ? AND p.status <> 'voided'`,
              [serial.value]
            )
      const boxes = yield* currentBoxes
      const opened = orders.filter((order) => candidates.includes(order.orderId))
      const gtin =
        scan.kind === "gtin"
          ? scan.gtin
          : scan.kind === "gs1" || scan.kind === "digital-link"
            ? scan.ais.find((e) => e.ai === "01")?.value
            : undefined
      const { items, beyondBounds } = yield* catalogItems({
        skus: [
          ...opened.flatMap((order) => order.lines.map((line) => line.sku)),
          ...(scan.kind === "sku" ? [scan.sku] : [])
        ],
        gtin14s: gtin === undefined ? [] : [gtin]
      }).pipe(Effect.provideService(Sql, sql))
      const lookup: PackLookup = {
        order: (orderId) => orders.find((order) => order.orderId === orderId),
        toteOrder: (toteId) => totes.get(toteId),
        itemBySku: (sku) => items.find((item) => item.sku === sku),
        itemByGtin: (gtin) => items.find((item) => item.gtin.padStart(14, "0") === gtin),
        beyondBoundsBySku: (sku) => beyondBounds.find((item) => item.sku === sku),
        beyondBoundsByGtin: (gtin) => beyondBounds.find((item) => item.gtin14 === gtin),
        openOrdersWanting: (sku) =>
          orders
            .filter((order) => order.status === "open" && order.lines.some((line) => line.sku === sku))
            .map((order) => order.orderId),
        serialPacked: (sku, serialValue) =>
          serialValue === serial?.value && packedSerials.some((row) => row.sku === sku),
        boxes
      }
      return lookup
    })

  return { currentBoxes, lookupFor }
})
