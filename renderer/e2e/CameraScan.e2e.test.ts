import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import bwipjs from "bwip-js/node"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { PNG } from "pngjs"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import type { ScanOutcome } from "../../core/api/StationApi.ts"
import { loadConfig } from "../../drivers/station/loadConfig.ts"
import { PROJECT_ROOT, type RunningStation, startStation } from "../../drivers/station/Station.ts"
import { CHROMIUM_ARGS, packbenchCode } from "./StationInBrowser.ts"
import { SCANNER_DELAY_MS, sendKeys } from "./sendKeys.ts"

const SCREENSHOTS = resolve(PROJECT_ROOT, "test-output", "screenshots")
const FRAME_WIDTH = 1280
const FRAME_HEIGHT = 720
/** Chromium loops the file, so a few identical frames are a barcode held still in front of the lens. */
const FRAME_COUNT = 5
const MUG = "4260123450014"

const code = packbenchCode
const BADGE = code("badge", "B-1001")
const ORDER = code("order", "SO-100001")

/** BT.601 studio range, the range Chromium assumes for I420 from a capture device. */
const lumaOf = (r: number, g: number, b: number) => Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b)
const blueDifferenceOf = (r: number, g: number, b: number) => Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b)
const redDifferenceOf = (r: number, g: number, b: number) => Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b)

/**
 * Writes a Y4M clip (the format Chromium's fake capture device reads) whose frames show the barcode centred on
 * white. Y4M is a text header, then per frame a `FRAME` line and the I420 planes: full-size Y, then U and V at half
 * width and height, each chroma sample the average of a 2x2 block.
 */
const writeBarcodeVideo = async (file: string, barcode: { readonly bcid: string; readonly text: string }) => {
  const symbol = PNG.sync.read(
    await bwipjs.toBuffer({ bcid: barcode.bcid, text: barcode.text, scale: 4, includetext: false })
  )
  const rgb = new Uint8Array(FRAME_WIDTH * FRAME_HEIGHT * 3).fill(255)
  const left = Math.floor((FRAME_WIDTH - symbol.width) / 2)
  const top = Math.floor((FRAME_HEIGHT - symbol.height) / 2)
  for (let y = 0; y < symbol.height; y++) {
    for (let x = 0; x < symbol.width; x++) {
      const from = (y * symbol.width + x) * 4
      const to = ((top + y) * FRAME_WIDTH + left + x) * 3
      // bwip-js leaves the background transparent: blend onto the white page the label is printed on.
      const alpha = (symbol.data[from + 3] ?? 255) / 255
      for (let channel = 0; channel < 3; channel++) {
        rgb[to + channel] = Math.round((symbol.data[from + channel] ?? 0) * alpha + 255 * (1 - alpha))
      }
    }
  }
  const at = (x: number, y: number, channel: number) => rgb[(y * FRAME_WIDTH + x) * 3 + channel] ?? 255
  const luma = new Uint8Array(FRAME_WIDTH * FRAME_HEIGHT)
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) luma[y * FRAME_WIDTH + x] = lumaOf(at(x, y, 0), at(x, y, 1), at(x, y, 2))
  }
  const chromaWidth = FRAME_WIDTH / 2
  const blue = new Uint8Array(chromaWidth * (FRAME_HEIGHT / 2))
  const red = new Uint8Array(blue.length)
  for (let y = 0; y < FRAME_HEIGHT / 2; y++) {
    for (let x = 0; x < chromaWidth; x++) {
      const mean = (channel: number) =>
        (at(2 * x, 2 * y, channel) +
          at(2 * x + 1, 2 * y, channel) +
          at(2 * x, 2 * y + 1, channel) +
          at(2 * x + 1, 2 * y + 1, channel)) /
        4
      blue[y * chromaWidth + x] = blueDifferenceOf(mean(0), mean(1), mean(2))
      red[y * chromaWidth + x] = redDifferenceOf(mean(0), mean(1), mean(2))
    }
  }
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, blue, red])
  const header = Buffer.from(`YUV4MPEG2 W${FRAME_WIDTH} H${FRAME_HEIGHT} F10:1 Ip A1:1 C420jpeg\n`)
  writeFileSync(file, Buffer.concat([header, ...Array.from({ length: FRAME_COUNT }, () => frame)]))
}

let workDir: string
let station: RunningStation | undefined
const scans: Array<ScanOutcome> = []
let browser: BrowserContext | undefined
let page: Page
const pageProblems: Array<string> = []
/** Every URL the page and its workers asked for: the decoder must come from the station, never from a CDN. */
const requested: Array<string> = []
let staticDir: string

const cameraScansOf = (raw: string) => scans.filter((scan) => scan.source === "camera" && scan.raw === raw)

/** How many camera tracks the page has opened and how many of them are still live. */
const cameraTracks = () =>
  page.evaluate(() => {
    const streams = (window as unknown as { readonly cameraStreams: ReadonlyArray<MediaStream> }).cameraStreams
    const tracks = streams.flatMap((stream) => stream.getVideoTracks())
    return { opened: tracks.length, live: tracks.filter((track) => track.readyState === "live").length }
  })

/** A browser whose only webcam plays `video`, on the station's UI, with the operator signed in by badge. */
const openStationWithCamera = async (video: string) => {
  const profileDir = mkdtempSync(join(workDir, "chromium-"))
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    args: [
      ...CHROMIUM_ARGS,
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`
    ],
    viewport: { width: 1280, height: 800 }
  })
  // Remembers every stream the page opens, so the test can tell whether closing the camera really released it.
  await browser.addInitScript(() => {
    const streams: Array<MediaStream> = []
    Object.assign(window, { cameraStreams: streams })
    const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints)
      streams.push(stream)
      return stream
    }
  })
  browser.on("request", (request) => requested.push(request.url()))
  page = browser.pages()[0] ?? (await browser.newPage())
  // A scan's outcome is pushed to the browser that scanned it: read from the page's own event socket.
  page.on("websocket", (socket) =>
    socket.on("framereceived", ({ payload }) => {
      const message = JSON.parse(String(payload)) as { name: string; payload: unknown }
      if (message.name === "scan") scans.push(message.payload as ScanOutcome)
    })
  )
  page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`))
  page.on("console", (message) => {
    if (message.type() === "error") pageProblems.push(`console: ${message.text()}`)
  })
  await page.goto(station!.url!)
  await page.getByTestId("operator").getByText("Badge scannen").waitFor({ timeout: 15_000 })
  await sendKeys(browser, page, BADGE, SCANNER_DELAY_MS)
  await page.getByTestId("operator").getByText("Jonas Becker").waitFor({ timeout: 15_000 })
}

const lastScanPanel = (raw: string) =>
  page.locator('[data-testid="scan-outcome"]').filter({ has: page.locator("code.outcome-raw", { hasText: raw }) })

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  workDir = mkdtempSync(join(tmpdir(), "packbench-camera-e2e-"))
  // Built fresh into the temp dir: the shared renderer/dist may predate the camera code this test is about.
  staticDir = join(workDir, "ui")
  execFileSync(
    "npx",
    [
      "vite",
      "build",
      "--config",
      "renderer/vite.config.ts",
      "--outDir",
      staticDir,
      "--emptyOutDir",
      "--logLevel",
      "warn"
    ],
    { cwd: PROJECT_ROOT }
  )
  const dataDir = join(workDir, "data")
  mkdirSync(dataDir)
  const config = loadConfig({
    cwd: dataDir,
    env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0" }
  })
  station = await startStation({ config, http: true, staticDir, log: () => {} })
})

afterEach(async () => {
  await browser?.close()
  browser = undefined
})

afterAll(async () => {
  await station?.close()
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true })
})

describe("scanning with the webcam in Chromium", () => {
  it("reads an EAN-13 once while it is held up, keeps the camera running, and releases it when closed", async () => {
    const video = join(workDir, "ean13.y4m")
    await writeBarcodeVideo(video, { bcid: "ean13", text: MUG })
    await openStationWithCamera(video)

    await page.getByRole("button", { name: "Mit Kamera scannen" }).click()
    await vi.waitFor(() => expect(cameraScansOf(MUG)).toHaveLength(1), { timeout: 30_000, interval: 100 })
    await lastScanPanel(MUG).waitFor({ timeout: 15_000 })
    expect(await lastScanPanel(MUG).innerText()).toContain("Kein Auftrag offen")

    // Held in view for longer than twice the quiet time: still one scan, and the preview is still moving.
    const before = await page.locator("video.camera-video").evaluate((element: HTMLVideoElement) => element.currentTime)
    await page.waitForTimeout(5000)
    expect(cameraScansOf(MUG)).toHaveLength(1)
    expect(await cameraTracks()).toEqual({ opened: 1, live: 1 })
    const after = await page.locator("video.camera-video").evaluate((element: HTMLVideoElement) => ({
      time: element.currentTime,
      paused: element.paused,
      width: element.videoWidth
    }))
    expect(after).toMatchObject({ paused: false, width: FRAME_WIDTH })
    expect(after.time).toBeGreaterThan(before)
    await page.screenshot({ path: join(SCREENSHOTS, "camera-scan.png"), fullPage: true })

    await page.getByRole("button", { name: "Kamera schließen" }).click()
    await page.locator("video.camera-video").waitFor({ state: "detached" })
    await vi.waitFor(async () => expect(await cameraTracks()).toEqual({ opened: 1, live: 0 }), { timeout: 5000 })

    // Opened again, the same code held up is a new scan: the quiet time belongs to one camera session.
    await page.getByRole("button", { name: "Mit Kamera scannen" }).click()
    await vi.waitFor(() => expect(cameraScansOf(MUG)).toHaveLength(2), { timeout: 30_000, interval: 100 })
    await page.getByRole("button", { name: "Kamera schließen" }).click()
    await vi.waitFor(async () => expect(await cameraTracks()).toEqual({ opened: 2, live: 0 }), { timeout: 5000 })
  })

  it("opens an order from its Packbench QR code and lets go of the camera with the screen it was on", async () => {
    const video = join(workDir, "order-qr.y4m")
    await writeBarcodeVideo(video, { bcid: "qrcode", text: ORDER })
    await openStationWithCamera(video)

    await page.getByRole("button", { name: "Mit Kamera scannen" }).click()
    await vi.waitFor(() => expect(cameraScansOf(ORDER)).toHaveLength(1), { timeout: 30_000, interval: 100 })
    await lastScanPanel(ORDER).and(page.locator('[data-tone="ok"]')).waitFor({ timeout: 15_000 })
    await page.locator('[data-testid="pack-line"][data-sku="ALP-MUG-01"]').waitFor({ timeout: 15_000 })
    await vi.waitFor(async () => expect(await cameraTracks()).toEqual({ opened: 1, live: 0 }), { timeout: 5000 })
    await page.screenshot({ path: join(SCREENSHOTS, "camera-scan-order.png"), fullPage: true })
  })

  it("hands a GS1 DataMatrix over with its AIM identifier and FNC1 as GS, so the station reads its AIs", async () => {
    const video = join(workDir, "gs1-datamatrix.y4m")
    await writeBarcodeVideo(video, { bcid: "gs1datamatrix", text: `(01)0${MUG}(10)LOT7` })
    await openStationWithCamera(video)

    await page.getByRole("button", { name: "Mit Kamera scannen" }).click()
    const raw = `]d201${"0"}${MUG}10LOT7`
    await vi.waitFor(() => expect(cameraScansOf(raw)).toHaveLength(1), { timeout: 30_000, interval: 100 })
    expect(cameraScansOf(raw)[0]!.identification).toMatchObject({
      kind: "gs1",
      valid: true,
      ais: [
        { ai: "01", value: `0${MUG}` },
        { ai: "10", value: "LOT7" }
      ]
    })
    await page.getByRole("button", { name: "Kamera schließen" }).click()
  })

  it("loaded the decoder's WebAssembly from the station itself, and allowed WebAssembly only to the decode worker", async () => {
    const origin = new URL(station!.url!).origin
    expect(requested.some((url) => url.startsWith(origin) && url.endsWith(".wasm"))).toBe(true)
    expect(
      requested.filter((url) => !url.startsWith(origin) && !url.startsWith("blob:") && !url.startsWith("data:"))
    ).toEqual([])
    const index = await fetch(station!.url!)
    expect(index.headers.get("content-security-policy")).not.toContain("wasm-unsafe-eval")
    const worker = readdirSync(join(staticDir, "assets")).find((name) => /^decodeWorker-.*\.js$/.test(name))!
    const workerResponse = await fetch(new URL(`assets/${worker}`, station!.url!))
    expect(workerResponse.headers.get("content-security-policy")).toContain("'wasm-unsafe-eval'")
    const wasm = readdirSync(join(staticDir, "assets")).find((name) => name.endsWith(".wasm"))!
    expect((await fetch(new URL(`assets/${wasm}`, station!.url!))).headers.get("content-type")).toBe("application/wasm")
  })

  it("ran without script errors or CSP violations", () => {
    expect(pageProblems).toEqual([])
  })
})
