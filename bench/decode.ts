// Camera decoding: time per 1280x720 frame and frames until a held code is read, and the decode rate and time per
// image set of our generated sets (fixtures/scan/imageSets.ts). Prints figures, asserts nothing (the floors are
// asserted in drivers/camera/CameraReading.test.ts).
// Run: npm run bench:decode -- [--frames-per-format N] [--samples DIR]
//   --samples DIR   image sets on disk instead (<set>/<image>.png|.jpg + <image>.txt, as imageSets.ts --out writes)
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { extname, join } from "node:path"
import { Effect } from "effect"
import type { ReaderOptions } from "zxing-wasm/reader"
import type { BarcodeDecoder, PixelImage } from "../drivers/camera/BarcodeDecoder.ts"
import { loadImage } from "../drivers/camera/loadImage.ts"
import { makeZxingJsDecoder } from "../drivers/camera/ZxingJsDecoder.ts"
import { makeZxingWasmDecoder, stillImageOptions } from "../drivers/camera/ZxingWasmDecoder.ts"
import { sampleBarcodes, syntheticFrame } from "../fixtures/camera/syntheticFrame.ts"
import { imageSets } from "../fixtures/scan/imageSets.ts"
import { cameraPasses, cameraReaderOptionsFor, regionOfInterestIn } from "../renderer/src/camera/cameraReading.ts"

const flag = (name: string) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}
const perFormat = Number(flag("--frames-per-format") ?? 4)
const samplesDir = flag("--samples")
const rotations = ["N", "R", "I", "L"] as const

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

/** The camera's crop of a frame (renderer/src/camera: the middle the preview marks), as the worker receives it. */
const cropToRegion = (image: PixelImage): PixelImage => {
  const region = regionOfInterestIn(image.width, image.height)
  const data = new Uint8ClampedArray(region.width * region.height * 4)
  for (let y = 0; y < region.height; y++) {
    const from = ((region.top + y) * image.width + region.left) * 4
    data.set(image.data.subarray(from, from + region.width * 4), y * region.width * 4)
  }
  return { width: region.width, height: region.height, channels: 4, data }
}

const timeDecode = async (decoder: BarcodeDecoder, image: PixelImage, crop: boolean) => {
  const start = performance.now()
  const input = crop ? cropToRegion(image) : image
  const results = await Effect.runPromise(decoder.decode(input))
  return { ms: performance.now() - start, texts: results.map((result) => result.text) }
}

const loadStart = performance.now()
const quick = await Effect.runPromise(makeZxingWasmDecoder(cameraPasses.quick as unknown as ReaderOptions))
const thorough = await Effect.runPromise(makeZxingWasmDecoder(cameraPasses.thorough as unknown as ReaderOptions))
const still = await Effect.runPromise(makeZxingWasmDecoder({ ...stillImageOptions, textMode: "Plain" }))
const zxingJs = makeZxingJsDecoder()
console.log(
  `zxing-wasm module load: ${(performance.now() - loadStart).toFixed(0)} ms (once per process, and per worker)`
)

/** The packer's code in the marked region of a 1280x720 frame: a noisy 896x504 scene centred in grey. */
const cameraFrame = async (
  barcode: (typeof sampleBarcodes)[number],
  rotate: (typeof rotations)[number],
  seed: number
) => {
  const scene = await syntheticFrame({ ...barcode, rotate }, seed, 896, 504)
  const data = new Uint8ClampedArray(1280 * 720 * 4).fill(128)
  for (let y = 0; y < 504; y++) {
    data.set(scene.data.subarray(y * 896 * 4, (y + 1) * 896 * 4), ((108 + y) * 1280 + 192) * 4)
  }
  const frame: PixelImage = { width: 1280, height: 720, channels: 4, data }
  return frame
}

// 1. The camera: each format held up, upright and turned, frame after frame (new noise and position each frame)
// until it is read, decoded as the worker does (region of interest, quick pass, every third frame thorough).
const maxFrames = 9
const perFrame: Array<number> = []
const framesToRead: Array<number> = []
let notRead = 0
for (const [index, barcode] of sampleBarcodes.entries()) {
  for (let turn = 0; turn < perFormat; turn++) {
    const rotate = rotations[turn % rotations.length]!
    let read = false
    for (let frameNumber = 0; frameNumber < maxFrames && !read; frameNumber++) {
      const frame = await cameraFrame(barcode, rotate, 1000 + index * 100 + turn * 10 + frameNumber)
      const decoder = cameraReaderOptionsFor(frameNumber) === cameraPasses.thorough ? thorough : quick
      const { ms, texts } = await timeDecode(decoder, frame, true)
      perFrame.push(ms)
      if (texts.includes(barcode.text)) {
        read = true
        framesToRead.push(frameNumber + 1)
      }
    }
    if (!read) notRead++
  }
}
const held = sampleBarcodes.length * perFormat
console.log(`\ncamera, 1280x720 frames, ${sampleBarcodes.length} formats x ${perFormat} rotations (N R I L) held up:`)
console.log(
  `  per frame: median ${percentile(perFrame, 50).toFixed(1)} ms, p95 ${percentile(perFrame, 95).toFixed(1)} ms over ${perFrame.length} frames (crop + decode)`
)
console.log(
  `  read ${held - notRead}/${held} codes within ${maxFrames} frames; frames to read: median ${percentile(framesToRead, 50)}, ` +
    `read in the first frame ${framesToRead.filter((n) => n === 1).length}, within 3 frames ${framesToRead.filter((n) => n <= 3).length}`
)

// For comparison: one frame each, whole frame, per decoder.
const frames: Array<{ readonly text: string; readonly image: PixelImage }> = []
for (const [index, barcode] of sampleBarcodes.entries()) {
  for (let turn = 0; turn < perFormat; turn++) {
    const rotate = rotations[turn % rotations.length]!
    frames.push({ text: barcode.text, image: await cameraFrame(barcode, rotate, 1000 + index * 100 + turn * 10) })
  }
}
const frameRuns = [
  { name: "zxing-wasm quick pass, region of interest", decoder: quick, crop: true },
  { name: "zxing-wasm thorough pass, region of interest", decoder: thorough, crop: true },
  { name: "zxing-wasm all formats, whole frame (packbench decode)", decoder: still, crop: false },
  { name: "@zxing/library (zxing-js), whole frame", decoder: zxingJs, crop: false }
]
console.log(`\none frame each, ${frames.length} frames:`)
for (const run of frameRuns) {
  const times: Array<number> = []
  let read = 0
  for (const frame of frames) {
    const { ms, texts } = await timeDecode(run.decoder, frame.image, run.crop)
    times.push(ms)
    if (texts.includes(frame.text)) read++
  }
  console.log(
    `  ${run.name.padEnd(54)} median ${percentile(times, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(times, 95).toFixed(1).padStart(6)} ms  read ${read}/${frames.length}`
  )
}

// 2. Image sets: each image as the region the code is held in; the camera reads it when either pass does.
/** The camera reads plain text (FNC1 as GS), as the sets' texts are written. */
const matches = (texts: ReadonlyArray<string>, expected: string) => texts.includes(expected)

/** Every PNG or JPEG with a `<name>.txt` beside it in `<dir>/<set>/`, in name order. */
const samplesOnDisk = async (dir: string) => {
  const found: Array<{ readonly set: string; readonly expected: string; readonly image: PixelImage }> = []
  for (const set of readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const name of readdirSync(join(dir, set.name)).sort()) {
      if (![".png", ".jpg", ".jpeg"].includes(extname(name).toLowerCase())) continue
      const text = join(dir, set.name, `${name.slice(0, -extname(name).length)}.txt`)
      if (!existsSync(text)) continue
      const image = await Effect.runPromise(loadImage(readFileSync(join(dir, set.name, name))))
      found.push({ set: set.name, expected: readFileSync(text, "utf8"), image })
    }
  }
  return found
}

const samples = samplesDir === undefined ? await imageSets() : await samplesOnDisk(samplesDir)
console.log(`\nimage sets from ${samplesDir ?? "fixtures/scan/imageSets.ts (generated)"}: ${samples.length} images`)
console.log(
  `  ${"set".padEnd(15)} ${"images".padStart(6)} ${"quick".padStart(6)} ${"thorough".padStart(8)} ${"camera".padStart(6)} ${"rate".padStart(6)} ${"all-fmt".padStart(7)}  ${"quick ms".padStart(8)} ${"thorough ms".padStart(11)}`
)
const sets = [...new Set(samples.map((sample) => sample.set))]
const total = { images: 0, quick: 0, thorough: 0, camera: 0, still: 0 }
const allQuick: Array<number> = []
const allThorough: Array<number> = []
for (const set of sets) {
  const inSet = samples.filter((sample) => sample.set === set)
  const quickTimes: Array<number> = []
  const thoroughTimes: Array<number> = []
  const count = { quick: 0, thorough: 0, camera: 0, still: 0 }
  for (const sample of inSet) {
    const image = sample.image
    const quickRun = await timeDecode(quick, image, false)
    const thoroughRun = await timeDecode(thorough, image, false)
    quickTimes.push(quickRun.ms)
    thoroughTimes.push(thoroughRun.ms)
    const quickRead = matches(quickRun.texts, sample.expected)
    const thoroughRead = matches(thoroughRun.texts, sample.expected)
    if (quickRead) count.quick++
    if (thoroughRead) count.thorough++
    if (quickRead || thoroughRead) count.camera++
    if (matches((await timeDecode(still, image, false)).texts, sample.expected)) count.still++
  }
  allQuick.push(...quickTimes)
  allThorough.push(...thoroughTimes)
  total.images += inSet.length
  total.quick += count.quick
  total.thorough += count.thorough
  total.camera += count.camera
  total.still += count.still
  const rate = `${((100 * count.camera) / inSet.length).toFixed(0)} %`
  console.log(
    `  ${set.padEnd(15)} ${String(inSet.length).padStart(6)} ${String(count.quick).padStart(6)} ${String(count.thorough).padStart(8)} ${String(count.camera).padStart(6)} ${rate.padStart(6)} ${String(count.still).padStart(7)}  ${percentile(quickTimes, 50).toFixed(1).padStart(8)} ${percentile(thoroughTimes, 50).toFixed(1).padStart(11)}`
  )
}
console.log(
  `  ${"total".padEnd(15)} ${String(total.images).padStart(6)} ${String(total.quick).padStart(6)} ${String(total.thorough).padStart(8)} ${String(total.camera).padStart(6)} ${`${((100 * total.camera) / total.images).toFixed(0)} %`.padStart(6)} ${String(total.still).padStart(7)}  ${percentile(allQuick, 50).toFixed(1).padStart(8)} ${percentile(allThorough, 50).toFixed(1).padStart(11)}`
)
console.log(
  "  quick/thorough: the camera's two passes; camera: read by either (a held code gets both within 3 frames);\n" +
    "  rate: camera / images; all-fmt: every format, tryHarder (packbench decode); ms: median decode time per image"
)
