import bwipjs from "bwip-js/node"
import { PNG } from "pngjs"
import type { BarcodeFormatName, PixelImage } from "./BarcodeDecoder.ts"

/** One barcode to draw: bwip-js encoder name, the text it must decode back to, and how it is turned (bwip-js). */
export interface SyntheticBarcode {
  readonly format: BarcodeFormatName
  readonly bcid: string
  readonly text: string
  readonly rotate: "N" | "R" | "L" | "I"
}

/** A sample of each format a pack bench sees, with texts valid for the symbology (check digits, even ITF length). */
export const sampleBarcodes: ReadonlyArray<Omit<SyntheticBarcode, "rotate">> = [
  { format: "QR_CODE", bcid: "qrcode", text: "https://track.example/1Z999AA10123456784" },
  { format: "CODE_128", bcid: "code128", text: "1Z999AA10123456784" },
  { format: "EAN_13", bcid: "ean13", text: "5901234123457" },
  { format: "DATA_MATRIX", bcid: "datamatrix", text: "PB-ORDER-000042|SKU-7731" },
  { format: "PDF_417", bcid: "pdf417", text: "PACKBENCH RETURN 2024-0001" },
  { format: "ITF", bcid: "interleaved2of5", text: "12345678901231" },
  { format: "CODE_39", bcid: "code39", text: "PACK-39" }
]

/** Deterministic noise, so a failing frame can be regenerated from its seed. */
const random = (seed: number) => () => {
  seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0
  return seed / 4_294_967_296
}

/**
 * A camera-like frame: grey noise with the barcode (white quiet zone included) pasted at a seed-chosen place, the
 * way a handheld or overhead camera sees a label on a parcel.
 */
export const syntheticFrame = async (
  barcode: SyntheticBarcode,
  seed: number,
  width = 1280,
  height = 720,
  background: "noisy" | "plain" = "noisy"
): Promise<PixelImage> => {
  const linear = !["qrcode", "datamatrix", "pdf417"].includes(barcode.bcid)
  const png = PNG.sync.read(
    await bwipjs.toBuffer({
      bcid: barcode.bcid,
      text: barcode.text,
      scale: linear ? 2 : 3,
      ...(linear ? { height: 14 } : {}),
      rotate: barcode.rotate,
      paddingwidth: 12,
      paddingheight: 12,
      backgroundcolor: "FFFFFF"
    })
  )
  if (png.width > width || png.height > height) {
    throw new Error(`${barcode.bcid} renders ${png.width}x${png.height}, larger than the ${width}x${height} frame`)
  }
  const next = random(seed)
  const data = new Uint8ClampedArray(width * height * 4)
  for (let i = 0; i < data.length; i += 4) {
    const grey = background === "plain" ? 235 : 130 + Math.floor(next() * 70)
    data[i] = grey
    data[i + 1] = grey
    data[i + 2] = Math.min(255, grey + 10)
    data[i + 3] = 255
  }
  const left = Math.floor(next() * (width - png.width))
  const top = Math.floor(next() * (height - png.height))
  for (let y = 0; y < png.height; y++) {
    const row = png.data.subarray(y * png.width * 4, (y + 1) * png.width * 4)
    data.set(row, ((top + y) * width + left) * 4)
  }
  return { width, height, channels: 4, data }
}

export const encodePng = (image: PixelImage): Buffer => {
  const png = new PNG({ width: image.width, height: image.height })
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength)
  return PNG.sync.write(png)
}
