/** The shipping box the bench offers: id, barcode, inner size, tare and position. */
import { Schema } from "effect"
import { BoundedInt, Bounds, IdText, WholeGrams } from "../bounds/Bounds.ts"
import { LocalizedLine, LocalizedText } from "../catalog/CatalogItem.ts"
import { NamedEntries } from "../decode/NamedEntries.ts"

export const BoxId = Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,15}$/))

const BoxMillimetres = BoundedInt(1, Bounds.maxMillimetres)

/**
 * A box as this station may have stored it: the shape every version has written, without the bounds `Box` puts on
 * what comes in now. Stored boxes are read back, and shown, with this: a box a version before the bounds accepted
 * stays listed instead of making every listing throw, and the shop's next update replaces it; its tare and limit,
 * the values the bench computes with, are checked where they are used (`isPlausibleWholeGrams`).
 */
export const StoredBox = Schema.Struct({
  boxId: BoxId,
  name: LocalizedText,
  innerMm: Schema.Struct({
    length: Schema.Int.check(Schema.isGreaterThan(0)),
    width: Schema.Int.check(Schema.isGreaterThan(0)),
    height: Schema.Int.check(Schema.isGreaterThan(0))
  }),
  tareGrams: Schema.Int.check(Schema.isGreaterThan(0)),
  maxWeightGrams: Schema.Int.check(Schema.isGreaterThan(0)),
  barcode: Schema.String.check(Schema.isMinLength(1)),
  /** Where the box stands in the bench's list, which is also its number key; absent: after the boxes that have one. */
  position: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
})

/**
 * A shipping carton the bench stocks, as it comes in (the shop's `box.upsert`, the box file): every number and text
 * bounded by core/bounds. Chosen by scanning the barcode on its shelf, or by its number key.
 */
export const Box = Schema.Struct({
  ...StoredBox.fields,
  name: LocalizedLine,
  innerMm: Schema.Struct({ length: BoxMillimetres, width: BoxMillimetres, height: BoxMillimetres }),
  tareGrams: WholeGrams,
  maxWeightGrams: WholeGrams,
  barcode: IdText.check(Schema.isMinLength(1))
}).check(
  Schema.makeFilter((box) =>
    box.tareGrams < box.maxWeightGrams
      ? undefined
      : `tare ${box.tareGrams} g is not below the limit ${box.maxWeightGrams} g: no parcel could be packed in this box`
  )
)
export type Box = typeof Box.Type

/** Boxes as they come in; a refusal names the box by its id (see `NamedEntries`). */
export const BoxCatalog = NamedEntries(StoredBox, Box, (box) => `box ${box.boxId}`)
export type BoxCatalog = typeof BoxCatalog.Type

/** A box as the Pack screen lists it: in shelf order, the first nine with the number key that picks them. */
export const BoxListing = Schema.Struct({
  ...StoredBox.fields,
  position: Schema.Int,
  key: Schema.NullOr(Schema.String)
})
export type BoxListing = typeof BoxListing.Type
