/** A scripted returns clerk that takes parcels back and grades them, for simulations and tests. */
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import type { CatalogItem } from "../../core/catalog/CatalogItem.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import type { Order } from "../../core/orders/Order.ts"
import { openSqlite } from "../sqlite/SqliteSql.ts"
import type { RunningStation } from "../station/Station.ts"
import type { PackedParcel } from "./ScriptedPacker.ts"

export interface ReturnsSummary {
  /** Units graded and decided (one per returned parcel). */
  readonly graded: number
  /** Of those, refunds the shop confirmed (`refund.issued` applied), failed (`refund.failed`), or still waiting. */
  readonly issued: number
  readonly failed: number
  readonly pending: number
  readonly problems: ReadonlyArray<string>
  readonly refunds: ReadonlyArray<{
    readonly orderId: string
    readonly itemRef: string
    readonly amountCents: number
    readonly status: string
  }>
}

interface View {
  readonly current: { readonly items: ReadonlyArray<{ readonly itemRef: string }> } | null
}

/**
 * A scripted returns clerk after the handover: signs in, takes `count` of the parcels back (by tracking number), grades
 * the first unit of each as new and sealed (the refund rules pay it in full), decides and finishes; then waits up to
 * `waitMs` for the shop's answer to reach the station (`refund.issued` or `refund.failed` on its inbox).
 */
export const gradeReturns = async (
  station: RunningStation,
  config: ResolvedConfig,
  options: {
    readonly parcels: ReadonlyArray<PackedParcel>
    readonly orders: ReadonlyArray<Order>
    readonly catalog: ReadonlyArray<CatalogItem>
    readonly badge: string
    readonly count: number
    readonly waitMs: number
    readonly log: (line: string) => void
  }
): Promise<ReturnsSummary> => {
  const problems: Array<string> = []
  const call = async <A>(name: string, input: unknown): Promise<A> => {
    const result = await station.call(name, input)
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`)
    return result.value as A
  }
  const itemRefs: Array<string> = []
  await call("session.signIn", { badge: options.badge })
  await call("station.setScreen", { screen: "returns" }).catch(() => undefined)
  for (const parcel of options.parcels.slice(0, options.count)) {
    try {
      const order = options.orders.find((candidate) => candidate.orderId === parcel.orderId)
      const sku = order?.lines[0]?.sku
      const gtin = options.catalog.find((item) => item.sku === sku)?.gtin
      if (gtin === undefined) throw new Error(`no GTIN for ${sku} of ${parcel.orderId}`)
      await call("returns.scan", { raw: parcel.trackingNumber })
      const scanned = await call<View>("returns.scan", { raw: gtin })
      const itemRef = scanned.current?.items.at(-1)?.itemRef
      if (itemRef === undefined) throw new Error(`the unit of ${parcel.orderId} was not taken`)
      await call("returns.grade", { itemRef, grade: "new-sealed" })
      await call("returns.decide", {})
      await call("returns.finish", {})
      itemRefs.push(itemRef)
    } catch (error) {
      problems.push(`${parcel.orderId}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  options.log(`Graded ${itemRefs.length} returned units; waiting for the shop's refunds`)
  const db = openSqlite({ filename: join(config.dataDir, "station.db"), readonly: true })
  try {
    const placeholders = itemRefs.map(() => "?").join(", ")
    const read = () =>
      itemRefs.length === 0
        ? []
        : db
            .prepare<Array<string>, { order_id: string; item_ref: string; amount_cents: number; status: string }>(
              `SELECT order_id, item_ref, amount_cents, status FROM refunds WHERE item_ref IN (${placeholders})`
            )
            .all(...itemRefs)
    const deadline = performance.now() + options.waitMs
    let rows = read()
    while (rows.some((row) => row.status !== "issued" && row.status !== "failed") && performance.now() < deadline) {
      await sleep(200)
      rows = read()
    }
    const count = (status: string) => rows.filter((row) => row.status === status).length
    return {
      graded: itemRefs.length,
      issued: count("issued"),
      failed: count("failed"),
      pending: rows.length - count("issued") - count("failed"),
      problems,
      refunds: rows.map((row) => ({
        orderId: row.order_id,
        itemRef: row.item_ref,
        amountCents: Number(row.amount_cents),
        status: row.status
      }))
    }
  } finally {
    db.close()
  }
}
