/**
 * The catalog item as the shop sends it and the bench checks against: SKU, GTIN, names, weight, serial and lot rules.
 */
import { Schema } from "effect"

export const LocalizedText = Schema.Struct({ de: Schema.String, en: Schema.String })
export type LocalizedText = typeof LocalizedText.Type

export const CatalogItem = Schema.Struct({
  sku: Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,39}$/)),
  /** GTIN-8/12/13/14 as printed on the product; matched after normalisation to GTIN-14. */
  gtin: Schema.String.check(Schema.isPattern(/^(\d{8}|\d{12,14})$/)),
  name: LocalizedText,
  aliases: Schema.Array(Schema.String),
  weightGrams: Schema.Int.check(Schema.isGreaterThan(0)),
  category: Schema.String,
  binHint: Schema.String,
  careHint: Schema.optional(LocalizedText),
  icon: Schema.String,
  requiresSerial: Schema.Boolean,
  requiresLot: Schema.Boolean,
  /**
   * For customs declarations of parcels that leave the EU: the Harmonized System code (6 digits, up to 10 with the
   * national subdivisions), the country where the goods were made, and what they are in plain English (CN 22/23).
   */
  hsCode: Schema.optional(Schema.String.check(Schema.isPattern(/^\d{6}(\d{2}){0,2}$/))),
  originCountry: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/))),
  customsDescription: Schema.optional(Schema.String.check(Schema.isPattern(/^[\x20-\x7e]{3,40}$/)))
})
export type CatalogItem = typeof CatalogItem.Type
