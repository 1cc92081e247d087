import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LabelServiceSimulator, startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import { completeParcel, openOrder, signIn, verifyLines } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const SOCKS = "4260123450038"
const API_KEY = "e2e-dhl-key"

let opened: StationInBrowser | undefined
let service: LabelServiceSimulator | undefined
let configDir = ""
let page: Page

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

beforeAll(async () => {
  // DHL Paket's labels come from its label service, which is down when the station starts.
  service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD", apiKey: API_KEY })
  await service.down()
  configDir = mkdtempSync(join(tmpdir(), "packbench-apicarrier-config-"))
  const configFile = join(configDir, "packbench.config.json")
  writeFileSync(
    configFile,
    JSON.stringify({
      carriers: {
        "dhl-paket": { type: "api", baseUrl: service.url, apiKeyEnv: "PACKBENCH_E2E_DHL_KEY", timeoutMs: 2000 }
      }
    })
  )
  opened = await openStationInBrowser("apicarrier", { PACKBENCH_CONFIG: configFile, PACKBENCH_E2E_DHL_KEY: API_KEY })
  page = opened.page
})

afterAll(async () => {
  await opened?.close()
  await service?.close()
  if (configDir !== "") rmSync(configDir, { recursive: true, force: true })
})

describe("an API carrier's label while its service is down, and when it is back", () => {
  it("packs SO-100001 (DHL Paket) by scanner and keys; the Pack screen says the label is pending", async () => {
    await signIn(page, "B-1001")
    await openOrder(page, "SO-100001", "ALP-MUG-01")
    await verifyLines(page, [
      { sku: "ALP-MUG-01", scan: MUG, quantity: 2 },
      { sku: "ALP-SOCK-M", scan: SOCKS, quantity: 1 }
    ])
    await completeParcel(page, { box: 1, grams: 860 })
    const pending = page.getByTestId("label-pending")
    await pending.waitFor({ timeout: 30_000 })
    expect(await pending.innerText()).toContain("Etikett ausstehend")
    expect(await pending.innerText()).toContain("aber DHL Paket ist gerade nicht erreichbar")
    expect(await pending.innerText()).toContain("Das Etikett druckt von selbst")
    // No label to stick on yet: the prompt says to keep the parcel at the bench.
    expect(await page.getByTestId("prompt").innerText()).toContain("Paket an der Station lassen")
    await page.getByTestId("pending-labels").getByText("Etikett ausstehend: 1").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("tracking-number").count()).toBe(0)
    await screenshot("pack-label-pending")
    // The station asked the service and was refused a connection: no label exists, none was printed.
    expect(service!.issued().size).toBe(0)
    expect(opened!.station.simulatedPrinters.label!.jobs()).toHaveLength(0)
    const state = await opened!.station.call("pack.state", {})
    expect(state).toMatchObject({ ok: true, value: { parcel: { status: "label-pending", trackingNumber: null } } })
  })

  it("prints the label by itself, exactly once, when the service is back", async () => {
    await service!.up()
    const tracking = page.getByTestId("tracking-number")
    await tracking.waitFor({ timeout: 60_000 })
    const trackingNumber = (await tracking.innerText()).trim()
    expect(trackingNumber).toMatch(/^JJD\d{10}$/)
    expect(await page.getByTestId("label-pending").count()).toBe(0)
    expect(await page.getByTestId("prompt").innerText()).toContain("Etikett aufkleben")
    await page.getByTestId("pending-labels").waitFor({ state: "detached", timeout: 15_000 })
    await screenshot("pack-label-printed-after-outage")

    const label = opened!.station.simulatedPrinters.label!
    const [job] = await label.waitForJobs(1, 30_000)
    const zpl = new TextDecoder("latin1").decode(job!.bytes)
    expect(zpl).toMatch(/^\^XA/)
    expect(zpl.trimEnd()).toMatch(/\^XZ$/)
    expect(zpl).toContain(trackingNumber)
    expect(job!.problems).toEqual([])
    expect(job!.renderError).toBeUndefined()

    // One label per parcel: every request carried the key and the same parcel id, and nothing printed twice
    // through the worker's next passes (it looks again every 2 s).
    const issued = [...service!.issued().entries()]
    expect(issued).toHaveLength(1)
    expect(issued[0]![1]).toBe(trackingNumber)
    const requests = service!.requests()
    expect(requests.every((request) => request.authorization === `Bearer ${API_KEY}`)).toBe(true)
    expect(new Set(requests.map((request) => request.idempotencyKey))).toEqual(new Set([issued[0]![0]]))
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(label.jobs()).toHaveLength(1)
    const state = await opened!.station.call("pack.state", {})
    expect(state).toMatchObject({ ok: true, value: { parcel: { status: "packed", trackingNumber } } })
  })

  it("ran without script errors", () => {
    expect(opened!.pageProblems).toEqual([])
  })
})
