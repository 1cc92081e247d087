import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { closeParcel, openOrder, packLine, scanKeys, signIn, typeKeys, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, packbenchCode, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

const MUG = "4260123450014"
const SOCKS = "4260123450038"
const BOTTLE = "4260123450021"

let page: Page
let trackingNumber = ""
let pageProblems: Array<string> = []

const scan = (raw: string) => scanKeys(page, raw)
const typeNumber = (digits: string) => typeKeys(page, digits)
const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
const line = (sku: string) => packLine(page, sku)
const prompt = (text: string) => waitForPrompt(page, text)

const waitForImage = (selector: string) =>
  page.waitForFunction(
    (query) => {
      const image = document.querySelector<HTMLImageElement>(query)
      return image?.complete === true && image.naturalWidth > 0
    },
    selector,
    { timeout: 60_000 }
  )

let opened: StationInBrowser | undefined

beforeAll(async () => {
  opened = await openStationInBrowser("flow")
  ;({ page, pageProblems } = opened)
})

afterAll(() => opened?.close())

describe("packing an order and handing it over, by scanner and keys alone", () => {
  it("signs in and opens SO-100001 from its order code", async () => {
    await page.getByTestId("operator").getByText("Badge scannen").waitFor()
    await signIn(page, "B-1001")
    await openOrder(page, "SO-100001", "ALP-MUG-01")
    expect(await page.getByTestId("pack-line").count()).toBe(2)
    expect(await line("ALP-MUG-01").innerText()).toContain("Emaille-Becher Alpenglühen")
    expect(await line("ALP-MUG-01").innerText()).toContain("Fach A-01-03")
    const shipTo = await page.getByTestId("ship-to").innerText()
    expect(shipTo).toContain("Anna Schmidt")
    expect(shipTo).toContain("10115")
    expect(shipTo).toContain("DHL Paket")
    await prompt("Artikel scannen")
    await screenshot("pack-order-open")
  })

  it("refuses an item that is not in the order, in red, and keeps the order open", async () => {
    await scan(BOTTLE)
    await page.getByTestId("refusal").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("refusal").getAttribute("data-code")).toMatch(/^(wrong-item|other-order-item)$/)
    // The reason under the headline names the item in German, with the facts the station sent.
    expect(await page.getByTestId("refusal").innerText()).toMatch(
      /Trinkflasche 0,75 l \(ALP-BTL-05\) gehört (nicht zu Auftrag SO-100001|zu Auftrag SO-\d+, nicht zu SO-100001)/
    )
    await page.locator('[data-testid="scan-outcome"][data-tone="bad"]').filter({ hasText: BOTTLE }).waitFor()
    expect(await page.getByTestId("pack-line").count()).toBe(2)
    await screenshot("pack-refused")
  })

  it("verifies the mugs by one scan and a typed quantity, then the socks", async () => {
    await scan(MUG)
    await line("ALP-MUG-01").getByTestId("line-count").getByText("1 / 2").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("refusal").count()).toBe(0)
    await typeNumber("2")
    await line("ALP-MUG-01").getByTestId("line-count").getByText("2 / 2").waitFor({ timeout: 15_000 })
    expect(await line("ALP-MUG-01").getAttribute("data-done")).toBe("true")
    await scan(SOCKS)
    await line("ALP-SOCK-M").getByTestId("line-count").getByText("1 / 1").waitFor({ timeout: 15_000 })
    await prompt("Karton wählen")
  })

  it("takes the box by number, the weight in grams, completes on F9 and shows the label", async () => {
    // Two mugs (310 g) and socks (90 g) in box S (150 g tare).
    trackingNumber = await closeParcel(page, { box: 1, grams: 860 })
    expect(await page.getByTestId("box").innerText()).toContain("Karton S")
    expect(trackingNumber).not.toBe("")
    await prompt("Paket fertig")
    await waitForImage('[data-testid="pack-printouts"] img[data-printer="label"]')
    await waitForImage('[data-testid="pack-printouts"] img[data-printer="receipt"]')
    await screenshot("pack-complete-with-label")
  })

  it("hands the parcel to DHL: opens the batch, refuses a duplicate scan, closes with a manifest", async () => {
    await page.keyboard.press("F4")
    await page.getByTestId("carrier-choices").waitFor()
    await typeNumber("1")
    await page.getByTestId("handover-batch").getByText("DHL Paket").waitFor({ timeout: 15_000 })
    await scan(trackingNumber)
    await page.getByTestId("handover-count").getByText("1 Paket", { exact: true }).waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("handover-batch").innerText()).toContain(trackingNumber)
    await scan(trackingNumber)
    await page.locator('[data-testid="refusal"][data-code="parcel-already-scanned"]').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("refusal").innerText()).toMatch(/Paket \S+ ist schon in dieser Übergabe/)
    await screenshot("handover-refused")
    expect(await page.getByTestId("handover-count").innerText()).toBe("1 Paket")
    await page.keyboard.press("F9")
    await page.getByTestId("handover-manifest").waitFor({ timeout: 30_000 })
    await waitForImage('[data-testid="manifest-printout"] img')
    expect(await page.getByTestId("carrier-choices").count()).toBe(1)
    await screenshot("handover-closed")
  })

  it("shows SO-100009 on address hold with the postal-code error", async () => {
    await page.keyboard.press("F1")
    await scan(packbenchCode("order", "SO-100009"))
    await page.getByTestId("address-hold").waitFor({ timeout: 15_000 })
    await page
      .locator('[data-testid="scan-outcome"][data-tone="bad"]')
      .filter({ hasText: "Adresse fehlerhaft" })
      .waitFor()
    expect(await page.getByTestId("address").innerText()).toContain("Felix Wagner")
    const hold = await page.getByTestId("address-hold").innerText()
    expect(hold).toMatch(/postal/i)
    await screenshot("pack-address-hold")
  })

  it("ran without script errors", () => {
    expect(pageProblems).toEqual([])
  })
})
