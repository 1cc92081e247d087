/** Splits what the customer paid into a refundable amount per unit of each order line. */
import type { Order } from "../orders/Order.ts"

/**
 * What the customer paid for one unit of each line, in cents. The shop sends list prices per line and the paid
 * total; when the total is lower (an order discount) every unit carries its share of the discount, rounded down so
 * the units together never exceed the paid total. A total above the lines (shipping) is not refundable per unit.
 */
export const paidPerUnit = (order: Pick<Order, "lines" | "payment">): ReadonlyMap<string, number> => {
  const totalCents = Math.max(0, Math.round(order.payment.total * 100))
  const listCents = order.lines.reduce((sum, line) => sum + Math.round(line.unitPrice * 100) * line.quantity, 0)
  const paid = new Map<string, number>()
  for (const line of order.lines) {
    const unitCents = Math.max(0, Math.round(line.unitPrice * 100))
    paid.set(line.lineId, listCents <= totalCents ? unitCents : Math.floor((unitCents * totalCents) / listCents))
  }
  return paid
}

/**
 * What the customer paid for a unit of `sku` returned on `lineId`: that line's share, or, for a line the order no
 * longer has (the shop numbered the order's lines anew since the unit was taken in or decided: a unit keeps the line
 * it was returned on), the share of the item's first line, the one the shop's new numbering puts its first units on.
 */
export const paidForUnit = (
  order: Pick<Order, "lines">,
  paid: ReadonlyMap<string, number>,
  lineId: string,
  sku: string | null
): number => {
  const own = paid.get(lineId)
  if (own !== undefined) return own
  const itemLine = sku === null ? undefined : order.lines.find((line) => line.sku === sku)
  return itemLine === undefined ? 0 : (paid.get(itemLine.lineId) ?? 0)
}
