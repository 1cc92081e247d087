/** Picks a barcode decoder by name; zxing-wasm unless asked otherwise. */
import { Effect } from "effect"
import type { BarcodeDecoder, DecodeError } from "./BarcodeDecoder.ts"
import { makeZxingJsDecoder } from "./ZxingJsDecoder.ts"
import { makeZxingWasmDecoder } from "./ZxingWasmDecoder.ts"

export type DecoderName = BarcodeDecoder["name"]

export const makeDecoder = (name: DecoderName): Effect.Effect<BarcodeDecoder, DecodeError> =>
  name === "zxing-wasm" ? makeZxingWasmDecoder() : Effect.succeed(makeZxingJsDecoder())

/**
 * Chosen by `npx tsx bench/decode.ts` (14 noisy 1280x720 frames, 7 formats, upright and turned 90 degrees, 2 shared
 * cores under load):
 *   zxing-wasm  median 391.2 ms  p95  959.0 ms  decoded 14/14  (module load 72 ms, once per process)
 *   zxing-js    median 525.0 ms  p95 4919.0 ms  decoded  8/14
 * zxing-wasm reads every frame and is faster; zxing-js misses QR, Data Matrix and Code 128 in noise.
 */
export const defaultDecoder: DecoderName = "zxing-wasm"
