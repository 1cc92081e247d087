/** The barcode decoder on zxing-wasm, for camera frames and still images. */
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { Effect } from "effect"
import type { ReaderOptions, ReadInputBarcodeFormat, ReadResult, ZXingReaderModule } from "zxing-wasm/reader"
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader"
import type { BarcodeDecoder, BarcodeFormatName, DecodedBarcode, PixelImage } from "./BarcodeDecoder.ts"
import { checkImage, DecodeError } from "./BarcodeDecoder.ts"

/** zxing-cpp's format names against zxing's; ITF-14 is an ITF symbol with 14 digits. */
const formatByWasm: ReadonlyMap<string, BarcodeFormatName> = new Map([
  ["QRCode", "QR_CODE"],
  ["DataMatrix", "DATA_MATRIX"],
  ["PDF417", "PDF_417"],
  ["Aztec", "AZTEC"],
  ["Code128", "CODE_128"],
  ["Code39", "CODE_39"],
  ["Code93", "CODE_93"],
  ["Codabar", "CODABAR"],
  ["ITF", "ITF"],
  ["ITF14", "ITF"],
  ["EAN13", "EAN_13"],
  ["EAN8", "EAN_8"],
  ["UPCA", "UPC_A"],
  ["UPCE", "UPC_E"],
  ["DataBar", "RSS_14"],
  ["DataBarOmni", "RSS_14"],
  ["DataBarStk", "RSS_14"],
  ["DataBarStkOmni", "RSS_14"],
  ["DataBarExp", "RSS_EXPANDED"],
  ["DataBarExpStk", "RSS_EXPANDED"]
])

/** For still images (`packbench decode`): every format we name, as hard as zxing-cpp tries, all symbols. */
export const stillImageOptions: ReaderOptions = {
  formats: [
    "QRCode",
    "DataMatrix",
    "PDF417",
    "Aztec",
    "Code128",
    "Code39",
    "Code93",
    "Codabar",
    "ITF",
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
    "DataBar",
    "DataBarExp"
  ] satisfies Array<ReadInputBarcodeFormat>,
  tryHarder: true,
  tryRotate: true,
  maxNumberOfSymbols: 16
}

let module: Promise<ZXingReaderModule> | undefined

/**
 * By default zxing-wasm fetches its .wasm from a CDN on first use; a station may be offline, so the binary shipped in
 * node_modules is handed over instead, once per process (every decoder shares the instance).
 */
const loadModule = (): Promise<ZXingReaderModule> => {
  module ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm")
    const bytes = await readFile(wasmPath)
    const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    return prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })
  })()
  module.catch(() => {
    module = undefined
  })
  return module
}

export const expandToRgba = (image: PixelImage): Uint8ClampedArray => {
  if (image.channels === 4) {
    return image.data instanceof Uint8ClampedArray
      ? image.data
      : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength)
  }
  const out = new Uint8ClampedArray(image.data.length * 4)
  for (let i = 0; i < image.data.length; i++) {
    const value = image.data[i]!
    out.set([value, value, value, 255], i * 4)
  }
  return out
}

/** zxing-wasm's result as the port's, or nothing for a format the port does not name or an invalid read. */
export const toDecodedBarcode = (result: ReadResult): ReadonlyArray<DecodedBarcode> => {
  const format = formatByWasm.get(result.format)
  if (format === undefined || !result.isValid) return []
  const { topLeft, topRight, bottomRight, bottomLeft } = result.position
  return [
    { format, text: result.text, points: [topLeft, topRight, bottomRight, bottomLeft].map(({ x, y }) => ({ x, y })) }
  ]
}

/**
 * zxing-wasm's readBarcodes with the module from node_modules loaded, for RGBA pixels. readBarcodes only reads the
 * data/width/height of an ImageData (duck-typed), so no canvas is needed in Node.
 */
export const loadZxingWasmReader = Effect.fn("ZxingWasmDecoder.loadReader")(function* () {
  yield* Effect.tryPromise({
    try: loadModule,
    catch: (error) => new DecodeError({ decoder: "zxing-wasm", message: `cannot load zxing-wasm: ${String(error)}` })
  })
  return (
    image: { readonly width: number; readonly height: number; readonly data: Uint8ClampedArray },
    options: object
  ): Promise<Array<ReadResult>> =>
    readBarcodes(
      { data: image.data, width: image.width, height: image.height, colorSpace: "srgb" } as ImageData,
      options as ReaderOptions
    )
})

/**
 * zxing-cpp compiled to WebAssembly: finds several symbols per frame and handles rotation itself. `options` are
 * zxing-wasm ReaderOptions; the default reads still images as hard as it can.
 */
export const makeZxingWasmDecoder = Effect.fn("ZxingWasmDecoder.make")(function* (
  options: ReaderOptions = stillImageOptions
) {
  const read = yield* loadZxingWasmReader()
  const decoder: BarcodeDecoder = {
    name: "zxing-wasm",
    decode: Effect.fn("ZxingWasmDecoder.decode")(function* (image: PixelImage) {
      const invalid = checkImage("zxing-wasm", image)
      if (invalid !== undefined) return yield* invalid
      const pixels = { data: expandToRgba(image), width: image.width, height: image.height }
      const results = yield* Effect.tryPromise({
        try: () => read(pixels, options),
        catch: (error) => new DecodeError({ decoder: "zxing-wasm", message: String(error) })
      })
      return results.flatMap(toDecodedBarcode)
    })
  }
  return decoder
})
