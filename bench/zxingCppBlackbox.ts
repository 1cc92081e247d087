// The zxing-cpp project's blackbox image sets for bench/decode.ts: reads the per-folder minimums from zxing-cpp's own
// test runner (test/blackbox/BlackboxTestRunner.cpp), loads a folder's images (PNG, JPEG, WebP via Debian's dwebp) and
// their expected results, and turns an image as the runner does. Nothing of zxing-cpp is in this repository: the user
// points the bench at a checkout of https://github.com/zxing-cpp/zxing-cpp (Apache-2.0) they fetched themselves.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { extname, join } from "node:path"
import { Effect } from "effect"
import { loadImage } from "../drivers/camera/loadImage.ts"

/** One rotation of one folder in the runner: the images zxing-cpp must read fast (no tryHarder) and slow (tryHarder). */
export interface RunnerRotation {
  readonly rotation: 0 | 90 | 180 | 270
  readonly fast: number
  readonly slow: number
}

/** One `runTests("<folder>", <format>, <images>, { ... }[, ReaderOptions()...])` of the runner. */
export interface RunnerFolder {
  readonly folder: string
  readonly format: string
  readonly images: number
  readonly rotations: ReadonlyArray<RunnerRotation>
  /** The runner's extra ReaderOptions for the folder, as written (e.g. `.eanAddOnSymbol(EanAddOnSymbol::Require)`). */
  readonly options: string
}

/**
 * The folders the runner tests one image at a time, from its source text. Rows `{ fast, slow, rotation }` and
 * `{ fast, slow, maxMisreadsFast, maxMisreadsSlow, rotation }` are kept; `pure` rows (synthetic, perfectly aligned
 * images with a fixed threshold) are not what a camera sees and are left out. Structured-append tests are another
 * function (runStructuredAppendTest) and not matched.
 */
export const parseRunner = (source: string): ReadonlyArray<RunnerFolder> => {
  const folders: Array<RunnerFolder> = []
  const call =
    /runTests\(\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(\d+)\s*,\s*\{([\s\S]*?)\}\s*(?:,\s*(ReaderOptions\(\)[^;]*?))?\s*\);/g
  for (const match of source.matchAll(call)) {
    const [, folder, format, images, rows, options] = match
    const rotations: Array<RunnerRotation> = []
    for (const row of rows!.matchAll(/\{\s*(\d+)\s*,\s*(\d+)\s*,\s*(?:\d+\s*,\s*\d+\s*,\s*)?(\d+)\s*\}/g)) {
      const rotation = Number(row[3])
      if (rotation !== 0 && rotation !== 90 && rotation !== 180 && rotation !== 270) {
        throw new Error(`runner: ${folder} has a rotation of ${row[3]} degrees`)
      }
      rotations.push({ rotation, fast: Number(row[1]), slow: Number(row[2]) })
    }
    folders.push({ folder: folder!, format: format!, images: Number(images), rotations, options: options ?? "" })
  }
  if (folders.length === 0) throw new Error("runner: no runTests(...) call found; is this BlackboxTestRunner.cpp?")
  return folders
}

/** RGBA pixels, as readCameraFrame and zxing-wasm read them. */
export interface Rgba {
  readonly width: number
  readonly height: number
  readonly data: Uint8ClampedArray
}

/** A WebP file as RGBA, through Debian's `dwebp` (package `webp`) writing PAM to stdout. */
const loadWebp = (file: string): Rgba => {
  let pam: Buffer
  try {
    pam = execFileSync("dwebp", [file, "-pam", "-o", "-"], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 })
  } catch (error) {
    throw new Error(
      `cannot decode ${file} with dwebp (install Debian's "webp" package: apt-get install webp): ${String(error)}`
    )
  }
  const end = pam.indexOf("ENDHDR\n")
  if (end === -1) throw new Error(`dwebp wrote no PAM header for ${file}`)
  const header = pam.subarray(0, end).toString("latin1")
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(header)?.[1])
  const width = field("WIDTH")
  const height = field("HEIGHT")
  const depth = field("DEPTH")
  const pixels = pam.subarray(end + "ENDHDR\n".length)
  if (!(width > 0 && height > 0 && depth === 4 && pixels.length === width * height * 4)) {
    throw new Error(`dwebp wrote an unexpected PAM for ${file}: ${header.replaceAll("\n", " ")}`)
  }
  return { width, height, data: new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.length) }
}

/** One image of a folder with what the runner expects of it: the exact text (`.txt`) or bytes (`.bin`). */
export interface BlackboxImage {
  readonly name: string
  readonly image: Rgba
  readonly expected: { readonly text: string } | { readonly bytes: Uint8Array } | undefined
}

/** The image extensions the runner reads; .pgm and .gif are listed for completeness and refused when met. */
const runnerExtensions = [".webp", ".png", ".jpg", ".pgm", ".gif"]

/** Every image the runner would test in `dir`, with its expected result (undefined: the runner counts it a misread). */
export const loadFolder = async (dir: string): Promise<ReadonlyArray<BlackboxImage>> => {
  const found: Array<BlackboxImage> = []
  for (const name of readdirSync(dir).sort()) {
    const extension = extname(name).toLowerCase()
    if (!runnerExtensions.includes(extension)) continue
    const file = join(dir, name)
    const stem = file.slice(0, -extension.length)
    let image: Rgba
    if (extension === ".webp") image = loadWebp(file)
    else if (extension === ".png" || extension === ".jpg") {
      const loaded = await Effect.runPromise(loadImage(readFileSync(file)))
      if (loaded.channels !== 4) throw new Error(`${file}: expected RGBA pixels, got ${loaded.channels} channels`)
      const data = loaded.data
      image = {
        width: loaded.width,
        height: loaded.height,
        data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength)
      }
    } else throw new Error(`${file}: ${extension} images are not supported by this bench`)
    const expected = existsSync(`${stem}.txt`)
      ? { text: readFileSync(`${stem}.txt`, "utf8") }
      : existsSync(`${stem}.bin`)
        ? { bytes: new Uint8Array(readFileSync(`${stem}.bin`)) }
        : undefined
    found.push({ name, image, expected })
  }
  return found
}

/** The image turned `degrees` clockwise, as the runner's ImageView::rotated does. */
export const rotateClockwise = (image: Rgba, degrees: 0 | 90 | 180 | 270): Rgba => {
  if (degrees === 0) return image
  const { width, height, data } = image
  const turned = degrees === 180 ? { width, height } : { width: height, height: width }
  const out = new Uint32Array(turned.width * turned.height)
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice()
  const source = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const target =
        degrees === 90
          ? x * turned.width + (height - 1 - y)
          : degrees === 180
            ? (height - 1 - y) * width + (width - 1 - x)
            : (width - 1 - x) * turned.width + y
      out[target] = source[y * width + x]!
    }
  }
  return { ...turned, data: new Uint8ClampedArray(out.buffer) }
}

/**
 * The formats that name the runner's `format`: itself, and for UPC-A also EAN-13. The runner reads its UPC-A folders
 * with UPC-A alone enabled; with EAN-13 enabled too (as on the station's camera) zxing-cpp names the same symbol EAN-13,
 * with the same 13 digits in the .txt, so that read counts.
 */
const namesOf = (format: string) => (format === "UPCA" ? [format, "EAN13"] : [format])

/** What a reader gave for an image, judged as the runner judges it (format or symbology, then the exact content). */
export const judge = (
  results: ReadonlyArray<{
    readonly isValid: boolean
    readonly format: string
    readonly symbology: string
    readonly text: string
    readonly bytes: Uint8Array
  }>,
  format: string,
  expected: BlackboxImage["expected"]
): "read" | "misread" | "missed" => {
  const valid = results.filter((result) => result.isValid)
  if (valid.length === 0) return "missed"
  const right = valid.some(
    (result) =>
      (namesOf(format).includes(result.format) || result.symbology === format) &&
      expected !== undefined &&
      ("text" in expected
        ? result.text === expected.text
        : result.bytes.length === expected.bytes.length &&
          result.bytes.every((byte, index) => byte === expected.bytes[index]))
  )
  return right ? "read" : "misread"
}
