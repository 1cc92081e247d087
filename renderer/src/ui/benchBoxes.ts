/**
 * The cartons on this bench's shelf in the order their number keys pick them. The station has no query for its box
 * catalog yet, so these mirror its box ids; a scan of a shelf barcode works for any box the station knows.
 */
export const benchBoxes: ReadonlyArray<string> = ["S", "M", "L", "XL"]
