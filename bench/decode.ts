// Camera decoding: time per 1280x720 frame (median and p90) before and after the camera's reading plan, frames until
// a held code is read, and the decode rate per image set of our generated sets (fixtures/scan/imageSets.ts). Prints
// figures, asserts nothing (the floors are asserted in drivers/camera/CameraReading.test.ts).
// With --zxing-cpp-samples it also reads zxing-cpp's blackbox image sets as zxing-cpp's own test runner does and
// prints, per folder and rotation, what the camera and plain zxing-wasm read against zxing-cpp's own minimum.
// Run: npm run bench:decode -- [--frames-per-format N] [--samples DIR] [--zxing-cpp-samples DIR [--runner FILE]]
//   --samples DIR   image sets on disk instead (<set>/<image>.png|.jpg + <image>.txt, as imageSets.ts --out writes)
//   --zxing-cpp-samples DIR   a zxing-cpp checkout (or its test/samples); --runner: its BlackboxTestRunner.cpp
//   --blackbox-only           skip the generated image sets (sections 1 and 2, the 1280x720 figures, still run)
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { extname, join } from "node:path"
import { Effect } from "effect"
import {
  type CameraPass,
  cameraFormats,
  cameraPasses,
  cropToRegionOfInterest,
  halveImage,
  type RgbaImage,
  readCameraFrame
} from "../core/decode/readCameraFrame.ts"
import type { PixelImage } from "../drivers/camera/BarcodeDecoder.ts"
import { loadImage } from "../drivers/camera/loadImage.ts"
import { expandToRgba, loadZxingWasmReader } from "../drivers/camera/ZxingWasmDecoder.ts"
import { sampleBarcodes, syntheticFrame } from "../fixtures/camera/syntheticFrame.ts"
import { imageSets } from "../fixtures/scan/imageSets.ts"
import { judge, loadFolder, parseRunner, rotateClockwise } from "./zxingCppBlackbox.ts"

const flag = (name: string) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}
const perFormat = Number(flag("--frames-per-format") ?? 4)
const samplesDir = flag("--samples")
const zxingCppSamples = flag("--zxing-cpp-samples")
const runnerFile = flag("--runner")
const blackboxOnly = process.argv.includes("--blackbox-only")
const rotations = ["N", "R", "I", "L"] as const

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
const ms = (value: number) => value.toFixed(1).padStart(6)

const loadStart = performance.now()
const read = await Effect.runPromise(loadZxingWasmReader())
console.log(
  `zxing-wasm module load: ${(performance.now() - loadStart).toFixed(0)} ms (once per process, and per worker)`
)

/**
 * The camera as it read frames before the plan of core/decode/readCameraFrame.ts: the same crop, all twelve formats
 * on every frame, the local-average binarizer, tryHarder off but on every third frame.
 */
const previousPasses = {
  quick: {
    formats: [...cameraFormats],
    tryHarder: false,
    tryRotate: true,
    tryInvert: false,
    tryDownscale: true,
    maxNumberOfSymbols: 1,
    textMode: "Plain"
  },
  thorough: { ...cameraPasses.thorough.options }
}

/** How a frame was decoded in each variant compared: returns the texts read. */
type Variant = {
  readonly name: string
  readonly decode: (frame: RgbaImage, frameNumber: number) => Promise<ReadonlyArray<string>>
}
const texts = (results: ReadonlyArray<{ readonly isValid: boolean; readonly text: string }>) =>
  results.filter((result) => result.isValid).map((result) => result.text)
const variants: ReadonlyArray<Variant> = [
  {
    name: "before: readBarcodes, zxing-wasm defaults, whole frame",
    decode: async (frame) => texts(await read(frame, {}))
  },
  {
    name: "before: previous camera plan (crop, 12 formats, 2 passes)",
    decode: async (frame, n) =>
      texts(await read(cropToRegionOfInterest(frame), n % 3 === 2 ? previousPasses.thorough : previousPasses.quick))
  },
  {
    name: "after: readCameraFrame (crop, glance, quick/thorough)",
    decode: async (frame, n) => texts((await readCameraFrame(cropToRegionOfInterest(frame), n, read)).symbols)
  }
]

/** The packer's code in the marked region of a 1280x720 frame: a noisy 896x504 scene centred in grey. */
const cameraFrame = async (
  barcode: (typeof sampleBarcodes)[number],
  rotate: (typeof rotations)[number],
  seed: number
): Promise<RgbaImage> => {
  const scene = await syntheticFrame({ ...barcode, rotate }, seed, 896, 504)
  const data = new Uint8ClampedArray(1280 * 720 * 4).fill(128)
  for (let y = 0; y < 504; y++) {
    data.set(scene.data.subarray(y * 896 * 4, (y + 1) * 896 * 4), ((108 + y) * 1280 + 192) * 4)
  }
  return { width: 1280, height: 720, data }
}

/**
 * No code in view, as a camera pointed at an empty bench sees it: grey with sensor noise of `amplitude` grey levels
 * (a webcam's is a few; the code frames' scenes use 70, far harsher, and noise is what the detectors chew on when
 * there is no code to stop them). This is what every idle frame costs.
 */
const emptyFrame = (seed: number, amplitude: number): RgbaImage => {
  const data = new Uint8ClampedArray(1280 * 720 * 4)
  let state = seed
  for (let i = 0; i < data.length; i += 4) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    const grey = 150 + Math.floor((state / 4_294_967_296) * amplitude)
    data[i] = grey
    data[i + 1] = grey
    data[i + 2] = grey
    data[i + 3] = 255
  }
  return { width: 1280, height: 720, data }
}

// 1. One frame per code, each variant decoding the frames in turn as a camera would (frame 0, 1, 2, ...).
const frames: Array<{ readonly text: string; readonly image: RgbaImage }> = []
for (const [index, barcode] of sampleBarcodes.entries()) {
  for (let turn = 0; turn < perFormat; turn++) {
    const rotate = rotations[turn % rotations.length]!
    frames.push({ text: barcode.text, image: await cameraFrame(barcode, rotate, 1000 + index * 100 + turn * 10) })
  }
}
const idleMild = Array.from({ length: 9 }, (_, i) => emptyFrame(7000 + i, 10))
const idleHarsh = Array.from({ length: 9 }, (_, i) => emptyFrame(8000 + i, 70))

console.log(
  `\n1280x720 frames: ${frames.length} with a code (${sampleBarcodes.length} formats x ${perFormat} turns), ` +
    `${idleMild.length} + ${idleHarsh.length} without`
)
console.log(
  `  ${"variant".padEnd(58)} ${"median".padStart(6)} ${"p90".padStart(6)}  read    ` +
    `${"idle, noise 10".padStart(14)} ${"p90".padStart(6)}  ${"idle, noise 70".padStart(14)} ${"p90".padStart(6)}`
)
for (const variant of variants) {
  const times: Array<number> = []
  let readCount = 0
  for (const [n, frame] of frames.entries()) {
    const start = performance.now()
    const found = await variant.decode(frame.image, n)
    times.push(performance.now() - start)
    if (found.includes(frame.text)) readCount++
  }
  const idleTimes = async (idle: ReadonlyArray<RgbaImage>) => {
    const idleMs: Array<number> = []
    for (const [n, frame] of idle.entries()) {
      const start = performance.now()
      await variant.decode(frame, n)
      idleMs.push(performance.now() - start)
    }
    return `${ms(percentile(idleMs, 50)).padStart(14)} ${ms(percentile(idleMs, 90))}`
  }
  console.log(
    `  ${variant.name.padEnd(58)} ${ms(percentile(times, 50))} ${ms(percentile(times, 90))}  ` +
      `${`${readCount}/${frames.length}`.padEnd(6)}  ${await idleTimes(idleMild)}  ${await idleTimes(idleHarsh)}`
  )
}
console.log(
  "  ms per frame, crop included (median, p90); read: frames whose code was read in that one frame; idle: frames\n" +
    "  with no code (the plan runs every pass it has), grey with sensor noise of 10 or 70 grey levels"
)

// 2. A held code: frame after frame (new noise and position each time) until the plan reads it.
const maxFrames = 9
const framesToRead: Array<number> = []
const passes = new Map<string, number>()
let notRead = 0
for (const [index, barcode] of sampleBarcodes.entries()) {
  for (let turn = 0; turn < perFormat; turn++) {
    const rotate = rotations[turn % rotations.length]!
    let readAt: number | undefined
    for (let n = 0; n < maxFrames && readAt === undefined; n++) {
      const frame = await cameraFrame(barcode, rotate, 1000 + index * 100 + turn * 10 + n)
      const result = await readCameraFrame(cropToRegionOfInterest(frame), n, read)
      if (result.symbols.some((symbol) => symbol.text === barcode.text)) {
        readAt = n + 1
        passes.set(result.pass!, (passes.get(result.pass!) ?? 0) + 1)
      }
    }
    if (readAt === undefined) notRead++
    else framesToRead.push(readAt)
  }
}
const held = sampleBarcodes.length * perFormat
console.log(
  `\nheld codes (after): read ${held - notRead}/${held} within ${maxFrames} frames; frames to read: median ${percentile(framesToRead, 50)}, ` +
    `first frame ${framesToRead.filter((n) => n === 1).length}, within 3 frames ${framesToRead.filter((n) => n <= 3).length}; ` +
    `by pass: ${[...passes].map(([pass, count]) => `${pass} ${count}`).join(", ")}`
)

// 3. Image sets: each image as the region the code is held in; the camera reads it when any of its passes does.
const generatedSets = async () => {
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
  const rgba = (image: PixelImage): RgbaImage => ({
    width: image.width,
    height: image.height,
    data: expandToRgba(image)
  })
  const readBy = async (pass: CameraPass, image: RgbaImage) =>
    texts(await read(pass.scale === 2 ? halveImage(image) : image, pass.options))
  const allPasses = [cameraPasses.glance, cameraPasses.quick, cameraPasses.thorough]
  console.log(`\nimage sets from ${samplesDir ?? "fixtures/scan/imageSets.ts (generated)"}: ${samples.length} images`)
  console.log(
    `  ${"set".padEnd(15)} ${"images".padStart(6)} ${"glance".padStart(6)} ${"quick".padStart(6)} ${"thorough".padStart(8)} ${"after".padStart(6)} ${"before".padStart(6)} ${"all-fmt".padStart(7)}  ${"rate".padStart(6)}  ${"quick ms".padStart(8)}`
  )
  const sets = [...new Set(samples.map((sample) => sample.set))]
  const total = { images: 0, glance: 0, quick: 0, thorough: 0, after: 0, before: 0, all: 0 }
  const quickTimes: Array<number> = []
  for (const set of sets) {
    const inSet = samples.filter((sample) => sample.set === set)
    const count = { glance: 0, quick: 0, thorough: 0, after: 0, before: 0, all: 0 }
    const setTimes: Array<number> = []
    for (const sample of inSet) {
      const image = rgba(sample.image)
      const byPass: Array<boolean> = []
      for (const pass of allPasses) {
        const start = performance.now()
        byPass.push((await readBy(pass, image)).includes(sample.expected))
        if (pass === cameraPasses.quick) setTimes.push(performance.now() - start)
      }
      if (byPass[0]) count.glance++
      if (byPass[1]) count.quick++
      if (byPass[2]) count.thorough++
      if (byPass.some(Boolean)) count.after++
      const before =
        texts(await read(image, previousPasses.quick)).includes(sample.expected) ||
        texts(await read(image, previousPasses.thorough)).includes(sample.expected)
      if (before) count.before++
      if (texts(await read(image, { tryHarder: true, textMode: "Plain" })).includes(sample.expected)) count.all++
    }
    quickTimes.push(...setTimes)
    total.images += inSet.length
    for (const key of ["glance", "quick", "thorough", "after", "before", "all"] as const) total[key] += count[key]
    console.log(
      `  ${set.padEnd(15)} ${String(inSet.length).padStart(6)} ${String(count.glance).padStart(6)} ${String(count.quick).padStart(6)} ${String(count.thorough).padStart(8)} ${String(count.after).padStart(6)} ${String(count.before).padStart(6)} ${String(count.all).padStart(7)}  ${`${((100 * count.after) / inSet.length).toFixed(0)} %`.padStart(6)}  ${ms(percentile(setTimes, 50)).padStart(8)}`
    )
  }
  console.log(
    `  ${"total".padEnd(15)} ${String(total.images).padStart(6)} ${String(total.glance).padStart(6)} ${String(total.quick).padStart(6)} ${String(total.thorough).padStart(8)} ${String(total.after).padStart(6)} ${String(total.before).padStart(6)} ${String(total.all).padStart(7)}  ${`${((100 * total.after) / total.images).toFixed(0)} %`.padStart(6)}  ${ms(percentile(quickTimes, 50)).padStart(8)}`
  )
  console.log(
    "  glance/quick/thorough: the camera's passes; after: read by any (a held code meets them all within 3 frames);\n" +
      "  before: the previous plan's two passes; all-fmt: every format, tryHarder; rate: after / images;\n" +
      "  quick ms: median time of the quick pass per image"
  )
}
if (!blackboxOnly) await generatedSets()

// 4. zxing-cpp's blackbox image sets, read as its test runner reads them: every image of a folder, turned by each
// rotation the runner lists for it; a read counts when the format (or symbology) and the exact text of the .txt
// (or the bytes of the .bin) match, a wrong read is a miss. zxing-cpp's own rate is the runner's minimum for the
// folder and rotation: fast (tryHarder off) and slow (tryHarder, tryRotate, tryInvert on); we reach it when the
// camera reads at least the larger of the two.
/** The runner's formats the station reads (core/decode/readCameraFrame.ts cameraFormats); None: false positives. */
const stationFormats = new Set([
  "EAN13",
  "EAN8",
  "UPCA",
  "UPCE",
  "Code128",
  "Code39",
  "Code39Ext",
  "ITF",
  "QRCode",
  "DataMatrix",
  "PDF417",
  "DataBar",
  "DataBarOmni",
  "DataBarStk",
  "DataBarLtd",
  "DataBarExp",
  "DataBarExpStk",
  "None"
])
const blackbox = async (checkout: string) => {
  const samples = existsSync(join(checkout, "test", "samples")) ? join(checkout, "test", "samples") : checkout
  const runnerPath = runnerFile ?? join(checkout, "test", "blackbox", "BlackboxTestRunner.cpp")
  if (!existsSync(runnerPath)) throw new Error(`no runner at ${runnerPath}: pass --runner FILE`)
  const folders = parseRunner(readFileSync(runnerPath, "utf8"))
  console.log(`\nzxing-cpp blackbox sets from ${samples} (minimums from ${runnerPath})`)
  const skipped = folders.filter((folder) => !stationFormats.has(folder.format))
  console.log(`  not read by the station, skipped: ${skipped.map((folder) => folder.folder).join(", ")}`)
  const header =
    `  ${"folder @ rotation".padEnd(27)} ${"images".padStart(6)} ${"cam@1".padStart(5)} ${"cam@3".padStart(5)} ` +
    `${"wrong".padStart(5)} ${"plain".padStart(5)} ${"wrong".padStart(5)} ${"cpp fast".padStart(8)} ` +
    `${"cpp slow".padStart(8)}  reached  ${"cam ms".padStart(6)} ${"cam@3 ms".padStart(8)} ${"plain ms".padStart(8)}`
  console.log(header)
  const total = {
    images: 0,
    cam1: 0,
    cam3: 0,
    plain: 0,
    required: 0,
    rows: 0,
    reached: 0,
    firstFrameReached: 0,
    plainReached: 0
  }
  /** A median, or "-" where no image took that path (every image read on the first frame). */
  const median = (values: ReadonlyArray<number>) => (values.length === 0 ? "-".padStart(6) : ms(percentile(values, 50)))
  const camTimes: Array<number> = []
  const thoroughTimes: Array<number> = []
  const plainTimes: Array<number> = []
  const missedByUs: Array<string> = []
  for (const folder of folders.filter((entry) => stationFormats.has(entry.format))) {
    const dir = join(samples, folder.folder)
    if (!existsSync(dir)) {
      console.log(`  ${folder.folder}: no such folder in ${samples}`)
      continue
    }
    if (/eanAddOnSymbol/.test(folder.options)) {
      console.log(`  ${folder.folder}: skipped, the runner requires the EAN add-on (the station ignores add-ons)`)
      continue
    }
    const images = await loadFolder(dir)
    if (images.length !== folder.images) {
      console.log(`  ${folder.folder}: ${images.length} images on disk, the runner expects ${folder.images}`)
    }
    for (const { rotation, fast, slow } of folder.rotations) {
      const count = { cam1: 0, cam3: 0, camWrong: 0, plain: 0, plainWrong: 0 }
      const rowCam: Array<number> = []
      const rowThorough: Array<number> = []
      const rowPlain: Array<number> = []
      for (const sample of images) {
        const image = rotateClockwise(sample.image, rotation)
        // The camera's plan as a held code meets it: frame 0 (glance, quick), and frame 2 (glance, thorough).
        let start = performance.now()
        const first = await readCameraFrame(image, 0, read)
        rowCam.push(performance.now() - start)
        let verdict = judge(first.symbols, folder.format, sample.expected)
        if (verdict === "read") count.cam1++
        else {
          start = performance.now()
          const third = await readCameraFrame(image, 2, read)
          rowThorough.push(performance.now() - start)
          if (third.symbols.length > 0) verdict = judge(third.symbols, folder.format, sample.expected)
        }
        if (verdict === "read") count.cam3++
        if (verdict === "misread") count.camWrong++
        start = performance.now()
        const plain = judge(await read(image, { textMode: "Plain" }), folder.format, sample.expected)
        rowPlain.push(performance.now() - start)
        if (plain === "read") count.plain++
        if (plain === "misread") count.plainWrong++
        if (plain === "read" && verdict !== "read") missedByUs.push(`${folder.folder}/${sample.name}@${rotation}`)
      }
      const required = Math.max(fast, slow)
      const reached = count.cam3 >= required
      total.images += images.length
      total.cam1 += count.cam1
      total.cam3 += count.cam3
      total.plain += count.plain
      total.required += required
      total.rows++
      if (reached) total.reached++
      if (count.cam1 >= required) total.firstFrameReached++
      if (count.plain >= required) total.plainReached++
      camTimes.push(...rowCam)
      thoroughTimes.push(...rowThorough)
      plainTimes.push(...rowPlain)
      console.log(
        `  ${`${folder.folder} @ ${rotation}`.padEnd(27)} ${String(images.length).padStart(6)} ` +
          `${String(count.cam1).padStart(5)} ${String(count.cam3).padStart(5)} ${String(count.camWrong).padStart(5)} ` +
          `${String(count.plain).padStart(5)} ${String(count.plainWrong).padStart(5)} ${String(fast).padStart(8)} ` +
          `${String(slow).padStart(8)}  ${(reached ? "yes" : "NO").padEnd(7)}  ${median(rowCam)} ` +
          `${median(rowThorough).padStart(8)} ${median(rowPlain).padStart(8)}`
      )
    }
  }
  console.log(
    `  ${"total".padEnd(27)} ${String(total.images).padStart(6)} ${String(total.cam1).padStart(5)} ` +
      `${String(total.cam3).padStart(5)} ${"".padStart(5)} ${String(total.plain).padStart(5)} ${"".padStart(5)} ` +
      `${"".padStart(8)} ${String(total.required).padStart(8)}  ${`${total.reached}/${total.rows}`.padEnd(7)}  ` +
      `${median(camTimes)} ${median(thoroughTimes).padStart(8)} ${median(plainTimes).padStart(8)}`
  )
  console.log(
    `  zxing-cpp's minimum reached: camera within three frames in ${total.reached}/${total.rows} rows, on the first ` +
      `frame in ${total.firstFrameReached}/${total.rows}, plain zxing-wasm in ${total.plainReached}/${total.rows}\n` +
      "  cam@1: read by readCameraFrame on the camera's first frame (glance, quick); cam@3: within three frames (the\n" +
      "  third adds the thorough pass); wrong: a valid read with another text or format (a miss); plain: zxing-wasm\n" +
      "  readBarcodes on the whole image, its defaults but plain text; cpp fast/slow: the runner's minimum for\n" +
      "  zxing-cpp itself; reached: cam@3 >= the larger minimum (total: their sum); ms: median per image (cam: the\n" +
      "  first frame, cam@3: the thorough frame where the first missed, plain: readBarcodes); images are read whole,\n" +
      "  as the region the code is held in (no crop)"
  )
  if (missedByUs.length > 0) console.log(`  read by plain zxing-wasm, missed by the camera: ${missedByUs.join(", ")}`)
}
if (zxingCppSamples !== undefined) await blackbox(zxingCppSamples)
