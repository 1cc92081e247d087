/** The order as the shop sends it: customer, address, carrier, service level and lines. */
import { Schema } from "effect"
import { BoundedInt, Bounds, EmailAddress, IdText, LineText, MajorUnits, Quantity } from "../bounds/Bounds.ts"
import { Locale } from "../config/StationConfig.ts"

/* Every field is bounded (core/bounds): an order comes from outside, and its e-mail address goes into mail headers. */

export const Address = Schema.Struct({
  name: LineText,
  company: Schema.optional(LineText),
  street1: LineText,
  street2: Schema.optional(LineText),
  postalCode: IdText,
  city: LineText,
  region: Schema.optional(LineText),
  country: Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/))
})
export type Address = typeof Address.Type

export const Customer = Schema.Struct({
  customerId: IdText,
  firstName: LineText,
  lastName: LineText,
  /** Exactly one address: `a@example.com\r\nBcc: spy@evil.example` is refused where the order comes in. */
  email: EmailAddress,
  locale: Locale
})

export const OrderLine = Schema.Struct({
  lineId: IdText,
  sku: IdText,
  /** The GTIN the shop lists for the line, when it has one (the station matches scans by its catalog either way). */
  gtin: Schema.optionalKey(IdText),
  quantity: Quantity,
  unitPrice: MajorUnits
})
export type OrderLine = typeof OrderLine.Type

/** The most lines an order may have (the hub's shop mapping takes 200). */
export const MAX_ORDER_LINES = 1_000

export const OrderStatus = Schema.Literals(["open", "on-hold", "address-hold", "packed", "shipped", "cancelled"])
export type OrderStatus = typeof OrderStatus.Type

/**
 * An order's version as its sender numbers it: the hub's shop side counts the changes the stations see (1, 2, 3…,
 * hub/core/shop/ShopInbox.ts), and a shop that publishes to the inbox by itself may count them so or stamp its change
 * time in ms. The order handlers check it against the receiving clock too (`inboundVersion`, core/sync).
 */
export const OrderVersion = BoundedInt(1, Bounds.maxCounter)

/**
 * An order as the cloud shop sends it. `version` grows with every change the shop makes; the station applies a
 * change only when its version is newer than the stored one, so a late, stale update never overwrites a newer one.
 */
export const Order = Schema.Struct({
  orderId: Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,31}$/)),
  version: OrderVersion,
  status: OrderStatus,
  brand: IdText,
  customer: Customer,
  shipTo: Address,
  serviceLevel: Schema.Literals(["standard", "express", "economy"]),
  carrier: IdText,
  lines: Schema.Array(OrderLine).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_ORDER_LINES)),
  payment: Schema.Struct({ method: IdText, currency: IdText, total: MajorUnits }),
  placedAt: IdText
})
export type Order = typeof Order.Type

/** The first line id the order names on two lines, said with both lines' places, or undefined. */
const lineIdTwice = (lines: Order["lines"]): string | undefined => {
  const first = new Map<string, number>()
  for (const [index, line] of lines.entries()) {
    const earlier = first.get(line.lineId)
    if (earlier !== undefined) {
      return `line id ${JSON.stringify(line.lineId)} is on lines ${earlier + 1} and ${index + 1}; each line needs an id of its own`
    }
    first.set(line.lineId, index)
  }
  return undefined
}

/**
 * An order as the shop may send it, as the stations' inboxes and the hub's feed of the shop's stream read it (so the
 * hub takes no order a station refuses): "packed" and "shipped" are what this station records when it packs and hands a
 * parcel over, so a shop's word for them would take an order off the bench with no parcel ever made for it. Each line
 * has an id of its own: the bench counts what was scanned for a line, and the returns desk prices its units, by its id,
 * so two lines of one id would share their scans (one left out of the parcel) and their price.
 */
export const ShopOrder = Order.check(
  Schema.makeFilter((order) =>
    order.status === "packed" || order.status === "shipped"
      ? `status "${order.status}" is the station's own, set when it packs and hands over the parcel; the shop sends open, on-hold, address-hold or cancelled`
      : lineIdTwice(order.lines)
  )
)
