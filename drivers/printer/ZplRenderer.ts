/** Renders the ZPL the station prints to PDF, as a label printer would print it. */
import { tokenizeZpl, type ZplToken } from "../../core/label/tokenizeZpl.ts"
import { drawCode128, drawInterleaved2of5, drawMatrixCode } from "./drawBarcode.ts"
import { LABEL_FONT, MONO_FONT, pdfBytes } from "./pdfBytes.ts"

interface FieldState {
  x: number
  y: number
  font?: { readonly height: number; readonly width: number }
  block?: { readonly width: number; readonly lines: number; readonly spacing: number; readonly justify: string }
  hexIndicator?: string
  barcode?:
    | { readonly kind: "code128"; readonly height: number; readonly interpretation: boolean }
    | {
        readonly kind: "interleaved2of5"
        readonly height: number
        readonly interpretation: boolean
        readonly ratio: number
      }
    | { readonly kind: "qr"; readonly magnification: number }
    | { readonly kind: "datamatrix"; readonly moduleSize: number }
  box?: { readonly width: number; readonly height: number; readonly thickness: number }
}

const numbers = (params: string): Array<number | undefined> =>
  params.split(",").map((p) => (p.trim() === "" || Number.isNaN(Number(p)) ? undefined : Number(p)))

/** ^FH: `<indicator>XX` is the byte 0xXX; the result is decoded as the ^CI code page. */
const fieldText = (data: string, hexIndicator: string | undefined, utf8: boolean): string => {
  const bytes: Array<number> = [...Buffer.from(data, utf8 ? "utf8" : "latin1")]
  const out: Array<number> = []
  const indicator = hexIndicator?.charCodeAt(0)
  for (let i = 0; i < bytes.length; i++) {
    const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0)
    if (bytes[i] === indicator && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16))
      i += 2
    } else out.push(bytes[i]!)
  }
  return Buffer.from(out).toString(utf8 ? "utf8" : "latin1")
}

/**
 * ^BC mode N invocation codes (ZPL II Programming Guide, ^BC, "Code 128 Invocation
 * Characters"): `>;` `>:` `>9` pick subsets C, B, A, `>8` is FNC1 and `><` a literal ">".
 * Returns the bwip-js text (FNC1 as `^FNC1`) and the human-readable line.
 */
const code128Content = (data: string): { readonly symbol: string; readonly readable: string } => {
  let symbol = ""
  let readable = ""
  for (let i = 0; i < data.length; i++) {
    const char = data[i]!
    const next = data[i + 1]
    if (char === ">" && next !== undefined) {
      i++
      if (next === "8") symbol += "^FNC1"
      else if (next === "<") {
        symbol += ">"
        readable += ">"
      }
      continue
    }
    symbol += char === "^" ? "^094" : char
    readable += char
  }
  if (symbol.startsWith("^FNC100") && readable.length === 20) readable = `(00) ${readable.slice(2)}`
  return { symbol, readable }
}

/** Splits one ^FB line into the lines the block wraps it into, measured with the current font. */
const wrap = (doc: PDFKit.PDFDocument, text: string, width: number, scaleX: number): Array<string> => {
  const words = text.split(" ")
  const lines: Array<string> = []
  let line = ""
  for (const word of words) {
    const candidate = line === "" ? word : `${line} ${word}`
    if (line !== "" && doc.widthOfString(candidate) * scaleX > width) {
      lines.push(line)
      line = word
    } else line = candidate
  }
  lines.push(line)
  return lines
}

const drawText = (doc: PDFKit.PDFDocument, field: FieldState, text: string, origin: { x: number; y: number }) => {
  const height = field.font?.height ?? 30
  const scaleX = (field.font?.width ?? height) / height
  doc.font(LABEL_FONT).fontSize(height)
  const block = field.block
  // ^FB escapes, read left to right so "\\&" is a backslash and an ampersand, not a break.
  const rawLines =
    block === undefined ? [text] : text.replace(/\\([\\&])/g, (_, c: string) => (c === "&" ? "\n" : "\\")).split("\n")
  const lines = block === undefined ? rawLines : rawLines.flatMap((l) => wrap(doc, l, block.width, scaleX))
  lines.forEach((line, index) => {
    // ^FB quirk: lines past the block's maximum are all printed over its last line.
    const row = block === undefined ? index : Math.min(index, block.lines - 1)
    const width = doc.widthOfString(line) * scaleX
    const offset =
      block === undefined || block.justify === "L"
        ? 0
        : block.justify === "R"
          ? block.width - width
          : (block.width - width) / 2
    const top = origin.y + field.y + row * (height + (block?.spacing ?? 0))
    doc.save()
    doc.translate(origin.x + field.x + offset, top + height * 0.78)
    doc.scale(scaleX, 1)
    doc.text(line, 0, 0, { lineBreak: false, baseline: "alphabetic" })
    doc.restore()
  })
}

const drawField = (
  doc: PDFKit.PDFDocument,
  field: FieldState,
  text: string,
  origin: { x: number; y: number },
  moduleWidth: number
) => {
  const x = origin.x + field.x
  const y = origin.y + field.y
  const barcode = field.barcode
  if (barcode === undefined) return drawText(doc, field, text, origin)
  if (barcode.kind === "code128") {
    const content = code128Content(text)
    const width = drawCode128(doc, { x, y, moduleWidth, height: barcode.height }, content.symbol)
    if (barcode.interpretation) {
      const size = 9 * moduleWidth + 4
      doc.font(MONO_FONT).fontSize(size)
      const textWidth = doc.widthOfString(content.readable)
      doc.text(content.readable, x + (width - textWidth) / 2, y + barcode.height + size * 0.2, { lineBreak: false })
    }
    return
  }
  if (barcode.kind === "interleaved2of5") {
    // ^B2 prints the data as given (an odd count gets a leading 0, as the printer pads it); no check digit added.
    const digits = text.replace(/\D/g, "")
    const content = digits.length % 2 === 1 ? `0${digits}` : digits
    const width = drawInterleaved2of5(doc, { x, y, moduleWidth, ratio: barcode.ratio, height: barcode.height }, content)
    if (barcode.interpretation) {
      const size = 9 * moduleWidth + 4
      doc.font(MONO_FONT).fontSize(size)
      const textWidth = doc.widthOfString(content)
      doc.text(content, x + (width - textWidth) / 2, y + barcode.height + size * 0.2, { lineBreak: false })
    }
    return
  }
  if (barcode.kind === "qr") {
    // ^BQ field data: error correction level, input mode, comma, then the data.
    const comma = text.indexOf(",")
    const level = text[0]?.toUpperCase()
    const eclevel = level === "L" || level === "M" || level === "Q" || level === "H" ? level : "Q"
    drawMatrixCode(doc, { x, y, moduleSize: barcode.magnification }, { bcid: "qrcode", eclevel }, text.slice(comma + 1))
    return
  }
  drawMatrixCode(doc, { x, y, moduleSize: barcode.moduleSize }, { bcid: "datamatrix" }, text)
}

const drawBox = (doc: PDFKit.PDFDocument, field: FieldState, origin: { x: number; y: number }) => {
  const box = field.box!
  const t = Math.max(1, box.thickness)
  const w = Math.max(box.width, t)
  const h = Math.max(box.height, t)
  const x = origin.x + field.x
  const y = origin.y + field.y
  if (2 * t >= Math.min(w, h)) doc.rect(x, y, w, h)
  else
    doc
      .rect(x, y, w, t)
      .rect(x, y + h - t, w, t)
      .rect(x, y, t, h)
      .rect(x + w - t, y, t, h)
  doc.fill("black")
}

export interface ZplRenderResult {
  readonly pdf: Buffer
  readonly pages: number
}

/**
 * Renders the ZPL subset Packbench emits (^XA ^XZ ^CI ^PW ^LL ^LH ^FO ^A0 ^FB ^FH ^FD ^FS ^GB ^BY
 * ^BC ^BQ ^BX) as a PDF, one page per ^XA...^XZ format, one PDF unit per printer dot scaled to
 * the label's real size, so rasterising it at `dpi` gives back the printer's dot grid.
 * Unknown commands are skipped as a printer would; the simulator validates jobs separately.
 */
export const renderZpl = async (zpl: Uint8Array, dpi: number): Promise<ZplRenderResult> => {
  const text = Buffer.from(zpl).toString("latin1")
  const formats: Array<Array<ZplToken>> = []
  for (const token of tokenizeZpl(text)) {
    if (token.kind === "command" && token.name === "^XA") formats.push([])
    else formats.at(-1)?.push(token)
  }
  const pdf = await pdfBytes((doc) => {
    for (const tokens of formats) {
      const sizeOf = (name: string, fallback: number) => {
        const token = tokens.find((t) => t.kind === "command" && t.name === name)
        return token?.kind === "command" ? (numbers(token.params)[0] ?? fallback) : fallback
      }
      const width = sizeOf("^PW", 4 * dpi)
      const length = sizeOf("^LL", 6 * dpi)
      doc.addPage({ size: [(width * 72) / dpi, (length * 72) / dpi], margin: 0 })
      doc.scale(72 / dpi)
      let utf8 = false
      let origin = { x: 0, y: 0 }
      let barcodeDefaults = { moduleWidth: 2, ratio: 3, height: 10 }
      let field: FieldState = { x: 0, y: 0 }
      for (const token of tokens) {
        if (token.kind === "field") {
          // Field data is in the job's bytes, which were read as latin1 above: undo that here.
          const raw = Buffer.from(token.data, "latin1").toString(utf8 ? "utf8" : "latin1")
          drawField(doc, field, fieldText(raw, field.hexIndicator, utf8), origin, barcodeDefaults.moduleWidth)
          continue
        }
        if (token.kind !== "command") continue
        const p = numbers(token.params)
        const rawParams = token.params.split(",")
        switch (token.name) {
          case "^CI":
            utf8 = p[0] === 28
            break
          case "^LH":
            origin = { x: p[0] ?? 0, y: p[1] ?? 0 }
            break
          case "^FO":
            field = { ...field, x: p[0] ?? 0, y: p[1] ?? 0 }
            break
          case "^A": {
            // ^Afo,h,w: font name and orientation come before the first comma.
            const [, h, w] = numbers(token.params)
            const height = h ?? 30
            field = { ...field, font: { height, width: w ?? height } }
            break
          }
          case "^FB":
            field = {
              ...field,
              block: { width: p[0] ?? 0, lines: p[1] ?? 1, spacing: p[2] ?? 0, justify: rawParams[3]?.trim() || "L" }
            }
            break
          case "^FH":
            field = { ...field, hexIndicator: token.params.trim() === "" ? "_" : token.params.trim()[0]! }
            break
          case "^BY":
            barcodeDefaults = {
              moduleWidth: p[0] ?? 2,
              ratio: p[1] ?? barcodeDefaults.ratio,
              height: p[2] ?? barcodeDefaults.height
            }
            break
          case "^BC":
            field = {
              ...field,
              barcode: {
                kind: "code128",
                height: p[1] ?? barcodeDefaults.height,
                interpretation: (rawParams[2]?.trim() || "Y") === "Y"
              }
            }
            break
          case "^B2":
            field = {
              ...field,
              barcode: {
                kind: "interleaved2of5",
                height: p[1] ?? barcodeDefaults.height,
                interpretation: (rawParams[2]?.trim() || "Y") === "Y",
                ratio: barcodeDefaults.ratio
              }
            }
            break
          case "^BQ":
            field = { ...field, barcode: { kind: "qr", magnification: p[2] ?? 2 } }
            break
          case "^BX":
            field = { ...field, barcode: { kind: "datamatrix", moduleSize: p[1] ?? 2 } }
            break
          case "^GB":
            field = { ...field, box: { width: p[0] ?? 1, height: p[1] ?? 1, thickness: p[2] ?? 1 } }
            break
          case "^FS":
            if (field.box !== undefined) drawBox(doc, field, origin)
            field = { x: 0, y: 0 }
            break
        }
      }
    }
  })
  return { pdf, pages: formats.length }
}
