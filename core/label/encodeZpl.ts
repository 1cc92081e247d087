/** Encodes a shipping label as the ZPL job the label printer gets. */
import { Effect } from "effect"
import { encodeUtf8 } from "../bounds/Utf8.ts"
import type { CustomsDeclaration } from "./CustomsDeclaration.ts"
import { checkLabelContent } from "./checkLabelContent.ts"
import { LabelContentError, type ShippingLabel } from "./ShippingLabel.ts"

export type LabelDpi = 203 | 300

export interface ZplOptions {
  readonly dpi: LabelDpi
}

/** ^FH (ZPL II Programming Guide, "^FH Field Hexadecimal Indicator"): with the default indicator
 * "_", `_XX` in field data is the byte 0xXX. ^ and ~ would start a command inside the data, and _
 * itself would start an escape, so all three are always written as hex. */
const hexEscape = (value: string): string =>
  value.replace(/[\^~_]/g, (char) => `_${char.charCodeAt(0).toString(16).toUpperCase()}`)

/** ^FB ("^FB Field Block"): inside a block `\&` is a line break and `\\` a backslash. */
const blockText = (lines: ReadonlyArray<string>): string =>
  lines.map((line) => hexEscape(line).replace(/\\/g, "\\\\")).join("\\&")

/**
 * Dots per hundredth of an inch. The 300-dpi grid is 1.5 times the 203-dpi one, which gives the
 * station's 4x6 label sizes: 812x1218 dots at 203 dpi and 1218x1827 at 300 dpi.
 */
const dotsPerHundredth: Readonly<Record<LabelDpi, number>> = { 203: 2.03, 300: 3.045 }

/** The label layout in hundredths of an inch, turned into dots for the printer's resolution. */
const zplFor = (label: ShippingLabel, dpi: LabelDpi): string => {
  const dots = (hundredths: number) => Math.round(hundredths * dotsPerHundredth[dpi])
  const moduleWidth = dpi >= 300 ? 3 : 2
  const out: Array<string> = []
  const text = (
    x: number,
    y: number,
    options: { readonly height: number; readonly width: number; readonly lines: number; readonly justify?: "L" | "C" },
    content: ReadonlyArray<string>
  ) => {
    const h = dots(options.height)
    out.push(
      `^FO${dots(x)},${dots(y)}^A0N,${h},${h}^FB${dots(options.width)},${options.lines},${Math.round(h * 0.15)},${options.justify ?? "L"},0^FH^FD${blockText(content)}^FS`
    )
  }
  const box = (x: number, y: number, width: number, height: number, thickness: number) =>
    out.push(`^FO${dots(x)},${dots(y)}^GB${dots(width)},${dots(height)},${dots(thickness)}^FS`)
  // ^BC ("^BC Code 128 Bar Code"): orientation N, height, interpretation line below, no check
  // digit text. In mode N, data without an invocation code starts in subset B; `>;` starts subset C
  // and `>8` is FNC1, which makes the symbol GS1-128.
  const code128 = (x: number, y: number, height: number, data: string) =>
    out.push(`^FO${dots(x)},${dots(y)}^BY${moduleWidth},3,${dots(height)}^BCN,${dots(height)},Y,N,N^FD${data}^FS`)

  out.push("^XA", "^CI28", `^PW${dots(400)}`, `^LL${dots(600)}`, "^LH0,0")

  text(10, 6, { height: 10, width: 230, lines: 1 }, ["FROM:"])
  text(10, 20, { height: 11, width: 235, lines: 5 }, label.shipFrom)
  box(250, 0, 3, 100, 3)
  text(255, 12, { height: 32, width: 140, lines: 1, justify: "C" }, [label.carrier.name])
  text(255, 55, { height: 13, width: 140, lines: 2, justify: "C" }, [label.carrier.service])
  box(0, 100, 400, 3, 3)

  text(10, 107, { height: 12, width: 200, lines: 1 }, ["SHIP TO:"])
  text(30, 124, { height: 18, width: 360, lines: 5 }, label.shipTo)
  box(0, 240, 400, 3, 3)

  // ^B2 ("^B2 Interleaved 2 of 5 Bar Code"): orientation N, height, interpretation line below, none above, no
  // Mod 10 check digit of the printer's own (DHL's check digit is part of the data).
  const interleaved2of5 = (x: number, y: number, height: number, data: string) =>
    out.push(`^FO${dots(x)},${dots(y)}^BY${moduleWidth},3,${dots(height)}^B2N,${dots(height)},Y,N,N^FD${data}^FS`)

  if (label.leitcode !== undefined) {
    text(10, 247, { height: 10, width: 250, lines: 1 }, ["LEITCODE"])
    interleaved2of5(20, 262, 55, label.leitcode)
  } else if (label.identcode !== undefined) {
    // DHL Paket without a Leitcode: the parcel centre sorts by postal code, and the label says so instead of
    // printing a barcode that looks like a Leitcode.
    text(10, 247, { height: 10, width: 250, lines: 1 }, ["ROUTING"])
    text(20, 268, { height: 28, width: 240, lines: 1 }, [label.routingCode])
    text(20, 304, { height: 10, width: 240, lines: 2 }, ["No Leitcode: sort by postal code"])
  } else {
    text(10, 247, { height: 10, width: 200, lines: 1 }, ["ROUTING"])
    code128(20, 262, 55, label.routingCode)
  }
  box(270, 240, 3, 120, 3)
  // ^BQ ("^BQ QR Code Bar Code"): model 2, magnification in dots per module; field data starts
  // with the error correction level (M) and the input mode (A = automatic), then a comma.
  out.push(
    `^FO${dots(285)},${dots(256)}^BQN,2,${dpi >= 300 ? 6 : 4}^FH^FDMA,${hexEscape(`${label.trackingNumber}|${label.orderId}|${label.parcelId}`)}^FS`
  )
  box(0, 360, 400, 3, 3)

  text(10, 367, { height: 10, width: 180, lines: 1 }, [`TRACKING # (${label.carrier.name})`])
  code128(20, 384, 65, label.trackingNumber)
  if (label.identcode !== undefined) {
    text(215, 367, { height: 10, width: 180, lines: 1 }, ["IDENTCODE"])
    interleaved2of5(215, 384, 65, label.identcode)
  }
  box(0, 480, 400, 3, 3)

  if (label.sscc !== undefined) {
    text(10, 487, { height: 10, width: 180, lines: 1 }, ["SSCC"])
    code128(20, 502, 50, `>;>800${label.sscc}`)
  }
  const info = [
    `Order: ${label.orderId}`,
    `Parcel: ${label.parcelId}`,
    `Weight: ${(label.weightGrams / 1000).toFixed(2)} kg`,
    ...(label.reference === undefined ? [] : [`Ref: ${label.reference}`])
  ]
  const infoX = label.sscc === undefined ? 10 : 200
  text(infoX, 490, { height: 11, width: 390 - infoX, lines: 4 }, info)
  out.push("^XZ")
  if (label.customs !== undefined) out.push(...customsPage(label, label.customs, dpi))
  return `${out.join("\n")}\n`
}

const money = (cents: number) => (cents / 100).toFixed(2)
const kilograms = (grams: number) => (grams / 1000).toFixed(3)

/**
 * The customs declaration as a second 4x6 format of the same job, so it prints right after the label it belongs to:
 * the UPU CN 22 layout (CN 23 above its value limit) with the goods, HS codes, origins, totals, the category and the
 * tracking number as a barcode, as the declaration is attached to that parcel.
 */
const customsPage = (label: ShippingLabel, customs: CustomsDeclaration, dpi: LabelDpi): ReadonlyArray<string> => {
  const dots = (hundredths: number) => Math.round(hundredths * dotsPerHundredth[dpi])
  const moduleWidth = dpi >= 300 ? 3 : 2
  const out: Array<string> = ["^XA", "^CI28", `^PW${dots(400)}`, `^LL${dots(600)}`, "^LH0,0"]
  const text = (x: number, y: number, height: number, width: number, lines: number, content: ReadonlyArray<string>) => {
    const h = dots(height)
    out.push(
      `^FO${dots(x)},${dots(y)}^A0N,${h},${h}^FB${dots(width)},${lines},${Math.round(h * 0.15)},L,0^FH^FD${blockText(content)}^FS`
    )
  }
  const box = (x: number, y: number, width: number, height: number) =>
    out.push(`^FO${dots(x)},${dots(y)}^GB${dots(width)},${dots(height)},${dots(2)}^FS`)
  const title = customs.form === "CN22" ? "CUSTOMS DECLARATION CN 22" : "CUSTOMS DECLARATION CN 23"
  text(10, 8, 20, 380, 1, [title])
  text(10, 34, 11, 380, 2, [`Designated operator: ${label.carrier.name} · May be opened officially`])
  const categories = ["sale-of-goods", "returned-goods", "gift", "commercial-sample", "documents", "other"] as const
  const names = ["Sale of goods", "Returned goods", "Gift", "Commercial sample", "Documents", "Other"]
  text(10, 62, 11, 380, 2, [
    categories.map((category, index) => `[${category === customs.category ? "X" : " "}] ${names[index]}`).join("  ")
  ])
  box(0, 92, 400, 2)
  text(10, 98, 10, 380, 1, ["Contents · qty · net kg · value · HS code · origin"])
  const listed = customs.items.slice(0, 8)
  listed.forEach((item, index) => {
    text(10, 114 + index * 30, 11, 380, 2, [
      `${item.quantity} x ${item.description}`,
      `${kilograms(item.netWeightGrams)} kg · ${money(item.valueCents)} ${customs.currency} · HS ${item.hsCode} · ${item.originCountry}`
    ])
  })
  const more = customs.items.length - listed.length
  if (more > 0) text(10, 114 + listed.length * 30, 11, 380, 1, [`… and ${more} more on the commercial invoice`])
  box(0, 370, 400, 2)
  text(10, 376, 13, 380, 2, [
    `Total: ${kilograms(customs.totalWeightGrams)} kg · ${money(customs.totalValueCents)} ${customs.currency}`,
    `Invoice ${customs.invoice}`
  ])
  text(10, 412, 10, 380, 3, [
    `I certify that the particulars given in this declaration are correct and that this item does not contain any dangerous article prohibited by legislation or by postal or customs regulations.`
  ])
  text(10, 452, 11, 380, 1, [`Sender: ${customs.sender}`])
  text(10, 470, 10, 380, 1, [`Tracking # ${label.trackingNumber}`])
  out.push(
    `^FO${dots(20)},${dots(486)}^BY${moduleWidth},3,${dots(60)}^BCN,${dots(60)},Y,N,N^FD${label.trackingNumber}^FS`,
    "^XZ"
  )
  return out
}

/**
 * The exact bytes of a ZPL II job for a 4x6 inch label at the printer's resolution (812x1218
 * dots at 203 dpi, 1218x1827 at 300 dpi), UTF-8 (^CI28). Fails with a `LabelContentError`
 * naming the field when the label holds something the printer cannot print.
 */
export const encodeZpl = Effect.fn("encodeZpl")(function* (
  label: ShippingLabel,
  options: ZplOptions
): Effect.fn.Return<Uint8Array, LabelContentError> {
  if (options.dpi !== 203 && options.dpi !== 300) {
    return yield* new LabelContentError({ field: "dpi", message: `dpi ${String(options.dpi)} must be 203 or 300` })
  }
  const problem = checkLabelContent(label)
  if (problem) return yield* problem
  return encodeUtf8(zplFor(label, options.dpi))
})
