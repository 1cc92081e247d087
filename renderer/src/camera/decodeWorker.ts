/** The camera's decode worker: reads barcodes in camera frames off the UI thread with zxing-wasm. */
/// <reference types="vite/client" />
import { prepareZXingModule, type ReaderOptions, readBarcodes } from "zxing-wasm/reader"
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url"
import { readCameraFrame, scanTextOf } from "../../../core/decode/readCameraFrame.ts"
import type { CameraFrame, DecodeReply } from "./cameraReading.ts"

/**
 * Decodes camera frames off the UI thread with zxing-cpp compiled to WebAssembly. The .wasm is the copy the build
 * ships next to this script (never zxing-wasm's default CDN: a station works offline), and this worker's own CSP is
 * the one place the station allows 'wasm-unsafe-eval'.
 */
prepareZXingModule({
  overrides: { locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
  fireImmediately: true
})

let frameNumber = 0

/**
 * zxing-wasm reads the fields of an ImageData; the halved crop is one only in shape, so it is wrapped (its pixels are
 * a fresh ArrayBuffer of halveImage's, never shared memory).
 */
const readWithZxing = (image: { width: number; height: number; data: Uint8ClampedArray }, options: object) =>
  readBarcodes(
    image instanceof ImageData
      ? image
      : new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height),
    options as ReaderOptions
  )

self.addEventListener("message", (event: MessageEvent<{ readonly id: number; readonly frame: CameraFrame }>) => {
  const { id, frame } = event.data
  const image = new ImageData(new Uint8ClampedArray(frame.data), frame.width, frame.height)
  readCameraFrame(image, frameNumber++, readWithZxing).then(
    ({ symbols }) => {
      const reply: DecodeReply = { id, texts: symbols.map(scanTextOf) }
      self.postMessage(reply)
    },
    (error: unknown) => {
      const reply: DecodeReply = { id, error: error instanceof Error ? error.message : String(error) }
      self.postMessage(reply)
    }
  )
})
