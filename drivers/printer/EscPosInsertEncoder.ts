/** Encodes an insert as ESC/POS bytes for an 80 mm receipt printer. */
import ThermalPrinterModule from "node-thermal-printer"
import type { InsertDocument, MonochromeBitmap } from "../../core/insert/InsertDocument.ts"

const { ThermalPrinter, PrinterTypes, CharacterSet } = ThermalPrinterModule

/** 80 mm paper, font A (12x24 dots): 48 characters per line. */
export const RECEIPT_COLUMNS = 48

const windows1252 = new TextDecoder("windows-1252")
const printableIn1252 = new Set(
  [...windows1252.decode(Uint8Array.from({ length: 96 }, (_, i) => 0xa0 + i))].concat(
    [...windows1252.decode(Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i))].filter((c) => c !== "\ufffd")
  )
)

/**
/** Latin letters with a stroke have no Unicode decomposition; their plain letter reads best. */
const STROKED: Readonly<Record<string, string>> = {
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  Ħ: "H",
  ħ: "h",
  ı: "i",
  Ŧ: "T",
  ŧ: "t"
}

/**
 * Keeps every character in code page WPC1252 (ESC t 16), which covers German and the other
 * Western European languages. node-thermal-printer would otherwise switch code pages by itself
 * for a character outside it, mid-line; accents are stripped instead and what remains
 * unprintable becomes "?", so the text stays readable and in one code page.
 *
 * A control character (C0, DEL, C1) becomes a space: the text is the shop's (item names from its
 * catalog, the customer's first name), and ESC, GS, FS, DLE or LF in it would be the printer's
 * command (reset, print mode, code page, cut, cash drawer, a line of the shop's own), the same
 * bytes the encoder writes for its own commands.
 */
const receiptText = (text: string): string =>
  [...text]
    .map((char) => {
      if (/\p{Cc}/u.test(char)) return " "
      if (char.charCodeAt(0) < 0x80 || printableIn1252.has(char)) return char
      if (STROKED[char] !== undefined) return STROKED[char]
      const base = char.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      return [...base].every((c) => c.charCodeAt(0) < 0x80) && base !== "" ? base : "?"
    })
    .join("")

/**
 * GS v 0 ("Print raster bit image", ESC/POS Application Programming Guide): m = 0 (normal
 * density), xL xH = bytes per row, yL yH = rows, then the rows MSB-first: the layout of
 * `MonochromeBitmap`, so the logo's bits go out unchanged.
 */
const rasterImage = (logo: MonochromeBitmap): Buffer => {
  const bytesPerRow = Math.ceil(logo.width / 8)
  if (logo.bits.length !== bytesPerRow * logo.height) {
    throw new Error(
      `logo: ${logo.width}x${logo.height} needs ${bytesPerRow * logo.height} bytes of bits, got ${logo.bits.length}`
    )
  }
  return Buffer.concat([
    Buffer.from([0x1d, 0x76, 0x30, 0x00, bytesPerRow & 0xff, bytesPerRow >> 8, logo.height & 0xff, logo.height >> 8]),
    Buffer.from(logo.bits)
  ])
}

/**
 * The insert as ESC/POS bytes for an Epson-compatible 80 mm printer: init (ESC @), code page,
 * logo, text, the return QR code (GS ( k: model, module size, error correction, store, print)
 * and a full cut (GS V). Built with node-thermal-printer's buffer; nothing is sent here.
 */
export const encodeEscPosInsert = (insert: InsertDocument): Uint8Array => {
  if (!/^[\x21-\x7e]+$/.test(insert.returnUrl)) {
    throw new Error(`returnUrl "${insert.returnUrl}" must be printable ASCII for the QR code`)
  }
  // No interface: the library only builds the buffer, and getBuffer() hands it over.
  const printer = new ThermalPrinter({
    type: PrinterTypes.EPSON,
    interface: "",
    width: RECEIPT_COLUMNS,
    characterSet: CharacterSet.WPC1252
  })
  // The constructor already buffered the code page selection; ESC @ must come first.
  const codePage: Buffer | null = printer.getBuffer()
  printer.setBuffer(Buffer.concat([Buffer.from([0x1b, 0x40]), codePage ?? Buffer.alloc(0)]))
  printer.alignCenter()
  if (insert.logo !== undefined) {
    printer.add(rasterImage(insert.logo))
    printer.newLine()
  }
  printer.setTextQuadArea()
  printer.bold(true)
  printer.println(receiptText(insert.brandName))
  printer.setTextNormal()
  printer.bold(false)
  printer.newLine()
  printer.setTextDoubleHeight()
  printer.println(receiptText(insert.thankYou))
  printer.setTextNormal()
  printer.drawLine()
  printer.alignLeft()
  printer.bold(true)
  printer.println(receiptText(insert.itemsHeading))
  printer.bold(false)
  for (const item of insert.items) printer.println(receiptText(`${item.quantity} x ${item.name}`))
  if (insert.careHints.length > 0) {
    printer.drawLine()
    printer.bold(true)
    printer.println(receiptText(insert.careHeading))
    printer.bold(false)
    for (const care of insert.careHints) printer.println(receiptText(`${care.product}: ${care.hint}`))
  }
  printer.drawLine()
  printer.alignCenter()
  printer.bold(true)
  printer.println(receiptText(insert.returnHeading))
  printer.bold(false)
  printer.println(receiptText(insert.returnHint))
  // A blank line above and below keeps the QR quiet zone (4 modules) clear of the text.
  printer.newLine()
  printer.printQR(insert.returnUrl, { cellSize: 6, correction: "M", model: 2 })
  printer.newLine()
  printer.println(insert.returnUrl)
  printer.drawLine()
  printer.println(receiptText(insert.discountLine))
  printer.setTextQuadArea()
  printer.bold(true)
  printer.println(receiptText(insert.discountCode))
  printer.bold(false)
  printer.setTextNormal()
  printer.newLine()
  printer.println(receiptText(insert.footer))
  printer.cut()
  return new Uint8Array(printer.getBuffer())
}
