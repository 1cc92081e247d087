import { Schema } from "effect"
import { LocalizedText } from "../catalog/CatalogItem.ts"

const Millimetres = Schema.Int.check(Schema.isGreaterThan(0))
const Grams = Schema.Int.check(Schema.isGreaterThan(0))

/** A shipping carton the bench stocks; chosen by scanning the barcode on its shelf. */
export const Box = Schema.Struct({
  boxId: Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,15}$/)),
  name: LocalizedText,
  innerMm: Schema.Struct({ length: Millimetres, width: Millimetres, height: Millimetres }),
  tareGrams: Grams,
  maxWeightGrams: Grams,
  barcode: Schema.String.check(Schema.isMinLength(1))
})
export type Box = typeof Box.Type

export const BoxCatalog = Schema.Array(Box)
export type BoxCatalog = typeof BoxCatalog.Type
