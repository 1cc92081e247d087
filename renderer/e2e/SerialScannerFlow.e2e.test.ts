import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ScannerSimulator } from "../../fixtures/simulators/ScannerSimulator.ts"
import { packOrder, type Scan, signIn } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const SOCKS = "4260123450038"

let simulator: ScannerSimulator
let opened: StationInBrowser | undefined
let dir = ""

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pb-serial-e2e-"))
  simulator = await ScannerSimulator.start(dir)
  const configFile = join(dir, "packbench.config.json")
  writeFileSync(
    configFile,
    JSON.stringify({
      scanners: [{ type: "serial", id: "bench-scanner", path: simulator.scannerPath, baudRate: 9600, suffix: "CR" }]
    })
  )
  opened = await openStationInBrowser("serial", { PACKBENCH_CONFIG: configFile })
})

afterAll(async () => {
  await opened?.close()
  await simulator?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("packing an order with a serial scanner (socat pty) as the only scanner", () => {
  it("signs in, verifies every item and completes the parcel from scans on the serial line", async () => {
    const { page, pageProblems } = opened!
    const serial: Scan = (raw) => simulator.send([raw])
    await page.getByTestId("operator").getByText("Badge scannen").waitFor()
    await signIn(page, "B-1001", serial)
    const trackingNumber = await packOrder(
      page,
      "SO-100001",
      [
        { sku: "ALP-MUG-01", scan: MUG, quantity: 2 },
        { sku: "ALP-SOCK-M", scan: SOCKS, quantity: 1 }
      ],
      { box: 1, grams: 860 },
      serial
    )
    await page.screenshot({ path: join(SCREENSHOTS, "serial-scanner-packed.png"), fullPage: true })
    expect(trackingNumber).toMatch(/\S{8,}/)
    const state = await opened!.station.call("pack.state", {})
    expect(state).toMatchObject({ ok: true, value: { parcel: { status: "packed", trackingNumber } } })
    expect(pageProblems).toEqual([])
  })
})
