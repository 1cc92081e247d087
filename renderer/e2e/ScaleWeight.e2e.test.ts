import { join } from "node:path"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openStationInBrowser, packbenchCode, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"
import { HUMAN_DELAY_MS, SCANNER_DELAY_MS, sendKeys } from "./sendKeys.ts"

let browser: BrowserContext
let page: Page
let pageProblems: Array<string> = []
let opened: StationInBrowser | undefined

const scan = (raw: string) => sendKeys(browser, page, raw, SCANNER_DELAY_MS)
const typeNumber = (digits: string) => sendKeys(browser, page, digits, HUMAN_DELAY_MS)
const prompt = (text: string) =>
  page.getByTestId("prompt").getByRole("heading", { name: text }).waitFor({ timeout: 15_000 })

beforeAll(async () => {
  opened = await openStationInBrowser("scale")
  ;({ browser, page, pageProblems } = opened)
})

afterAll(() => opened?.close())

describe("weighing a parcel on the scale", () => {
  it("lists the station's boxes with their keys and takes the settled scale weight with one key", async () => {
    await page.getByTestId("operator").getByText("Badge scannen").waitFor()
    await scan(packbenchCode("badge", "B-1001"))
    await page.getByTestId("operator").getByText("Jonas Becker").waitFor()
    await scan(packbenchCode("order", "SO-100001"))
    await page.locator('[data-testid="pack-line"][data-sku="ALP-MUG-01"]').waitFor({ timeout: 15_000 })
    await scan("4260123450014")
    await scan("4260123450014")
    await scan("4260123450038")
    await prompt("Karton wählen")
    const boxList = await page.getByTestId("box").innerText()
    expect(boxList.replace(/\s+/g, " ")).toContain("1 Karton S 2 Karton M 3 Karton L 4 Karton XL")
    await typeNumber("2")
    await page.getByTestId("box").getByText("Karton M").waitFor({ timeout: 15_000 })
    await prompt("Paket wiegen")

    // Two mugs (310 g), socks (90 g) and box M (280 g tare): 990 g, moving for a moment before it settles.
    expect(opened!.station.placeOnScale(990, 1500)).toBe(true)
    await page.locator('[data-testid="scale"][data-stable="false"]').getByText("990 g").waitFor({ timeout: 15_000 })
    await page.keyboard.press("Space")
    await page.locator('[data-testid="refusal"], .error-text').first().waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("weight").innerText()).toBe("–")
    await page.locator('[data-testid="scale"][data-stable="true"]').getByText("990 g").waitFor({ timeout: 15_000 })
    await page.screenshot({ path: join(SCREENSHOTS, "pack-scale-stable.png"), fullPage: true })
    await page.keyboard.press("Space")
    await page.locator('[data-testid="weight"] [data-source="scale"]').getByText("990 g (Waage)").waitFor({
      timeout: 15_000
    })
    await page.keyboard.press("F9")
    await page.getByTestId("tracking-number").waitFor({ timeout: 30_000 })
    await prompt("Paket fertig")
  })

  it("ran without script errors", () => {
    expect(pageProblems).toEqual([])
  })
})
