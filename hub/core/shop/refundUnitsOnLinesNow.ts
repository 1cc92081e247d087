/** Moves refund units queued on lines the shop's order no longer has onto its item's lines it has now, at push time. */
import { Effect } from "effect"
import type { Sql } from "../../../core/store/Sql.ts"
import type { MappedOrder } from "./mapShopOrder.ts"
import type { RefundUnit } from "./RefundUnit.ts"

/**
 * A refund unit waits in the queue (the return's settle time, a shop that cannot be reached) while the shop may number
 * the order's lines anew (Shopware's order edit): the line it was queued on is then gone at the shop, which would be
 * asked to refund a line it no longer has. Right before the batch is sent, each unit whose line the shop's order (as
 * the hub last heard it) no longer has is moved onto its item's line there, as the refund ledger grants a unit decided
 * on a former line: the item's first line with a unit not already taken by another refund of the order, else its first
 * line, for at most that line's unit price. The move is written into the push (`movedFrom`: the line, shop line and
 * amount it was queued with, and when it moved) in the transaction that claims the batch, so a batch sent again after
 * a crash is the same request, and its idempotency key, made from the station event, stays as it was. The station's
 * answer still names the station's own line. A unit whose item the order no longer has at all is sent as it was
 * (logged), and the shop's refusal reaches a manager.
 */
export const refundUnitsOnLinesNow = <
  Row extends {
    readonly push_id: string
    readonly kind: string
    readonly order_id: string
    readonly idempotency_key: string
    readonly payload: string
  }
>(
  sql: Sql["Service"],
  connectorId: string,
  batch: ReadonlyArray<Row>,
  nowMs: number
) =>
  Effect.gen(function* () {
    const first = batch[0]
    if (first === undefined || first.kind !== "refund") return batch
    const orders = yield* sql.query<{ mapped: string }>("SELECT mapped FROM shop_orders WHERE order_id = ?", [
      first.order_id
    ])
    const stored = orders[0]
    if (stored === undefined) return batch
    const mapped = JSON.parse(stored.mapped) as MappedOrder
    const units = batch.map((row) => JSON.parse(row.payload) as RefundUnit)
    const shopLinesNow = new Set(Object.values(mapped.shopLines))
    const isCurrent = (unit: RefundUnit) => shopLinesNow.has(unit.shopLineId)
    if (units.every(isCurrent)) return batch
    // Units of the order's other refunds (waiting, sent or paid) hold their place on the lines they name.
    const others = yield* sql.query<{ payload: string }>(
      `SELECT payload FROM shop_pushes WHERE connector_id = ? AND kind = 'refund' AND order_id = ?
         AND status <> 'discarded' AND push_id NOT IN (${batch.map(() => "?").join(", ")})`,
      [connectorId, first.order_id, ...batch.map((row) => row.push_id)]
    )
    const taken = new Map<string, number>()
    const take = (shopLineId: string) => taken.set(shopLineId, (taken.get(shopLineId) ?? 0) + 1)
    for (const row of others) take((JSON.parse(row.payload) as RefundUnit).shopLineId)
    for (const unit of units) if (isCurrent(unit)) take(unit.shopLineId)
    const claimedSkus = yield* sql.query<{ item_ref: string; sku: string | null }>(
      `SELECT item_ref, sku FROM hub_refund_claims WHERE item_ref IN (${units.map(() => "?").join(", ")})`,
      units.map((unit) => unit.itemRef)
    )
    const moved: Array<Row> = []
    for (const [index, row] of batch.entries()) {
      const unit = units[index] as RefundUnit
      if (isCurrent(unit)) {
        moved.push(row)
        continue
      }
      const sku = unit.sku ?? claimedSkus.find((claim) => claim.item_ref === unit.itemRef)?.sku ?? undefined
      const lines = mapped.order.lines.filter(
        (line) => sku !== undefined && line.sku === sku && mapped.shopLines[line.lineId] !== undefined
      )
      const line =
        lines.find(
          (candidate) => (taken.get(mapped.shopLines[candidate.lineId] as string) ?? 0) < candidate.quantity
        ) ?? lines[0]
      if (line === undefined) {
        yield* Effect.logWarning(
          `shop ${connectorId}: refund ${unit.itemRef} of ${unit.orderId} is on line ${unit.refundLineId ?? unit.lineId}, which the shop's order no longer has, nor any line of its item ${sku ?? "(unknown)"}: sent as it was queued`
        )
        moved.push(row)
        continue
      }
      const shopLineId = mapped.shopLines[line.lineId] as string
      take(shopLineId)
      const { refundLineId, ...queued } = unit
      const now: RefundUnit = {
        ...queued,
        ...(line.lineId === unit.lineId ? {} : { refundLineId: line.lineId }),
        shopLineId,
        amountCents: Math.min(unit.amountCents, mapped.paidUnitCents[line.lineId] ?? unit.amountCents),
        movedFrom: {
          refundLineId: refundLineId ?? unit.lineId,
          shopLineId: unit.shopLineId,
          amountCents: unit.amountCents,
          atMs: nowMs
        }
      }
      const payload = JSON.stringify(now)
      yield* sql.execute("UPDATE shop_pushes SET payload = ?, updated_at_ms = ? WHERE push_id = ?", [
        payload,
        nowMs,
        row.push_id
      ])
      yield* Effect.logInfo(
        `shop ${connectorId}: refund ${unit.itemRef} of ${unit.orderId} was queued on line ${refundLineId ?? unit.lineId} (${unit.shopLineId}), which the shop numbered anew since: sent on its item's line ${line.lineId} (${shopLineId}) for ${now.amountCents} of ${unit.amountCents}, under its key ${row.idempotency_key}`
      )
      moved.push({ ...row, payload })
    }
    return moved
  })
