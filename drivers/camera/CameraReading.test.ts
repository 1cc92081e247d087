import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import type { ReaderOptions } from "zxing-wasm/reader"
import { identifyScan } from "../../core/scan/identify.ts"
import { blackboxSamples } from "../../fixtures/scan/blackboxSamples.ts"
import {
  cameraPasses,
  cameraReaderOptionsFor,
  regionOfInterestIn,
  scanTextOf,
  thoroughEvery
} from "../../renderer/src/camera/cameraReading.ts"
import type { BarcodeDecoder } from "./BarcodeDecoder.ts"
import { loadImage } from "./loadImage.ts"
import { makeZxingWasmDecoder, stillImageOptions } from "./ZxingWasmDecoder.ts"

/** The camera reads plain text (FNC1 as GS), as the sets' texts are written. */
const reads = (texts: ReadonlyArray<string>, expected: string) => texts.includes(expected)

const decodeTexts = async (decoder: BarcodeDecoder, file: string) => {
  const image = await Effect.runPromise(loadImage(readFileSync(file)))
  return (await Effect.runPromise(decoder.decode(image))).map((result) => result.text)
}

describe("the camera's reader on zxing-cpp's blackbox samples (fixtures/scan/blackbox)", () => {
  let quick: BarcodeDecoder
  let thorough: BarcodeDecoder
  let everything: BarcodeDecoder
  beforeAll(async () => {
    quick = await Effect.runPromise(makeZxingWasmDecoder(cameraPasses.quick as unknown as ReaderOptions))
    thorough = await Effect.runPromise(makeZxingWasmDecoder(cameraPasses.thorough as unknown as ReaderOptions))
    everything = await Effect.runPromise(makeZxingWasmDecoder({ ...stillImageOptions, textMode: "Plain" }))
  })

  const samples = blackboxSamples()

  it("has samples of every warehouse symbology", () => {
    const sets = new Set(samples.map((sample) => sample.set.replace(/-\d+$/, "")))
    for (const set of ["ean13", "ean8", "upca", "upce", "code128", "code39", "itf", "qrcode", "datamatrix", "pdf417"])
      expect(sets).toContain(set)
  })

  it("reads every sample that every format, tried hard, reads: with its two passes, as a held code gets both", async () => {
    const missed: Array<string> = []
    for (const sample of samples) {
      const reference = reads(await decodeTexts(everything, sample.file), sample.expected)
      const camera =
        reads(await decodeTexts(quick, sample.file), sample.expected) ||
        reads(await decodeTexts(thorough, sample.file), sample.expected)
      if (reference && !camera) missed.push(`${sample.set}/${sample.file}`)
    }
    expect(missed).toEqual([])
  })

  it("reads most of them at all (a camera that reads nothing would pass the comparison)", async () => {
    let read = 0
    for (const sample of samples) if (reads(await decodeTexts(thorough, sample.file), sample.expected)) read++
    expect(read / samples.length).toBeGreaterThan(0.8)
  })
})

describe("camera frame plan", () => {
  it("hands GS1 symbols over with their AIM identifier, so the station reads them as GS1, and others as text", () => {
    expect(scanTextOf({ text: "0109506000134352\u001d10AB", contentType: "GS1", symbologyIdentifier: "]d2" })).toBe(
      "]d20109506000134352\u001d10AB"
    )
    expect(scanTextOf({ text: "4006381333931", contentType: "Text", symbologyIdentifier: "]E0" })).toBe("4006381333931")
    expect(
      identifyScan(scanTextOf({ text: "0109506000134352\u001d10AB", contentType: "GS1", symbologyIdentifier: "]C1" }))
    ).toMatchObject({ kind: "gs1", valid: true, ais: [{ ai: "01" }, { ai: "10", value: "AB" }] })
  })

  it("runs the thorough pass on every third frame and the quick one otherwise", () => {
    const plan = Array.from({ length: 6 }, (_, n) => cameraReaderOptionsFor(n).tryHarder)
    expect(plan).toEqual([false, false, true, false, false, true])
    expect(thoroughEvery).toBe(3)
  })

  it("crops the middle of a 1280x720 frame and never an empty region", () => {
    expect(regionOfInterestIn(1280, 720)).toEqual({ left: 192, top: 108, width: 896, height: 504 })
    const tiny = regionOfInterestIn(1, 1)
    expect(tiny.width).toBeGreaterThan(0)
    expect(tiny.height).toBeGreaterThan(0)
  })
})
