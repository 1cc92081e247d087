/** The shipping box the bench offers: id, barcode, inner size, tare and position. */
import { Schema } from "effect"
import { LocalizedText } from "../catalog/CatalogItem.ts"

const Millimetres = Schema.Int.check(Schema.isGreaterThan(0))
const Grams = Schema.Int.check(Schema.isGreaterThan(0))

export const BoxId = Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,15}$/))

/** A shipping carton the bench stocks; chosen by scanning the barcode on its shelf, or by its number key. */
export const Box = Schema.Struct({
  boxId: BoxId,
  name: LocalizedText,
  innerMm: Schema.Struct({ length: Millimetres, width: Millimetres, height: Millimetres }),
  tareGrams: Grams,
  maxWeightGrams: Grams,
  barcode: Schema.String.check(Schema.isMinLength(1)),
  /** Where the box stands in the bench's list, which is also its number key; absent: after the boxes that have one. */
  position: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
})
export type Box = typeof Box.Type

export const BoxCatalog = Schema.Array(Box)
export type BoxCatalog = typeof BoxCatalog.Type

/** A box as the Pack screen lists it: in shelf order, the first nine with the number key that picks them. */
export const BoxListing = Schema.Struct({
  ...Box.fields,
  position: Schema.Int,
  key: Schema.NullOr(Schema.String)
})
export type BoxListing = typeof BoxListing.Type
