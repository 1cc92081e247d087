/** Builds a parcel's customs declaration from the catalog and the order. */
import type { CatalogItem } from "../catalog/CatalogItem.ts"
import { type CustomsDeclaration, formFor } from "../label/CustomsDeclaration.ts"
import type { Order } from "../orders/Order.ts"

/**
 * The customs declaration of a parcel that leaves the EU, from the catalog (what the goods are, their HS code and
 * origin) and the order (what was paid per unit, in which currency); the SKUs without customs data when any lack it.
 * Lines packed with quantity 0 (short-shipped) are not declared.
 */
export const customsFor = (
  order: Order,
  packed: ReadonlyArray<{ readonly lineId: string; readonly item: CatalogItem; readonly quantity: number }>,
  sender: string
): CustomsDeclaration | string => {
  const lines = packed.filter((line) => line.quantity > 0)
  const missing = lines
    .filter(
      ({ item }) =>
        item.hsCode === undefined || item.originCountry === undefined || item.customsDescription === undefined
    )
    .map(({ item }) => item.sku)
  if (missing.length > 0) return [...new Set(missing)].join(", ")
  const items = lines.map(({ lineId, item, quantity }) => {
    const unitPrice = order.lines.find((orderLine) => orderLine.lineId === lineId)?.unitPrice ?? 0
    return {
      description: item.customsDescription!,
      quantity,
      netWeightGrams: item.weightGrams * quantity,
      valueCents: Math.round(unitPrice * 100) * quantity,
      hsCode: item.hsCode!,
      originCountry: item.originCountry!
    }
  })
  const totalValueCents = items.reduce((sum, item) => sum + item.valueCents, 0)
  return {
    form: formFor(order.payment.currency, totalValueCents),
    category: "sale-of-goods",
    currency: order.payment.currency.toUpperCase(),
    items,
    totalValueCents,
    totalWeightGrams: items.reduce((sum, item) => sum + item.netWeightGrams, 0),
    sender,
    invoice: order.orderId
  }
}
