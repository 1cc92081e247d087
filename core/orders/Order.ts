/** The order as the shop sends it: customer, address, carrier, service level and lines. */
import { Schema } from "effect"
import { Locale } from "../config/StationConfig.ts"

export const Address = Schema.Struct({
  name: Schema.String,
  company: Schema.optional(Schema.String),
  street1: Schema.String,
  street2: Schema.optional(Schema.String),
  postalCode: Schema.String,
  city: Schema.String,
  region: Schema.optional(Schema.String),
  country: Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/))
})
export type Address = typeof Address.Type

export const Customer = Schema.Struct({
  customerId: Schema.String,
  firstName: Schema.String,
  lastName: Schema.String,
  email: Schema.String,
  locale: Locale
})

export const OrderLine = Schema.Struct({
  lineId: Schema.String,
  sku: Schema.String,
  /** The GTIN the shop lists for the line, when it has one (the station matches scans by its catalog either way). */
  gtin: Schema.optionalKey(Schema.String),
  quantity: Schema.Int.check(Schema.isGreaterThan(0)),
  unitPrice: Schema.Number
})
export type OrderLine = typeof OrderLine.Type

export const OrderStatus = Schema.Literals(["open", "on-hold", "address-hold", "packed", "shipped", "cancelled"])
export type OrderStatus = typeof OrderStatus.Type

/**
 * An order as the cloud shop sends it. `version` grows with every change the shop makes; the station applies a
 * change only when its version is newer than the stored one, so a late, stale update never overwrites a newer one.
 */
export const Order = Schema.Struct({
  orderId: Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,31}$/)),
  version: Schema.Int.check(Schema.isGreaterThan(0)),
  status: OrderStatus,
  brand: Schema.String,
  customer: Customer,
  shipTo: Address,
  serviceLevel: Schema.Literals(["standard", "express", "economy"]),
  carrier: Schema.String,
  lines: Schema.Array(OrderLine).check(Schema.isMinLength(1)),
  payment: Schema.Struct({ method: Schema.String, currency: Schema.String, total: Schema.Number }),
  placedAt: Schema.String
})
export type Order = typeof Order.Type
