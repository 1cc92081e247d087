// Decode speed and hit rate of each BarcodeDecoder on the same 1280x720 camera-like frames, one barcode each.
// Run: npx tsx bench/decode.ts [framesPerFormat]
import { Effect } from "effect"
import type { BarcodeDecoder, PixelImage } from "../drivers/camera/BarcodeDecoder.ts"
import { makeZxingJsDecoder } from "../drivers/camera/ZxingJsDecoder.ts"
import { makeZxingWasmDecoder } from "../drivers/camera/ZxingWasmDecoder.ts"
import { sampleBarcodes, syntheticFrame } from "../fixtures/camera/syntheticFrame.ts"

const rotations = ["N", "R", "I", "L"] as const
const perFormat = Number(process.argv[2] ?? 2)

const frames: Array<{ readonly text: string; readonly image: PixelImage }> = []
for (const [index, barcode] of sampleBarcodes.entries()) {
  for (let turn = 0; turn < perFormat; turn++) {
    const rotate = rotations[turn % rotations.length]!
    frames.push({ text: barcode.text, image: await syntheticFrame({ ...barcode, rotate }, 1000 + index * 10 + turn) })
  }
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN

const measure = async (decoder: BarcodeDecoder) => {
  const times: Array<number> = []
  let decoded = 0
  for (const frame of frames) {
    const start = performance.now()
    const results = await Effect.runPromise(decoder.decode(frame.image))
    times.push(performance.now() - start)
    if (results.some((result) => result.text === frame.text)) decoded++
  }
  times.sort((a, b) => a - b)
  return { name: decoder.name, median: percentile(times, 50), p95: percentile(times, 95), decoded }
}

const loadStart = performance.now()
const wasm = await Effect.runPromise(makeZxingWasmDecoder())
console.log(`zxing-wasm module load: ${(performance.now() - loadStart).toFixed(0)} ms (once per process)`)
const results = [await measure(wasm), await measure(makeZxingJsDecoder())]
console.log(
  `${frames.length} frames, 1280x720, ${sampleBarcodes.length} formats, rotations ${rotations.slice(0, perFormat)}`
)
for (const r of results) {
  console.log(
    `${r.name.padEnd(10)} median ${r.median.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  decoded ${r.decoded}/${frames.length}`
  )
}
const best = [...results].sort((a, b) => b.decoded - a.decoded || a.median - b.median)[0]!
console.log(`default decoder by these figures: ${best.name}`)
