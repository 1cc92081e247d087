import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packOrder, scanKeys, signIn, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

/** SO-100003's GPS by its GTIN and serial (GS1 AIs 01 and 21), as a scanner reads its label. */
const GPS = "010426012345006921GPS-E2E-1"

let page: Page
let opened: StationInBrowser | undefined

const scan = (raw: string) => scanKeys(page, raw)
const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
const prompt = (text: string) => waitForPrompt(page, text)
/** The clerk's single key, pressed on its own like a person does (not part of a scanner burst). */
const pressAlone = async (key: string) => {
  await page.waitForTimeout(200)
  await page.keyboard.press(key)
}
const gpsItems = () => page.locator('[data-testid="return-item"][data-sku="ALP-GPS-X1"]')
const graded = () => page.locator('[data-testid="return-item"][data-sku="ALP-GPS-X1"][data-grade="new-sealed"]')

beforeAll(async () => {
  opened = await openStationInBrowser("returns-no-refund")
  page = opened.page
})

afterAll(() => opened?.close())

describe("a unit scanned again into a return whose refund is decided: decided with no refund, and shown so", () => {
  it("refunds the GPS, then decides the same GPS scanned again as 'Keine Erstattung', not as held for review", async () => {
    await signIn(page, "B-1001")
    const trackingNumber = await packOrder(page, "SO-100003", [{ sku: "ALP-GPS-X1", scan: GPS, quantity: 1 }], {
      box: 1,
      grams: 245
    })
    await signIn(page, "B-2001")
    await page.keyboard.press("F2")
    await prompt("Retoure scannen")
    await scan(trackingNumber)
    await prompt("Artikel scannen und bewerten")
    await scan(GPS)
    await gpsItems().first().waitFor({ timeout: 15_000 })
    await pressAlone("1")
    await graded().first().waitFor({ timeout: 15_000 })
    await pressAlone("F9")
    await gpsItems().first().getByTestId("return-decision").waitFor({ timeout: 15_000 })
    expect(await gpsItems().first().getAttribute("data-outcome")).toBe("refund-full")

    // The same GPS is scanned a second time: the return has a refund decided, so it cannot be cancelled.
    await scan(GPS)
    await gpsItems().nth(1).waitFor({ timeout: 15_000 })
    const again = gpsItems().nth(1)
    await page.locator(`[data-testid="same-unit"][data-item="${await again.getAttribute("data-item-ref")}"]`).waitFor({
      timeout: 15_000
    })
    const advice = await page
      .locator(`[data-testid="same-unit"][data-item="${await again.getAttribute("data-item-ref")}"]`)
      .innerText()
    expect(advice).toContain("lässt sich nicht stornieren: Beim Entscheiden bekommt dieses Stück keine Erstattung")
    expect(advice).not.toContain("Retoure stornieren und")
    expect(await page.getByTestId("cancel-return").isDisabled()).toBe(true)
    await screenshot("returns-same-unit-kept")
    await pressAlone("1")
    await graded().nth(1).waitFor({ timeout: 15_000 })
    await pressAlone("F9")
    const decision = again.getByTestId("return-decision")
    await decision.waitFor({ timeout: 15_000 })
    expect(await again.getAttribute("data-outcome")).toBe("no-refund")
    const text = await decision.innerText()
    expect(text).toContain("Keine Erstattung")
    expect(text).toContain("Keine zweite Erstattung: Seriennummer GPS-E2E-1 wurde schon als Artikel")
    expect(text).not.toContain("Zur Prüfung zurückgehalten")
    expect(text).not.toContain("CHF")
    expect(await decision.getAttribute("class")).toContain("decision-closed")
    expect(await decision.getByRole("button").count()).toBe(0)
    // The item refunded is told the unit came in again with no refund, not that it is "already" elsewhere.
    const first = await gpsItems().first().getAttribute("data-item-ref")
    expect(await page.locator(`[data-testid="same-unit"][data-item="${first}"]`).innerText()).toContain(
      "wurde noch einmal in diese Retoure gescannt"
    )
    await screenshot("returns-same-unit-no-refund")
    await pressAlone("F10")
    await page.getByTestId("returns-finished").waitFor({ timeout: 15_000 })
    expect(opened!.pageProblems).toEqual([])
  })
})
