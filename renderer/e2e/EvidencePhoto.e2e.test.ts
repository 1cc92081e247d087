import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packOrder, scanKeys, signIn, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const SOCKS = "4260123450038"

let page: Page
let opened: StationInBrowser | undefined
let trackingNumber = ""
let parcelId = ""

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

/** Waits until the photo on screen has loaded and decoded, so the screenshot shows it. */
const photoLoaded = (within: string) =>
  page.waitForFunction(
    (selector) => {
      const image = document.querySelector<HTMLImageElement>(`${selector} [data-testid="evidence-photo"] img`)
      return image?.complete === true && image.naturalWidth === 320
    },
    within,
    { timeout: 15_000 }
  )

beforeAll(async () => {
  // The recorded camera without a path plays the frame the station generates in its data dir.
  const configDir = mkdtempSync(join(tmpdir(), "pb-evidence-e2e-config-"))
  const configFile = join(configDir, "packbench.config.json")
  writeFileSync(configFile, JSON.stringify({ cameras: [{ type: "recorded", id: "bench-cam" }] }))
  opened = await openStationInBrowser("evidence", { PACKBENCH_CONFIG: configFile })
  page = opened.page
})

afterAll(() => opened?.close())

describe("the pack evidence photo on the Manager screen and at the returns desk", () => {
  it("takes the photo when SO-100001 is packed", async () => {
    await signIn(page, "B-1001")
    trackingNumber = await packOrder(
      page,
      "SO-100001",
      [
        { sku: "ALP-MUG-01", scan: MUG, quantity: 2 },
        { sku: "ALP-SOCK-M", scan: SOCKS, quantity: 1 }
      ],
      { box: 1, grams: 860 }
    )
    const database = new Database(join(opened!.station.config.dataDir, "station.db"), { readonly: true })
    const row = database.prepare("SELECT parcel_id, data FROM parcels").get() as { parcel_id: string; data: string }
    database.close()
    parcelId = row.parcel_id
    expect(JSON.parse(row.data).photo).toMatchObject({ cameraId: "bench-cam", sha256: expect.any(String) })
  })

  it("shows it in the Manager screen's parcel view", async () => {
    await page.keyboard.press("F3")
    const card = page.getByTestId("parcel-card")
    // The parcel just packed heads the recent parcels: one click shows its photo, no id to type.
    const row = card.locator(`[data-testid="recent-parcels"] tr[data-parcel-id="${parcelId}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect((await row.innerText()).replace(/\s+/g, " ")).toContain("SO-100001")
    expect(await row.innerText()).toContain("Foto")
    await row.getByRole("button", { name: parcelId }).click()
    await card.locator('[data-testid="evidence-photo"][data-status="shown"]').waitFor({ timeout: 15_000 })
    await photoLoaded('[data-testid="parcel-card"]')
    expect(await row.getAttribute("aria-selected")).toBe("true")
    expect(await card.getByTestId("evidence-photo").innerText()).toContain("Kamera bench-cam")
    await card.scrollIntoViewIfNeeded()
    await screenshot("evidence-1-manager-parcel")
  })

  it("flags a photo whose file was changed and does not show it", async () => {
    const file = join(opened!.station.config.dataDir, "photos", `${parcelId}.jpg`)
    const original = readFileSync(file)
    const altered = Buffer.from(original)
    altered[altered.length - 3] = altered[altered.length - 3]! ^ 0xff
    writeFileSync(file, altered)
    const card = page.getByTestId("parcel-card")
    // Another parcel first, then this one again: a fresh read of the file.
    await card.getByTestId("parcel-id-input").fill("PACK-00-000000")
    await card.getByRole("button", { name: "Anzeigen" }).click()
    await card.locator('[data-testid="evidence-photo"][data-status="none"]').waitFor({ timeout: 15_000 })
    await card.getByTestId("parcel-id-input").fill(parcelId)
    await card.getByRole("button", { name: "Anzeigen" }).click()
    const flagged = card.locator('[data-testid="evidence-photo"][data-status="altered"]')
    await flagged.waitFor({ timeout: 15_000 })
    expect(await flagged.innerText()).toContain("Foto verändert")
    expect(await flagged.locator("img").count()).toBe(0)
    await screenshot("evidence-2-manager-altered")
    writeFileSync(file, original)
  })

  it("shows the returns clerk how the parcel went out", async () => {
    await signIn(page, "B-2001")
    await page.keyboard.press("F2")
    await waitForPrompt(page, "Retoure scannen")
    await scanKeys(page, trackingNumber)
    const returnCase = page.getByTestId("return-case")
    await returnCase.locator('[data-testid="evidence-photo"][data-status="shown"]').waitFor({ timeout: 15_000 })
    await photoLoaded('[data-testid="return-case"]')
    expect(await returnCase.innerText()).toContain("So ging das Paket raus")
    await screenshot("evidence-3-returns-desk")
    expect(opened!.pageProblems).toEqual([])
  })
})
