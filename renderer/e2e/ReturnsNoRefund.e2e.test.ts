import { join } from "node:path"
import type { Locator, Page } from "playwright-core"
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
/** The line under an item telling where else its serial is. */
const sameUnitOf = async (item: Locator) =>
  page.locator(`[data-testid="same-unit"][data-item="${await item.getAttribute("data-item-ref")}"]`)
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
    const line = await sameUnitOf(again)
    await line.waitFor({ timeout: 15_000 })
    const advice = await line.innerText()
    expect(advice).toContain("lässt sich nicht stornieren: Beim Entscheiden bekommt dieses Stück keine Erstattung")
    expect(advice).not.toContain("Retoure stornieren und")
    // Not decided yet, the line is advice the clerk must act on: an alert.
    expect(await line.getAttribute("role")).toBe("alert")
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
    expect(await (await sameUnitOf(gpsItems().first())).innerText()).toContain(
      "wurde noch einmal in diese Retoure gescannt"
    )
    // Decided, the unit's line under it reads as decided: grey as its no-refund decision, no alert, its words kept.
    const background = (locator: Locator) => locator.evaluate((element) => getComputedStyle(element).backgroundColor)
    for (const told of [line, await sameUnitOf(gpsItems().first())]) {
      expect(await told.getAttribute("role")).toBeNull()
      expect(await background(told)).toBe(await background(decision))
      expect(await told.getAttribute("data-tone")).toBe("settled")
      expect(await told.innerText()).not.toContain("⚠")
    }
    expect(await line.innerText()).toContain("Seriennummer GPS-E2E-1 ist schon in dieser Retoure")
    expect(await page.getByRole("alert").count()).toBe(0)
    await screenshot("returns-same-unit-no-refund")
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.getByText("Serial GPS-E2E-1 is already in this return").waitFor({ timeout: 15_000 })
    expect(await line.getAttribute("data-tone")).toBe("settled")
    expect(await line.innerText()).toContain("Refund there: decided.")
    expect(await again.getByTestId("return-decision").innerText()).toContain("No refund")
    expect(await page.getByRole("alert").count()).toBe(0)
    await screenshot("returns-same-unit-no-refund-en")
    await pressAlone("F10")
    await page.getByTestId("returns-finished").waitFor({ timeout: 15_000 })
    expect(opened!.pageProblems).toEqual([])
  })
})
