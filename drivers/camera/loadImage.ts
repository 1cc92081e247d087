/** Loads a PNG or JPEG file as the pixels a barcode decoder reads. */
import { Effect, Schema } from "effect"
import jpeg from "jpeg-js"
import { PNG } from "pngjs"
import type { PixelImage } from "./BarcodeDecoder.ts"

export class ImageLoadError extends Schema.TaggedError<ImageLoadError>()("ImageLoadError", {
  message: Schema.String
}) {}

const startsWith = (bytes: Uint8Array, magic: ReadonlyArray<number>) =>
  magic.every((byte, index) => bytes[index] === byte)

/** Decodes a PNG or JPEG file's bytes, told apart by their signature rather than the file name, into RGBA pixels. */
export const loadImage = Effect.fn("loadImage")(function* (bytes: Uint8Array) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    const png = yield* Effect.try({
      try: () => PNG.sync.read(buffer),
      catch: (error) =>
        new ImageLoadError({ message: `broken PNG: ${error instanceof Error ? error.message : String(error)}` })
    })
    const image: PixelImage = { width: png.width, height: png.height, channels: 4, data: png.data }
    return image
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) {
    const decoded = yield* Effect.try({
      try: () => jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 }),
      catch: (error) =>
        new ImageLoadError({ message: `broken JPEG: ${error instanceof Error ? error.message : String(error)}` })
    })
    const image: PixelImage = { width: decoded.width, height: decoded.height, channels: 4, data: decoded.data }
    return image
  }
  return yield* new ImageLoadError({ message: "not a PNG or JPEG image (unknown file signature)" })
})
