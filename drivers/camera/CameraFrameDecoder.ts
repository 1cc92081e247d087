/** Decodes whole camera frames in Node by the camera's reading plan (crop, cheapest pass first), on zxing-wasm. */
import { Effect } from "effect"
import { cropToRegionOfInterest, readCameraFrame } from "../../core/decode/readCameraFrame.ts"
import type { BarcodeDecoder, PixelImage } from "./BarcodeDecoder.ts"
import { checkImage, DecodeError } from "./BarcodeDecoder.ts"
import { expandToRgba, loadZxingWasmReader, toDecodedBarcode } from "./ZxingWasmDecoder.ts"

/**
 * The station camera's decoder for frames read in Node (and so what `npm run bench:decode` times): each frame is
 * cropped to the region the preview marks and read by core/decode/readCameraFrame.ts, the same plan the renderer's
 * decode worker runs. It counts the frames it is given, because every third one gets the thorough pass. Points are
 * in the cropped (or, for the glance pass, halved) image's coordinates.
 */
export const makeCameraFrameDecoder = Effect.fn("CameraFrameDecoder.make")(function* () {
  const read = yield* loadZxingWasmReader()
  let frameNumber = 0
  const decoder: BarcodeDecoder = {
    name: "zxing-wasm",
    decode: Effect.fn("CameraFrameDecoder.decode")(function* (image: PixelImage) {
      const invalid = checkImage("zxing-wasm", image)
      if (invalid !== undefined) return yield* invalid
      const frame = cropToRegionOfInterest({ width: image.width, height: image.height, data: expandToRgba(image) })
      const number = frameNumber++
      const { symbols } = yield* Effect.tryPromise({
        try: () => readCameraFrame(frame, number, read),
        catch: (error) => new DecodeError({ decoder: "zxing-wasm", message: String(error) })
      })
      return symbols.flatMap(toDecodedBarcode)
    })
  }
  return decoder
})
