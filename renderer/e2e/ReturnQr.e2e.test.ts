import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decodeImageFile } from "../../drivers/camera/decodeImageFile.ts"
import { packOrder, scanKeys, signIn } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let opened: StationInBrowser
let page: Page
let insertQr = ""

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
const outcome = (text: string) => page.locator('[data-testid="scan-outcome"]').filter({ hasText: text })

beforeAll(async () => {
  opened = await openStationInBrowser("return-qr")
  page = opened.page
})

afterAll(() => opened?.close())

describe("the insert's return QR code at the returns desk", () => {
  it("is what the receipt printer printed for the packed order", async () => {
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
    const receipt = opened.station.simulatedPrinters.receipt!
    const jobs = await receipt.waitForJobs(1, 30_000)
    const png = jobs.at(-1)!.pngs[0]!
    const codes = await decodeImageFile(png)
    const qr = codes.filter((code) => code.format === "QR_CODE")
    expect(qr).toHaveLength(1)
    insertQr = qr[0]!.text
    expect(insertQr).toMatch(/^https:\/\/returns\.alpenglow\.example\/r\/SO-100001\?rma=[A-Z0-9-]+-000001$/)
  })

  it("opens the return of that order and parcel when the clerk scans it", async () => {
    await signIn(page, "B-2001")
    await page.keyboard.press("F2")
    await page.getByTestId("prompt").waitFor()
    await scanKeys(page, insertQr)
    await page.getByTestId("return-case").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("return-case").getAttribute("data-known")).toBe("true")
    expect(await page.getByTestId("return-order").innerText()).toBe("SO-100001")
    await outcome("returns.alpenglow.example").waitFor({ timeout: 15_000 })
    expect(await outcome("returns.alpenglow.example").getAttribute("data-tone")).toBe("ok")
    expect(await outcome("returns.alpenglow.example").innerText()).toMatch(/✔ Retoure \S+-R000001 geöffnet/)
    await screenshot("returns-insert-qr-opened")
  })

  it("lets the clerk cancel a return opened by mistake, in English, recorded as a correction", async () => {
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.getByTestId("cancel-return").click()
    await page.getByTestId("cancel-return-reason").fill("customer brought it back to the wrong desk")
    await screenshot("returns-cancel-form-en")
    await page.getByTestId("cancel-return-confirm").click()
    await page.getByTestId("returns-cancelled").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("returns-cancelled").innerText()).toMatch(
      /Return \S+-R000001 cancelled – recorded as a correction\./
    )
    const recent = await opened.station.call("events.recent", { limit: 10 })
    expect(recent.ok && (recent.value as ReadonlyArray<{ type: string }>).map((event) => event.type)).toContain(
      "return.cancelled"
    )
    await screenshot("returns-cancelled-en")
  })

  it("refuses a web address that is not one of the brands' return pages, saying so in German", async () => {
    await page.getByRole("button", { name: "DE", exact: true }).click()
    await scanKeys(page, "https://shop.example/products/mug?utm=qr")
    await outcome("shop.example").waitFor({ timeout: 15_000 })
    expect(await outcome("shop.example").getAttribute("data-tone")).toBe("bad")
    expect(await outcome("shop.example").innerText()).toContain("Kein Rücksende-Code dieses Shops")
    expect(await page.getByTestId("return-case").count()).toBe(0)
    await screenshot("returns-foreign-url-refused")
    expect(opened.pageProblems).toEqual([])
  })
})
