import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openOrder, scanKeys, signIn, verifyLines, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let opened: StationInBrowser

beforeAll(async () => {
  opened = await openStationInBrowser("box-scan")
})

afterAll(() => opened?.close())

describe("a box taken by scanning its barcode", () => {
  it("is shown as the box chosen, in green, not as a rejected code", async () => {
    const { page } = opened
    await signIn(page, "B-1001")
    await openOrder(page, "SO-100001", "ALP-MUG-01")
    await verifyLines(page, [
      { sku: "ALP-MUG-01", scan: "4260123450014", quantity: 2 },
      { sku: "ALP-SOCK-M", scan: "4260123450038", quantity: 1 }
    ])
    await waitForPrompt(page, "Karton wählen")
    await scanKeys(page, "BOX-S")
    await waitForPrompt(page, "Paket wiegen")
    const outcome = page.locator('[data-testid="scan-outcome"]').filter({ hasText: "BOX-S" })
    await outcome.waitFor({ timeout: 15_000 })
    expect(await outcome.getAttribute("data-tone")).toBe("ok")
    expect(await outcome.innerText()).toContain("✔ Karton S gewählt")
    expect(await outcome.innerText()).not.toContain("Abgelehnt")
    await page.screenshot({ path: join(SCREENSHOTS, "pack-box-scanned.png"), fullPage: true })
    expect(opened.pageProblems).toEqual([])
  })
})
