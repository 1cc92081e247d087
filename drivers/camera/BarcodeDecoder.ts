/** The port for decoding barcodes in camera frames and image files, with its formats and errors. */
import type { Effect } from "effect"
import { Schema } from "effect"

/** Pixels row by row: 4 bytes (R, G, B, A) per pixel, or 1 byte (luminance) when `channels` is 1. */
export interface PixelImage {
  readonly width: number
  readonly height: number
  readonly channels: 1 | 4
  readonly data: Uint8Array | Uint8ClampedArray
}

/** Formats by their zxing `BarcodeFormat` names, whichever decoder read them. */
export const barcodeFormats = [
  "QR_CODE",
  "DATA_MATRIX",
  "PDF_417",
  "AZTEC",
  "CODE_128",
  "CODE_39",
  "CODE_93",
  "CODABAR",
  "ITF",
  "EAN_13",
  "EAN_8",
  "UPC_A",
  "UPC_E",
  "RSS_14",
  "RSS_EXPANDED"
] as const
export type BarcodeFormatName = (typeof barcodeFormats)[number]

export interface DecodedBarcode {
  readonly format: BarcodeFormatName
  readonly text: string
  /** Where the decoder found the symbol, in the image's pixel coordinates (corners, finder patterns or a scan line). */
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>
}

export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  decoder: Schema.String,
  message: Schema.String
}) {}

/** Reads every barcode it can find in one camera frame; an image with none gives an empty list, not an error. */
export interface BarcodeDecoder {
  readonly name: "zxing-js" | "zxing-wasm"
  readonly decode: (image: PixelImage) => Effect.Effect<ReadonlyArray<DecodedBarcode>, DecodeError>
}

/** ITU-R BT.601 weights in 10-bit fixed point, the same conversion zxing-wasm applies to RGBA input. */
export const luminanceOf = (image: PixelImage): Uint8ClampedArray => {
  if (image.channels === 1) return Uint8ClampedArray.from(image.data)
  const pixels = image.width * image.height
  const out = new Uint8ClampedArray(pixels)
  const data = image.data
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    out[i] = (306 * data[j]! + 601 * data[j + 1]! + 117 * data[j + 2]! + 512) >> 10
  }
  return out
}

export const checkImage = (decoder: string, image: PixelImage): DecodeError | undefined => {
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
    return new DecodeError({
      decoder,
      message: `image size ${image.width}x${image.height} is not a positive integer size`
    })
  }
  const expected = image.width * image.height * image.channels
  return image.data.length === expected
    ? undefined
    : new DecodeError({
        decoder,
        message: `image data has ${image.data.length} bytes, expected ${expected} for ${image.width}x${image.height}x${image.channels}`
      })
}
