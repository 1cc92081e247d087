/** The barcode decoder over @zxing/library, for comparison with zxing-wasm. */
import {
  BarcodeFormat,
  BinaryBitmap,
  ChecksumException,
  DecodeHintType,
  FormatException,
  HybridBinarizer,
  MultiFormatReader,
  NotFoundException,
  RGBLuminanceSource
} from "@zxing/library"
import { Effect } from "effect"
import type { BarcodeDecoder, BarcodeFormatName, DecodedBarcode, PixelImage } from "./BarcodeDecoder.ts"
import { barcodeFormats, checkImage, DecodeError, luminanceOf } from "./BarcodeDecoder.ts"

type Rotation = 0 | 90 | 180 | 270

interface Plane {
  readonly width: number
  readonly height: number
  readonly data: Uint8ClampedArray
}

/** Turns the luminance plane clockwise by `rotation` degrees. */
const rotate = (plane: Plane, rotation: Rotation): Plane => {
  if (rotation === 0) return plane
  const { width, height, data } = plane
  const out = new Uint8ClampedArray(data.length)
  const turned = rotation !== 180
  const outWidth = turned ? height : width
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [nx, ny] =
        rotation === 90 ? [height - 1 - y, x] : rotation === 180 ? [width - 1 - x, height - 1 - y] : [y, width - 1 - x]
      out[ny * outWidth + nx] = data[y * width + x]!
    }
  }
  return { width: outWidth, height: turned ? width : height, data: out }
}

/** Maps a point found in the rotated plane back to the original image. */
const unrotate = (x: number, y: number, rotation: Rotation, width: number, height: number) =>
  rotation === 0
    ? { x, y }
    : rotation === 90
      ? { x: y, y: height - 1 - x }
      : rotation === 180
        ? { x: width - 1 - x, y: height - 1 - y }
        : { x: width - 1 - y, y: x }

const formatByZxing = new Map<BarcodeFormat, BarcodeFormatName>(
  barcodeFormats.map((name) => [BarcodeFormat[name], name] as const)
)

/**
 * Pure-JavaScript zxing. Its MultiFormatReader finds one symbol per call and its 1D readers only scan rows, so a
 * barcode held sideways to the camera is found by trying the frame turned 0/90/270/180 degrees.
 */
export const makeZxingJsDecoder = (): BarcodeDecoder => {
  const reader = new MultiFormatReader()
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.TRY_HARDER, true],
    [DecodeHintType.POSSIBLE_FORMATS, barcodeFormats.map((name) => BarcodeFormat[name])]
  ])
  reader.setHints(hints)

  const decodeOnce = (plane: Plane) => {
    try {
      return reader.decodeWithState(
        new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(plane.data, plane.width, plane.height)))
      )
    } catch (error) {
      // zxing-js reports "nothing here" by throwing; only those three mean "no symbol in this orientation".
      if (
        error instanceof NotFoundException ||
        error instanceof ChecksumException ||
        error instanceof FormatException
      ) {
        return undefined
      }
      throw error
    } finally {
      reader.reset()
    }
  }

  return {
    name: "zxing-js",
    decode: Effect.fn("ZxingJsDecoder.decode")(function* (image: PixelImage) {
      const invalid = checkImage("zxing-js", image)
      if (invalid !== undefined) return yield* invalid
      const plane: Plane = { width: image.width, height: image.height, data: luminanceOf(image) }
      for (const rotation of [0, 90, 270, 180] as const) {
        const result = yield* Effect.try({
          try: () => decodeOnce(rotate(plane, rotation)),
          catch: (error) => new DecodeError({ decoder: "zxing-js", message: String(error) })
        })
        if (result === undefined) continue
        const format = formatByZxing.get(result.getBarcodeFormat())
        if (format === undefined) continue
        const found: DecodedBarcode = {
          format,
          text: result.getText(),
          // 1D results can carry null points where a guard pattern was not located.
          points: (result.getResultPoints() ?? [])
            .filter((point) => point !== null && point !== undefined)
            .map((point) => unrotate(point.getX(), point.getY(), rotation, image.width, image.height))
        }
        return [found]
      }
      return []
    })
  }
}
