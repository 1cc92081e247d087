import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openOrder, packLine, scanKeys, signIn, typeKeys, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const SOCKS = "4260123450038"

let page: Page
let pageProblems: Array<string> = []
let opened: StationInBrowser | undefined

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })

/**
 * How far each pack line's texts reach past the line's content box, in CSS pixels (0 when they fit): a text that
 * runs into the border or out of the card is cut off for the packer.
 */
const overflowingLineTexts = () =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="pack-line"]')].flatMap((line) => {
      const box = line.getBoundingClientRect()
      const style = getComputedStyle(line)
      const right = box.right - Number.parseFloat(style.borderRightWidth) - Number.parseFloat(style.paddingRight)
      return [...line.querySelectorAll<HTMLElement>(".line-count, .line-remaining, .line-name")].flatMap((part) => {
        const range = document.createRange()
        range.selectNodeContents(part)
        const beyond = Math.ceil(range.getBoundingClientRect().right - right)
        return beyond > 0 ? [`${line.dataset.sku} ${part.className} "${part.innerText}" ${beyond}px`] : []
      })
    })
  )

beforeAll(async () => {
  opened = await openStationInBrowser("after-mouse")
  ;({ page, pageProblems } = opened)
  await page.setViewportSize({ width: 1024, height: 768 })
})

afterAll(() => opened?.close())

describe("the bench's typed numbers after a click, and its lines at 1024x768", () => {
  it("takes a typed quantity on Enter while the language button just clicked keeps the focus", async () => {
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.getByTestId("operator").getByText("Scan your badge").waitFor()
    await signIn(page, "B-1001")
    await openOrder(page, "SO-100001", "ALP-MUG-01")
    await scanKeys(page, MUG)
    const mugs = packLine(page, "ALP-MUG-01").getByTestId("line-count")
    await mugs.getByText("1 / 2").waitFor({ timeout: 15_000 })
    await typeKeys(page, "2")
    await mugs.getByText("2 / 2").waitFor({ timeout: 15_000 })
    await screenshot("pack-after-mouse-quantity-en")
  })

  it("takes a typed box number after a click on DE, and every line's text stays inside its card", async () => {
    await page.getByRole("button", { name: "DE", exact: true }).click()
    await scanKeys(page, SOCKS)
    await packLine(page, "ALP-SOCK-M").getByTestId("line-count").getByText("1 / 1").waitFor({ timeout: 15_000 })
    await waitForPrompt(page, "Karton wählen")
    expect(await overflowingLineTexts()).toEqual([])
    await typeKeys(page, "1")
    await waitForPrompt(page, "Paket wiegen")
    expect(await page.getByTestId("box").innerText()).toContain("Karton S")
    await screenshot("pack-after-mouse-lines-1024-de")
    await page.setViewportSize({ width: 1280, height: 800 })
    expect(await overflowingLineTexts()).toEqual([])
  })

  it("ran without script errors", () => {
    expect(pageProblems).toEqual([])
  })
})
