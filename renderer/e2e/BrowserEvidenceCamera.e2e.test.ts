import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packOrder, signIn } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let page: Page
let opened: StationInBrowser | undefined

beforeAll(async () => {
  const configDir = mkdtempSync(join(tmpdir(), "pb-browser-cam-e2e-config-"))
  const configFile = join(configDir, "packbench.config.json")
  writeFileSync(configFile, JSON.stringify({ cameras: [{ type: "browser", id: "screen-cam" }] }))
  // Chromium's fake camera (its moving test pattern), allowed without a prompt.
  opened = await openStationInBrowser("browser-camera", { PACKBENCH_CONFIG: configFile }, [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream"
  ])
  page = opened.page
})

afterAll(() => opened?.close())

describe("a browser evidence camera", () => {
  it("sends the screen camera's still when the packer completes the parcel, and the station keeps it", async () => {
    await signIn(page, "B-1001")
    await packOrder(
      page,
      "SO-100001",
      [
        { sku: "ALP-MUG-01", scan: "4260123450014", quantity: 2 },
        { sku: "ALP-SOCK-M", scan: "4260123450038", quantity: 1 }
      ],
      { box: 1, grams: 860 }
    )
    const dataDir = opened!.station.config.dataDir
    const database = new Database(join(dataDir, "station.db"), { readonly: true })
    const row = database.prepare("SELECT parcel_id, data FROM parcels").get() as { parcel_id: string; data: string }
    database.close()
    const photo = JSON.parse(row.data).photo as { cameraId: string; bytes: number }
    expect(photo).toMatchObject({ cameraId: "screen-cam" })
    const file = readFileSync(join(dataDir, "photos", `${row.parcel_id}.jpg`))
    expect([...file.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect(file.length).toBe(photo.bytes)

    await page.keyboard.press("F3")
    const card = page.getByTestId("parcel-card")
    await card.getByTestId("parcel-id-input").fill(row.parcel_id)
    await card.getByRole("button", { name: "Anzeigen" }).click()
    await card.locator('[data-testid="evidence-photo"][data-status="shown"]').waitFor({ timeout: 15_000 })
    await card.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(SCREENSHOTS, "evidence-4-browser-camera.png"), fullPage: true })
    expect(opened!.pageProblems).toEqual([])
  })
})
