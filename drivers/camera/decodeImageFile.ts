/** Reads every barcode in a PNG or JPEG file, for `packbench decode` and rendering tests. */
import { readFile } from "node:fs/promises"
import { Effect } from "effect"
import type { DecodedBarcode } from "./BarcodeDecoder.ts"
import { type DecoderName, defaultDecoder, makeDecoder } from "./defaultDecoder.ts"
import { loadImage } from "./loadImage.ts"

/**
 * Every barcode in a PNG or JPEG file, read the way `packbench decode` reads it (zxing-wasm unless told otherwise):
 * for tests that check what a printer rendered, as a scanner at the next desk would see it.
 */
export const decodeImageFile = async (
  file: string,
  decoder: DecoderName = defaultDecoder
): Promise<ReadonlyArray<DecodedBarcode>> => {
  const bytes = await readFile(file)
  return Effect.runPromise(
    Effect.flatMap(makeDecoder(decoder), (reader) => Effect.flatMap(loadImage(bytes), (image) => reader.decode(image)))
  )
}
