/**
 * How the station's camera reads barcodes, shared by the decode worker and `npm run bench:decode` so the bench
 * measures exactly what the bench camera does. Plain data: the renderer and Node both import it.
 */

/**
 * The symbologies a warehouse meets: retail (EAN/UPC, GS1 DataBar), logistics (GS1-128, ITF-14, Code 39, PDF417 on
 * carrier labels) and 2D (QR for Packbench codes and Digital Link, Data Matrix for GS1 and postal labels). Fewer
 * formats mean fewer detectors run per frame and fewer false reads.
 */
export const cameraFormats = [
  "EAN13",
  "EAN8",
  "UPCA",
  "UPCE",
  "Code128",
  "Code39",
  "ITF",
  "DataBar",
  "DataBarExp",
  "QRCode",
  "DataMatrix",
  "PDF417"
] as const

/**
 * zxing-cpp reader options (zxing-wasm ReaderOptions) for camera frames, in two passes. A held label is in view for
 * many frames, so most frames get the quick pass (upright and turned codes, downscaled 720p) and every
 * `thoroughEvery`-th frame the thorough one (tryHarder: more scan lines, blurred and skewed codes; tryInvert: light
 * codes on dark ground, as a phone in dark mode shows a return QR code). That keeps the
 * median frame well under the 30 ms a 30 fps camera leaves, and still reads the hard labels within a few frames.
 * One symbol per frame: the packer holds up one code.
 */
export const cameraPasses = {
  quick: {
    formats: [...cameraFormats],
    tryHarder: false,
    tryRotate: true,
    tryInvert: false,
    tryDownscale: true,
    maxNumberOfSymbols: 1,
    textMode: "Plain"
  },
  thorough: {
    formats: [...cameraFormats],
    tryHarder: true,
    tryRotate: true,
    tryInvert: true,
    tryDownscale: true,
    maxNumberOfSymbols: 1,
    textMode: "Plain"
  }
} as const

export const thoroughEvery = 3

/** The reader options for the `frameNumber`-th frame the camera decodes (counting from 0). */
export const cameraReaderOptionsFor = (frameNumber: number) =>
  frameNumber % thoroughEvery === thoroughEvery - 1 ? cameraPasses.thorough : cameraPasses.quick

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

/** RGBA pixels of a crop, as the worker receives them (the buffer is transferred, not copied). */
export interface CameraFrame {
  readonly width: number
  readonly height: number
  readonly data: ArrayBuffer
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

export type DecodeReply =
  | { readonly id: number; readonly texts: ReadonlyArray<string> }
  | { readonly id: number; readonly error: string }
