/** The camera's decode worker: reads barcodes in camera frames off the UI thread with zxing-wasm. */
/// <reference types="vite/client" />
import { prepareZXingModule, type ReaderOptions, readBarcodes } from "zxing-wasm/reader"
import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url"
import { type CameraFrame, cameraReaderOptionsFor, type DecodeReply, scanTextOf } from "./cameraReading.ts"

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

self.addEventListener("message", (event: MessageEvent<{ readonly id: number; readonly frame: CameraFrame }>) => {
  const { id, frame } = event.data
  const image = new ImageData(new Uint8ClampedArray(frame.data), frame.width, frame.height)
  const options = cameraReaderOptionsFor(frameNumber++) as unknown as ReaderOptions
  readBarcodes(image, options).then(
    (results) => {
      const reply: DecodeReply = { id, texts: results.filter((result) => result.isValid).map(scanTextOf) }
      self.postMessage(reply)
    },
    (error: unknown) => {
      const reply: DecodeReply = { id, error: error instanceof Error ? error.message : String(error) }
      self.postMessage(reply)
    }
  )
})
