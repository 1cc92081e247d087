/**
 * The catalog item as the shop sends it and the bench checks against: SKU, GTIN, names, weight, serial and lot rules.
 */
import { Schema } from "effect"
import { IdText, LineText, WholeGrams } from "../bounds/Bounds.ts"
import { NamedEntries } from "../decode/NamedEntries.ts"

export const LocalizedText = Schema.Struct({ de: Schema.String, en: Schema.String })
export type LocalizedText = typeof LocalizedText.Type

/** A name or a hint in both languages, as it comes in: each a line of text. */
export const LocalizedLine = Schema.Struct({ de: LineText, en: LineText })

/**
 * The aliases one item may have. Each is a code someone scans for the item (a supplier's barcode, an old SKU, a shelf
 * label): a handful in practice. 64 leaves room for an item stocked from many suppliers, and still bounds the alias
 * rows and lookups one item costs every update that brings it.
 */
export const MAX_ALIASES_PER_ITEM = 64

/**
 * A catalog item as this station may have stored it: the shape every version has written, without the bounds
 * `CatalogItem` puts on what comes in now. Stored rows are decoded with this, so an item a version before the bounds
 * accepted (a weight of 2^53 g, a name of a million characters) neither throws nor stops the bench or the returns
 * desk; `catalogItems` (CatalogLookup.ts) then holds it to `CatalogItem`'s bounds and does not use it, naming the
 * fields beyond them, until the shop's next update replaces it.
 */
export const StoredCatalogItem = Schema.Struct({
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

/**
 * A catalog item as it comes in (the shop's `catalog.upsert`, a reference-data file): every number and text bounded
 * by core/bounds, like every other input to the station. Codes (category, icon, aliases) are ids; names and hints are
 * lines of text.
 */
export const CatalogItem = Schema.Struct({
  ...StoredCatalogItem.fields,
  name: LocalizedLine,
  aliases: Schema.Array(IdText).check(Schema.isMaxLength(MAX_ALIASES_PER_ITEM)),
  weightGrams: WholeGrams,
  category: IdText,
  binHint: LineText,
  careHint: Schema.optional(LocalizedLine),
  icon: IdText
})
export type CatalogItem = typeof CatalogItem.Type

/** Catalog items as they come in; a refusal names the item by its SKU (see `NamedEntries`). */
export const IncomingCatalogItems = NamedEntries(StoredCatalogItem, CatalogItem, (item) => `item ${item.sku}`)
