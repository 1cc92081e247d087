/**
 * How the station's camera reads barcodes in a frame: the formats, the passes cheapest first and the frame plan. Pure
 * data and one pure function, shared by the renderer's decode worker and drivers/camera (and so by the bench).
 */

/**
 * The codes on nearly every scan at a pack bench and returns desk: products (EAN/UPC), carrier labels and GS1-128
 * (Code 128), Packbench codes and Digital Link (QR), GS1 and postal Data Matrix. The first, cheapest pass looks for
 * these alone: fewer formats mean fewer detectors per frame.
 */
export const everydayFormats = ["EAN13", "EAN8", "UPCA", "UPCE", "Code128", "QRCode", "DataMatrix"] as const

/**
 * Every symbology the station reads, and so every one the camera must: the everyday ones, plus ITF-14 on outer
 * cases, GS1 DataBar on fresh goods, Code 39 and PDF417 on some carriers' labels (all in the image sets'
 * floors, drivers/camera/CameraReading.test.ts).
 */
export const cameraFormats = [...everydayFormats, "Code39", "ITF", "DataBar", "DataBarExp", "PDF417"] as const

/** One decode of a frame: zxing-wasm reader options, on the frame as cropped (scale 1) or halved (scale 2). */
export interface CameraPass {
  readonly name: "glance" | "quick" | "thorough"
  readonly scale: 1 | 2
  readonly options: {
    readonly formats: ReadonlyArray<string>
    readonly tryHarder: boolean
    readonly tryRotate: boolean
    readonly tryInvert: boolean
    readonly tryDownscale: boolean
    readonly binarizer: "LocalAverage" | "GlobalHistogram"
    readonly maxNumberOfSymbols: number
    readonly textMode: "Plain"
  }
}

/**
 * The passes, cheapest first; a frame stops at the first pass that reads a code. One symbol per frame: the packer
 * holds up one code. Measured with `npm run bench:decode` (896x504 crop of a 720p frame, 2 shared cores):
 * - glance: the crop halved (a code held close has modules of 4 px and more), everyday formats, tryHarder off:
 *   about 3 ms, and it reads the large codes.
 * - quick: the whole crop, every format, tryHarder on (more scan lines, skewed and damaged codes) with the global
 *   histogram binarizer, which is several times faster than the local one on an evenly lit label, and without
 *   zxing-cpp's own downscaled retries (tryDownscale: the glance pass does that first, the thorough pass again):
 *   about 8 ms, and it read every noisy frame of the bench.
 * - thorough: on every `thoroughEvery`-th frame instead of quick: the local-average binarizer (shadows, glare,
 *   uneven light) and tryInvert (light codes on dark ground, as a phone in dark mode shows a return QR code).
 */
export const cameraPasses = {
  glance: {
    name: "glance",
    scale: 2,
    options: {
      formats: [...everydayFormats],
      tryHarder: false,
      tryRotate: true,
      tryInvert: false,
      tryDownscale: false,
      binarizer: "GlobalHistogram",
      maxNumberOfSymbols: 1,
      textMode: "Plain"
    }
  },
  quick: {
    name: "quick",
    scale: 1,
    options: {
      formats: [...cameraFormats],
      tryHarder: true,
      tryRotate: true,
      tryInvert: false,
      tryDownscale: false,
      binarizer: "GlobalHistogram",
      maxNumberOfSymbols: 1,
      textMode: "Plain"
    }
  },
  thorough: {
    name: "thorough",
    scale: 1,
    options: {
      formats: [...cameraFormats],
      tryHarder: true,
      tryRotate: true,
      tryInvert: true,
      tryDownscale: true,
      binarizer: "LocalAverage",
      maxNumberOfSymbols: 1,
      textMode: "Plain"
    }
  }
} as const satisfies Record<string, CameraPass>

export const thoroughEvery = 3

/** The passes for the `frameNumber`-th frame the camera decodes (counting from 0), cheapest first. */
export const cameraPassesFor = (frameNumber: number): ReadonlyArray<CameraPass> =>
  frameNumber % thoroughEvery === thoroughEvery - 1
    ? [cameraPasses.glance, cameraPasses.thorough]
    : [cameraPasses.glance, cameraPasses.quick]

/**
 * The part of the frame that is decoded, as fractions of the frame: the middle, where the preview's frame tells the
 * packer to hold the code. Cropping skips the background a fixed camera sees (shelves, hands, other labels).
 */
export const regionOfInterest = { left: 0.15, top: 0.15, width: 0.7, height: 0.7 } as const

/** The region of interest of a `width` x `height` frame in whole pixels, never empty. */
export const regionOfInterestIn = (width: number, height: number) => {
  const left = Math.floor(width * regionOfInterest.left)
  const top = Math.floor(height * regionOfInterest.top)
  return {
    left,
    top,
    width: Math.max(1, Math.min(width - left, Math.round(width * regionOfInterest.width))),
    height: Math.max(1, Math.min(height - top, Math.round(height * regionOfInterest.height)))
  }
}

/** The region of interest of a whole frame, copied out row by row (the renderer lets the canvas crop instead). */
export const cropToRegionOfInterest = (frame: RgbaImage): RgbaImage => {
  const region = regionOfInterestIn(frame.width, frame.height)
  const data = new Uint8ClampedArray(region.width * region.height * 4)
  for (let y = 0; y < region.height; y++) {
    const from = ((region.top + y) * frame.width + region.left) * 4
    data.set(frame.data.subarray(from, from + region.width * 4), y * region.width * 4)
  }
  return { width: region.width, height: region.height, data }
}

/** RGBA pixels as the camera hands them over and zxing-wasm reads them (an ImageData's fields). */
export interface RgbaImage {
  readonly width: number
  readonly height: number
  readonly data: Uint8ClampedArray
}

/** The image at half size, each pixel the mean of a 2x2 block (a box filter: no aliasing of fine bars into noise). */
export const halveImage = (image: RgbaImage): RgbaImage => {
  if (image.width < 2 || image.height < 2) return image
  const width = image.width >> 1
  const height = image.height >> 1
  const out = new Uint8ClampedArray(width * height * 4)
  const source = image.data
  const row = image.width * 4
  for (let y = 0; y < height; y++) {
    let from = 2 * y * row
    let to = y * width * 4
    for (let x = 0; x < width; x++, from += 8, to += 4) {
      out[to] = (source[from]! + source[from + 4]! + source[from + row]! + source[from + row + 4]! + 2) >> 2
      out[to + 1] = (source[from + 1]! + source[from + 5]! + source[from + row + 1]! + source[from + row + 5]! + 2) >> 2
      out[to + 2] = (source[from + 2]! + source[from + 6]! + source[from + row + 2]! + source[from + row + 6]! + 2) >> 2
      out[to + 3] = 255
    }
  }
  return { width, height, data: out }
}

/** What a reader gives for one symbol: zxing-wasm's ReadResult, the fields the camera uses. */
export interface CameraSymbol {
  readonly isValid: boolean
  readonly text: string
  readonly contentType: string
  readonly symbologyIdentifier: string
}

/**
 * Reads one cropped camera frame by the plan: each pass in turn until one reads a valid symbol. `read` is zxing-wasm's
 * readBarcodes as the caller loaded it (the worker's copy of the .wasm, or the one in node_modules).
 */
export const readCameraFrame = async <Symbol extends CameraSymbol>(
  frame: RgbaImage,
  frameNumber: number,
  read: (image: RgbaImage, options: CameraPass["options"]) => Promise<ReadonlyArray<Symbol>>
): Promise<{ readonly pass: CameraPass["name"] | undefined; readonly symbols: ReadonlyArray<Symbol> }> => {
  let halved: RgbaImage | undefined
  for (const pass of cameraPassesFor(frameNumber)) {
    if (pass.scale === 2 && halved === undefined) halved = halveImage(frame)
    const image = pass.scale === 2 && halved !== undefined ? halved : frame
    const symbols = (await read(image, pass.options)).filter((symbol) => symbol.isValid)
    if (symbols.length > 0) return { pass: pass.name, symbols }
  }
  return { pass: undefined, symbols: [] }
}

/**
 * What the camera hands the station for one symbol, as a hand scanner with AIM symbology identifiers sends it: GS1
 * data with its identifier ("]C1", "]d2", "]Q3", "]e0") and FNC1 as GS, so it is read as a GS1 element string;
 * everything else as its plain text (an EAN-13 is its 13 digits).
 */
export const scanTextOf = (result: {
  readonly text: string
  readonly contentType: string
  readonly symbologyIdentifier: string
}): string => (result.contentType === "GS1" ? `${result.symbologyIdentifier}${result.text}` : result.text)
