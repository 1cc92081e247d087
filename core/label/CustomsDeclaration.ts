/** The CN 22 / CN 23 customs declaration printed with parcels leaving the EU's customs union. */
import { Schema } from "effect"

/**
 * What customs needs to know of a parcel that leaves the EU's customs union (UPU CN 22, or CN 23 above its value
 * limit): each kind of goods with its quantity, net weight, value, HS tariff number and country of origin, the totals
 * and the currency, the category (a sale of goods) and the sender. Printed as a second page of the label job.
 */
export const CustomsItem = Schema.Struct({
  description: Schema.String,
  quantity: Schema.Int,
  netWeightGrams: Schema.Int,
  valueCents: Schema.Int,
  hsCode: Schema.String,
  originCountry: Schema.String
})
export type CustomsItem = typeof CustomsItem.Type

export const CustomsDeclaration = Schema.Struct({
  form: Schema.Literals(["CN22", "CN23"]),
  category: Schema.Literals(["sale-of-goods", "returned-goods", "gift", "commercial-sample", "documents", "other"]),
  currency: Schema.String,
  items: Schema.Array(CustomsItem),
  totalValueCents: Schema.Int,
  totalWeightGrams: Schema.Int,
  sender: Schema.String,
  /** The order, the invoice the goods were sold under. */
  invoice: Schema.String
})
export type CustomsDeclaration = typeof CustomsDeclaration.Type

/**
 * The EU member states, one customs union: a parcel between two of them needs no declaration. (Special territories
 * outside the customs union, such as the Canary Islands or Heligoland, have no country code of their own and are
 * not told apart here.)
 */
export const EU_CUSTOMS_UNION: ReadonlySet<string> = new Set([
  "AT",
  "BE",
  "BG",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GR",
  "HR",
  "HU",
  "IE",
  "IT",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK"
])

/** A parcel from `origin` to `destination` crosses a customs border: outside the EU, any two countries do. */
export const needsCustoms = (origin: string, destination: string): boolean => {
  const from = origin.toUpperCase()
  const to = destination.toUpperCase()
  if (from === to) return false
  return !(EU_CUSTOMS_UNION.has(from) && EU_CUSTOMS_UNION.has(to))
}

/**
 * CN 22 covers goods up to 300 SDR (UPU Convention, Regulations Article RL 153); above that the CN 23 is needed.
 * The station keeps no exchange rates: 250 units of EUR, CHF, GBP or USD stays below 300 SDR in each, and every
 * other currency takes the CN 23, which is always accepted.
 */
export const formFor = (currency: string, totalValueCents: number): "CN22" | "CN23" =>
  ["EUR", "CHF", "GBP", "USD"].includes(currency.toUpperCase()) && totalValueCents <= 25_000 ? "CN22" : "CN23"
