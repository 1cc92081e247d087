/** Renders ESC/POS receipt printer jobs to PDF, showing what the insert printer would print. */
import { drawMatrixCode } from "./drawBarcode.ts"
import { MONO_BOLD_FONT, MONO_FONT, pdfBytes } from "./pdfBytes.ts"

/** 80 mm paper at 203 dpi: 640 dots, of which the print head covers 576 (48 columns of font A). */
const PAPER_DOTS = 640
const PRINTABLE_DOTS = 576
const MARGIN = (PAPER_DOTS - PRINTABLE_DOTS) / 2
/** Font A is 12x24 dots; DejaVu Sans Mono advances 0.602 em, so 20 pt-per-dot gives 12 dots. */
const CELL_WIDTH = 12
const CELL_HEIGHT = 24
const FONT_SIZE = 20
const LINE_GAP = 6

interface Segment {
  readonly text: string
  readonly bold: boolean
  readonly width: number
  readonly height: number
}

type Block =
  | { readonly kind: "text"; readonly segments: ReadonlyArray<Segment>; readonly align: number }
  | { readonly kind: "feed"; readonly dots: number }
  | {
      readonly kind: "qr"
      readonly data: string
      readonly moduleSize: number
      readonly ec: "L" | "M" | "Q" | "H"
      readonly align: number
    }
  | {
      readonly kind: "image"
      readonly widthBytes: number
      readonly rows: number
      readonly bits: Uint8Array
      readonly align: number
    }
  | { readonly kind: "cut" }

/** ESC t n code pages the renderer can show; others print their ASCII half and "?" for the rest. */
const CODE_PAGES: Readonly<Record<number, string>> = {
  16: "windows-1252",
  45: "windows-1250",
  46: "windows-1251",
  47: "windows-1253",
  48: "windows-1254"
}

/** Parameter bytes after `ESC x` / `GS x` for the fixed-length commands a receipt job may hold. */
const ESC_PARAMS: Readonly<Record<string, number>> = {
  "!": 1,
  E: 1,
  "-": 1,
  a: 1,
  t: 1,
  d: 1,
  M: 1,
  "3": 1,
  "2": 0,
  "{": 1,
  V: 1,
  G: 1,
  p: 3,
  J: 1,
  "@": 0
}
const GS_PARAMS: Readonly<Record<string, number>> = { "!": 1, B: 1, h: 1, w: 1, H: 1, f: 1, L: 2, W: 2, a: 1 }

/** Reads an ESC/POS job into printable blocks (text lines, QR codes, raster images, cuts). */
export const parseEscPos = (bytes: Uint8Array): ReadonlyArray<Block> => {
  const blocks: Array<Block> = []
  let align = 0
  let bold = false
  let width = 1
  let height = 1
  let decoder: TextDecoder | undefined
  let qr = { data: "", moduleSize: 3, ec: "M" as "L" | "M" | "Q" | "H" }
  let line: Array<Segment> = []
  let pending: Array<number> = []
  const flushText = () => {
    if (pending.length === 0) return
    const text = decoder
      ? decoder.decode(Uint8Array.from(pending))
      : String.fromCharCode(...pending.map((b) => (b < 0x80 ? b : 0x3f)))
    line.push({ text, bold, width, height })
    pending = []
  }
  const endLine = () => {
    flushText()
    blocks.push({ kind: "text", segments: line, align })
    line = []
  }
  const reset = () => {
    align = 0
    bold = false
    width = 1
    height = 1
    decoder = undefined
  }
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    const command = String.fromCharCode(bytes[i + 1] ?? 0)
    if (b === 0x0a) {
      endLine()
      i++
    } else if (b === 0x1b) {
      flushText()
      const p = bytes[i + 2] ?? 0
      if (command === "@") reset()
      else if (command === "!") {
        bold = (p & 0x08) !== 0
        height = p & 0x10 ? 2 : 1
        width = p & 0x20 ? 2 : 1
      } else if (command === "E") bold = (p & 1) === 1
      else if (command === "a") align = p % 48
      else if (command === "t") decoder = CODE_PAGES[p] ? new TextDecoder(CODE_PAGES[p]) : undefined
      else if (command === "d") {
        if (line.length > 0) endLine()
        blocks.push({ kind: "feed", dots: p * (CELL_HEIGHT + LINE_GAP) })
      }
      i += 2 + (ESC_PARAMS[command] ?? 0)
    } else if (b === 0x1d) {
      flushText()
      if (command === "!") {
        const p = bytes[i + 2] ?? 0
        width = (p >> 4) + 1
        height = (p & 0x0f) + 1
        i += 3
      } else if (command === "V") {
        // GS V m: m = 0/1/48/49 cut at once; m = 65/66 feed n dots first (a parameter follows).
        if (line.length > 0) endLine()
        blocks.push({ kind: "cut" })
        const m = bytes[i + 2] ?? 0
        i += m >= 65 ? 4 : 3
      } else if (command === "(" && bytes[i + 2] === 0x6b) {
        // GS ( k pL pH cn fn [params]: QR code functions when cn = 49 (165 model, 167 size, 169 level, 180 store, 181 print).
        const length = (bytes[i + 3] ?? 0) + 256 * (bytes[i + 4] ?? 0)
        const body = bytes.subarray(i + 5, i + 5 + length)
        const [cn, fn, arg] = body
        if (cn === 0x31 && fn === 0x43 && arg !== undefined) qr = { ...qr, moduleSize: arg }
        if (cn === 0x31 && fn === 0x45 && arg !== undefined)
          qr = { ...qr, ec: (["L", "M", "Q", "H"] as const)[arg - 48] ?? "M" }
        if (cn === 0x31 && fn === 0x50) qr = { ...qr, data: Buffer.from(body.subarray(3)).toString("latin1") }
        if (cn === 0x31 && fn === 0x51) {
          if (line.length > 0) endLine()
          blocks.push({ kind: "qr", ...qr, align })
        }
        i += 5 + length
      } else if (command === "v" && bytes[i + 2] === 0x30) {
        // GS v 0 m xL xH yL yH d1...dk: raster image, xL + 256 xH bytes per row, yL + 256 yH rows.
        const widthBytes = (bytes[i + 4] ?? 0) + 256 * (bytes[i + 5] ?? 0)
        const rows = (bytes[i + 6] ?? 0) + 256 * (bytes[i + 7] ?? 0)
        const bits = bytes.subarray(i + 8, i + 8 + widthBytes * rows)
        if (line.length > 0) endLine()
        blocks.push({ kind: "image", widthBytes, rows, bits, align })
        i += 8 + widthBytes * rows
      } else i += 2 + (GS_PARAMS[command] ?? 0)
    } else if (b === 0x10 && bytes[i + 1] === 0x04) i += 3
    else if (b < 0x20) i++
    else {
      pending.push(b)
      i++
    }
  }
  if (pending.length > 0 || line.length > 0) endLine()
  return blocks
}

const lineHeight = (segments: ReadonlyArray<Segment>) =>
  Math.max(1, ...segments.map((s) => s.height)) * CELL_HEIGHT + LINE_GAP

const measuring = { rect: () => undefined, fill: () => undefined }

const qrSide = (block: Extract<Block, { kind: "qr" }>) =>
  drawMatrixCode(
    measuring,
    { x: 0, y: 0, moduleSize: block.moduleSize },
    { bcid: "qrcode", eclevel: block.ec },
    block.data
  )

const alignedX = (align: number, width: number) =>
  MARGIN + (align === 1 ? (PRINTABLE_DOTS - width) / 2 : align === 2 ? PRINTABLE_DOTS - width : 0)

/**
 * Renders an ESC/POS job as the paper strip a receipt printer would produce: one PDF page of
 * 80 mm width and the job's length, one PDF unit per 203-dpi printer dot, cuts shown as dashed lines.
 */
export const renderEscPos = async (bytes: Uint8Array): Promise<Buffer> => {
  const blocks = parseEscPos(bytes)
  return pdfBytes((doc) => {
    const heights = blocks.map((block) =>
      block.kind === "text"
        ? lineHeight(block.segments)
        : block.kind === "feed"
          ? block.dots
          : block.kind === "qr"
            ? qrSide(block) + LINE_GAP
            : block.kind === "image"
              ? block.rows
              : CELL_HEIGHT
    )
    const total = heights.reduce((a, b) => a + b, 0) + 2 * MARGIN
    doc.addPage({ size: [(PAPER_DOTS * 72) / 203, (total * 72) / 203], margin: 0 })
    doc.scale(72 / 203)
    let y = MARGIN
    blocks.forEach((block, index) => {
      if (block.kind === "text") {
        const textWidth = block.segments.reduce((sum, s) => sum + [...s.text].length * CELL_WIDTH * s.width, 0)
        let x = alignedX(block.align, textWidth)
        const baseline = y + lineHeight(block.segments) - LINE_GAP - 5
        for (const segment of block.segments) {
          doc.save()
          doc.translate(x, baseline)
          doc.scale(segment.width, segment.height)
          doc.font(segment.bold ? MONO_BOLD_FONT : MONO_FONT).fontSize(FONT_SIZE)
          doc.text(segment.text, 0, 0, { lineBreak: false, baseline: "alphabetic" })
          doc.restore()
          x += [...segment.text].length * CELL_WIDTH * segment.width
        }
      } else if (block.kind === "qr") {
        const side = qrSide(block)
        drawMatrixCode(
          doc,
          { x: alignedX(block.align, side), y, moduleSize: block.moduleSize },
          { bcid: "qrcode", eclevel: block.ec },
          block.data
        )
      } else if (block.kind === "image") {
        const x0 = alignedX(block.align, block.widthBytes * 8)
        for (let row = 0; row < block.rows; row++) {
          for (let col = 0; col < block.widthBytes * 8; col++) {
            const on = ((block.bits[row * block.widthBytes + (col >> 3)] ?? 0) >> (7 - (col & 7))) & 1
            if (on) doc.rect(x0 + col, y + row, 1, 1)
          }
        }
        doc.fill("black")
      } else if (block.kind === "cut") {
        doc.save()
        doc
          .moveTo(0, y + 12)
          .lineTo(PAPER_DOTS, y + 12)
          .lineWidth(2)
          .dash(10, { space: 6 })
          .stroke("black")
        doc.restore()
      }
      y += heights[index]!
    })
  })
}
