import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  BarcodeFormat,
  BinaryBitmap,
  DecodeHintType,
  HybridBinarizer,
  MultiFormatReader,
  RGBLuminanceSource
} from "@zxing/library"
import { Effect, Exit } from "effect"
import { PNG } from "pngjs"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { buildInsert } from "../../core/insert/BrandTemplate.ts"
import { exampleBrand, exampleOrder } from "../../core/insert/exampleBrand.ts"
import { encodeZpl } from "../../core/label/encodeZpl.ts"
import { exampleLabel } from "../../core/label/exampleLabel.ts"
import { encodeEscPosInsert } from "./EscPosInsertEncoder.ts"
import { type PrinterSimulator, start } from "./PrinterSimulator.ts"
import { makeTcpPrinter } from "./TcpPrinter.ts"

const OUTPUT = "test-output/printer"

/** Decodes one symbol from a region of a PNG with ZXing, as a scanner would read the printed label. */
const decodePng = async (
  file: string,
  format: BarcodeFormat,
  region?: { readonly left?: number; readonly top: number; readonly bottom: number; readonly pad?: number }
): Promise<string> => {
  const png = PNG.sync.read(await readFile(file))
  const left = region?.left ?? 0
  const top = region?.top ?? 0
  // An optional white margin around the cut-out region, as the label's surroundings give a scanner.
  const pad = region?.pad ?? 0
  const width = png.width - left + 2 * pad
  const height = (region?.bottom ?? png.height) - top + 2 * pad
  const luminance = new Uint8ClampedArray(width * height).fill(255)
  for (let y = pad; y < height - pad; y++) {
    for (let x = pad; x < width - pad; x++) {
      const i = ((y - pad + top) * png.width + x - pad + left) * 4
      luminance[y * width + x] = (png.data[i]! * 299 + png.data[i + 1]! * 587 + png.data[i + 2]! * 114) / 1000
    }
  }
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [format]],
    [DecodeHintType.TRY_HARDER, true]
  ])
  const reader = new MultiFormatReader()
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)))
  return reader.decode(bitmap, hints).getText()
}

describe("printer simulator over TCP", () => {
  let dir: string
  let simulator: PrinterSimulator | undefined

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "packbench-printer-"))
    await mkdir(OUTPUT, { recursive: true })
  })
  afterEach(async () => {
    await simulator?.close()
    simulator = undefined
    await rm(dir, { recursive: true, force: true })
  })

  it("prints a label through TcpPrinter, records the exact bytes and renders a scannable PNG", async () => {
    simulator = await start({ port: 0, dir, language: "zpl" })
    const printer = makeTcpPrinter({ id: "label-1", host: "127.0.0.1", port: simulator.port, language: "zpl" })
    const bytes = await Effect.runPromise(encodeZpl(exampleLabel, { dpi: 203 }))
    await Effect.runPromise(printer.send({ jobId: "job-1", bytes }))
    const [job] = await simulator.waitForJobs(1)
    expect(job!.bytes).toEqual(bytes)
    expect(job!.problems).toEqual([])
    expect(job!.renderError).toBeUndefined()
    const png = job!.pngs[0]!
    await copyFile(png, join(OUTPUT, "label-203dpi.png"))
    const image = PNG.sync.read(await readFile(png))
    expect([image.width, image.height]).toEqual([812, 1218])
    // The tracking barcode sits in the fourth band of the layout (3.60 to 4.80 inches).
    expect(await decodePng(png, BarcodeFormat.CODE_128, { top: 740, bottom: 970 })).toBe(exampleLabel.trackingNumber)
    // The 2D code sits right of the routing barcode, boxed by section lines.
    expect(await decodePng(png, BarcodeFormat.QR_CODE, { left: 560, top: 497, bottom: 728, pad: 40 })).toBe(
      `${exampleLabel.trackingNumber}|${exampleLabel.orderId}|${exampleLabel.parcelId}`
    )
  })

  it("stamps when each job's last byte arrived, and keeps only the bytes when rendering is off", async () => {
    simulator = await start({ port: 0, dir, language: "zpl", render: false })
    const printer = makeTcpPrinter({ id: "label-raw", host: "127.0.0.1", port: simulator.port, language: "zpl" })
    const bytes = await Effect.runPromise(encodeZpl(exampleLabel, { dpi: 203 }))
    const before = performance.now()
    await Effect.runPromise(printer.send({ jobId: "a", bytes }))
    const [first] = await simulator.waitForJobs(1)
    const recorded = performance.now()
    await Effect.runPromise(printer.send({ jobId: "b", bytes }))
    const [, second] = await simulator.waitForJobs(2)
    // The sender's socket flushing to the kernel is not the printer having the bytes: the stamp is the listener's.
    expect(first!.lastByteAt).toBeGreaterThanOrEqual(before)
    expect(first!.lastByteAt).toBeLessThanOrEqual(recorded)
    expect(second!.lastByteAt).toBeGreaterThanOrEqual(first!.lastByteAt)
    expect(first!.bytes).toEqual(bytes)
    expect(first!.problems).toEqual([])
    expect(first!.pngs).toEqual([])
    expect(first!.pdf).toBeUndefined()
  })

  it("renders a 300 dpi label at 1218x1827 dots", async () => {
    simulator = await start({ port: 0, dir, language: "zpl", dpi: 300 })
    const printer = makeTcpPrinter({ id: "label-300", host: "127.0.0.1", port: simulator.port, language: "zpl" })
    await Effect.runPromise(
      printer.send({ jobId: "j", bytes: await Effect.runPromise(encodeZpl(exampleLabel, { dpi: 300 })) })
    )
    const [job] = await simulator.waitForJobs(1)
    await copyFile(job!.pngs[0]!, join(OUTPUT, "label-300dpi.png"))
    const image = PNG.sync.read(await readFile(job!.pngs[0]!))
    expect([image.width, image.height]).toEqual([1218, 1827])
    expect(await decodePng(job!.pngs[0]!, BarcodeFormat.CODE_128, { top: 1100, bottom: 1460 })).toBe(
      exampleLabel.trackingNumber
    )
  })

  it("reports paper out, head open and online through ~HS, and Offline when switched off", async () => {
    simulator = await start({ port: 0, dir, language: "zpl" })
    const printer = makeTcpPrinter({ id: "label-1", host: "127.0.0.1", port: simulator.port, language: "zpl" })
    expect(await Effect.runPromise(printer.status)).toBe("Online")
    await simulator.setState("paperOut")
    expect(await Effect.runPromise(printer.status)).toBe("PaperOut")
    await simulator.setState("headOpen")
    expect(await Effect.runPromise(printer.status)).toBe("HeadOpen")
    await simulator.setState("offline")
    expect(await Effect.runPromise(printer.status)).toBe("Offline")
    await simulator.setState("online")
    expect(await Effect.runPromise(printer.status)).toBe("Online")
    expect(simulator.jobs()).toEqual([])
  })

  it("fails send with a PrinterError naming the printer when the printer is gone", async () => {
    simulator = await start({ port: 0, dir, language: "zpl" })
    const port = simulator.port
    await simulator.close()
    const printer = makeTcpPrinter({ id: "label-dock-3", host: "127.0.0.1", port, language: "zpl", timeoutMs: 2000 })
    const exit = await Effect.runPromiseExit(
      printer.send({ jobId: "job-9", bytes: new TextEncoder().encode("^XA^XZ") })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const reason = exit.cause.reasons[0]
      expect(reason?._tag).toBe("Fail")
      if (reason?._tag === "Fail") {
        expect(reason.error).toMatchObject({ _tag: "PrinterError", printerId: "label-dock-3", status: "Offline" })
        expect(reason.error.message).toContain("label-dock-3")
        expect(reason.error.message).toContain("job-9")
      }
    }
    expect(simulator.jobs()).toEqual([])
  })

  it("prints the ESC/POS insert, answers DLE EOT and renders a receipt whose QR is the RMA URL", async () => {
    simulator = await start({ port: 0, dir, language: "escpos" })
    const printer = makeTcpPrinter({ id: "receipt-1", host: "127.0.0.1", port: simulator.port, language: "escpos" })
    expect(await Effect.runPromise(printer.status)).toBe("Online")
    const insert = await Effect.runPromise(buildInsert(exampleBrand, exampleOrder))
    const bytes = encodeEscPosInsert(insert)
    await Effect.runPromise(printer.send({ jobId: "insert-1", bytes }))
    const [job] = await simulator.waitForJobs(1)
    expect(job!.bytes).toEqual(bytes)
    expect(job!.renderError).toBeUndefined()
    await copyFile(job!.pngs[0]!, join(OUTPUT, "insert-de.png"))
    expect(await decodePng(job!.pngs[0]!, BarcodeFormat.QR_CODE)).toBe(insert.returnUrl)
    await simulator.setState("paperOut")
    expect(await Effect.runPromise(printer.status)).toBe("PaperOut")
    await simulator.setState("headOpen")
    expect(await Effect.runPromise(printer.status)).toBe("HeadOpen")
  })
})
