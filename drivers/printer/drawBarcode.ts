/** Draws linear and 2D barcodes as rectangles, for the PDF renderers. */
import bwipjs from "bwip-js/node"
import QRCode from "qrcode"

/** The two shapes bwip-js hands back from `raw`: bar/space runs for linear symbols, a module grid for 2D ones. */
type RawSymbol =
  | { readonly sbs: ReadonlyArray<number> }
  | { readonly pixs: ReadonlyArray<number>; readonly pixx: number; readonly pixy: number }

/** Anything that can fill rectangles: a pdfkit document is one. */
export interface RectSink {
  rect(x: number, y: number, w: number, h: number): unknown
  fill(color?: string): unknown
}

/**
 * Bar width reduction, in dots. Rasterisers without anti-aliasing (pdftoppm -aaVector no, like a
 * print head) blacken every pixel a shape touches, so a bar ending exactly on a pixel edge gains a
 * pixel and a 2-dot module prints as 3: ZXing then cannot read the 203-dpi symbol.
 */
const EDGE = 0.1

const firstSymbol = (bcid: string, text: string, options: Record<string, unknown>): RawSymbol => {
  const symbols = bwipjs.raw({ bcid, text, ...options } as Parameters<typeof bwipjs.raw>[0]) as ReadonlyArray<RawSymbol>
  const symbol = symbols[0]
  if (symbol === undefined) throw new Error(`bwip-js produced no ${bcid} symbol for "${text}"`)
  return symbol
}

/**
 * Draws a Code 128 symbol with bars exactly `moduleWidth` dots per module, as a thermal printer
 * does (bwip-js does the encoding; `^FNC1` in `text` is FNC1). Returns the symbol's width in dots.
 */
export const drawCode128 = (
  sink: RectSink,
  at: { readonly x: number; readonly y: number; readonly moduleWidth: number; readonly height: number },
  text: string
): number => {
  const symbol = firstSymbol("code128", text, { parsefnc: true })
  if (!("sbs" in symbol)) throw new Error("bwip-js returned a 2D symbol for code128")
  let x = at.x
  symbol.sbs.forEach((modules, index) => {
    const width = modules * at.moduleWidth
    if (index % 2 === 0) sink.rect(x, at.y, width - EDGE, at.height)
    x += width
  })
  sink.fill("black")
  return x - at.x
}

/**
 * Draws an Interleaved 2 of 5 symbol (ZPL ^B2, ISO/IEC 16390) with narrow bars `moduleWidth` dots and wide ones
 * `ratio` times that, as a thermal printer does after ^BY: start (narrow bar, space, bar, space), each digit pair as
 * five bars (first digit) interleaved with five spaces (second digit), stop (wide bar, narrow space, narrow bar).
 * `digits` must be an even count of digits. Returns the symbol's width in dots.
 */
export const drawInterleaved2of5 = (
  sink: RectSink,
  at: {
    readonly x: number
    readonly y: number
    readonly moduleWidth: number
    readonly ratio: number
    readonly height: number
  },
  digits: string
): number => {
  if (!/^(\d\d)+$/.test(digits)) throw new Error(`Interleaved 2 of 5 needs an even count of digits, not "${digits}"`)
  const narrow = at.moduleWidth
  const wide = Math.round(at.moduleWidth * Math.min(3, Math.max(2, at.ratio)))
  // Which of the five elements of each digit is wide (ISO/IEC 16390, table 1).
  const patterns = ["00110", "10001", "01001", "11000", "00101", "10100", "01100", "00011", "10010", "01010"]
  const runs: Array<number> = [narrow, narrow, narrow, narrow]
  for (let index = 0; index < digits.length; index += 2) {
    const bars = patterns[Number(digits[index])]!
    const spaces = patterns[Number(digits[index + 1])]!
    for (let element = 0; element < 5; element++) {
      runs.push(bars[element] === "1" ? wide : narrow, spaces[element] === "1" ? wide : narrow)
    }
  }
  runs.push(wide, narrow, narrow)
  let x = at.x
  runs.forEach((width, index) => {
    if (index % 2 === 0) sink.rect(x, at.y, width - EDGE, at.height)
    x += width
  })
  sink.fill("black")
  return x - at.x
}

/**
 * QR matrices come from the `qrcode` package: bwip-js 4.11 produced version-5 symbols ZXing
 * could not read back (seen with a 66-character URL), so QR codes use the encoder browsers use.
 */
const matrix = (
  symbology: { readonly bcid: "qrcode" | "datamatrix"; readonly eclevel?: "L" | "M" | "Q" | "H" },
  text: string
): { readonly size: number; readonly dark: (row: number, col: number) => boolean } => {
  if (symbology.bcid === "qrcode") {
    const modules = QRCode.create(text, { errorCorrectionLevel: symbology.eclevel ?? "M" }).modules
    return { size: modules.size, dark: (row, col) => Boolean(modules.get(row, col)) }
  }
  const symbol = firstSymbol(symbology.bcid, text, {})
  if (!("pixs" in symbol)) throw new Error(`bwip-js returned a linear symbol for ${symbology.bcid}`)
  return { size: symbol.pixx, dark: (row, col) => Boolean(symbol.pixs[row * symbol.pixx + col]) }
}

/** Draws a 2D symbol (QR code or Data Matrix) with `moduleSize` dots per module; returns its side in dots. */
export const drawMatrixCode = (
  sink: RectSink,
  at: { readonly x: number; readonly y: number; readonly moduleSize: number },
  symbology: { readonly bcid: "qrcode" | "datamatrix"; readonly eclevel?: "L" | "M" | "Q" | "H" },
  text: string
): number => {
  const grid = matrix(symbology, text)
  for (let row = 0; row < grid.size; row++) {
    let col = 0
    while (col < grid.size) {
      if (!grid.dark(row, col)) {
        col++
        continue
      }
      const start = col
      while (col < grid.size && grid.dark(row, col)) col++
      const y = at.y + row * at.moduleSize
      sink.rect(at.x + start * at.moduleSize, y, (col - start) * at.moduleSize - EDGE, at.moduleSize - EDGE)
    }
  }
  sink.fill("black")
  return grid.size * at.moduleSize
}
