import { join } from "node:path"
import type { Locator, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { packOrder, scanKeys, signIn, typeKeys, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

// A German bench on a 1024 px wide screen, as the first warehouses run it: nothing widens the page, no word is split
// in its middle, an order number stays on one line, each screen shows its own last scan.

const MUG = "4260123450014"
const SOCKS = "4260123450038"

let page: Page
let opened: StationInBrowser | undefined
let trackingNumber = ""

const scan = (raw: string) => scanKeys(page, raw)
const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
/** The clerk's single key, pressed on its own like a person does (not part of a scanner burst). */
const pressAlone = async (key: string) => {
  await page.waitForTimeout(200)
  await page.keyboard.press(key)
}
const item = (sku: string) => page.locator(`[data-testid="return-item"][data-sku="${sku}"]`)

/** How far the page is wider than the window: 0 when nothing widens it. */
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)

/**
 * The words under `root` the browser split in their middle: each run of non-space characters of every text node,
 * measured a character at a time as a Range; a line may end after a hyphen ("Emaille-" / "Becher"), nowhere else.
 */
const splitWords = (root: Locator) =>
  root.evaluate((element) => {
    const split: Array<string> = []
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
    const range = document.createRange()
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent ?? ""
      for (const match of text.matchAll(/\S+/g)) {
        let lineTop: number | undefined
        for (let at = match.index; at < match.index + match[0].length; at++) {
          range.setStart(node, at)
          range.setEnd(node, at + 1)
          const rect = range.getBoundingClientRect()
          if (rect.width === 0) continue
          const top = Math.round(rect.top)
          if (lineTop !== undefined && top > lineTop + 2 && text[at - 1] !== "-") split.push(match[0])
          lineTop = top
        }
      }
    }
    return split
  })

/** Every element under `root` showing an order number (SO-…) whose text the browser laid out on more than one line. */
const wrappedOrderNumbers = (root: Locator) =>
  root.evaluate((element) => {
    const wrapped: Array<string> = []
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      for (const match of (node.textContent ?? "").matchAll(/SO[-\u2011]\d+/g)) {
        const range = document.createRange()
        range.setStart(node, match.index)
        range.setEnd(node, match.index + match[0].length)
        const tops = new Set(
          [...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top))
        )
        if (tops.size > 1) wrapped.push(match[0])
      }
    }
    return wrapped
  })

/** Squeezes an order number's cell to the width of its widest piece, as a crowded table does. */
const squeeze = (cell: Locator) =>
  cell.evaluate((element) => {
    ;(element as HTMLElement).style.width = "1px"
    ;(element as HTMLElement).style.maxWidth = "1px"
  })

beforeAll(async () => {
  // A long name: the simulated printers render into this data dir, and say so.
  opened = await openStationInBrowser("german-narrow-versandrampe-halle-drei-links-zebra-zt411-etikettendrucker")
  page = opened.page
  await page.setViewportSize({ width: 1024, height: 800 })
})

afterAll(() => opened?.close())

describe("a German bench 1024 px wide", () => {
  it("packs SO-100001, then shows the Handover screen with no scan of its own yet, not the Pack screen's", async () => {
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
    expect(await wrappedOrderNumbers(page.locator("main"))).toEqual([])
    await page.keyboard.press("F4")
    await page.getByTestId("carrier-choices").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("scan-outcome").getAttribute("data-tone")).toBe("none")
    expect(await page.getByTestId("scan-outcome").innerText()).not.toContain(SOCKS)
  })

  it("shows the handover's own scan and the parcel's order number on one line", async () => {
    await typeKeys(page, "1")
    await page.getByTestId("handover-batch").getByText("DHL Paket").waitFor({ timeout: 15_000 })
    await scan(trackingNumber)
    await page.getByTestId("handover-count").getByText("1 Paket", { exact: true }).waitFor({ timeout: 15_000 })
    await page.locator('[data-testid="scan-outcome"]').filter({ hasText: trackingNumber }).waitFor()
    const orderCell = page.getByTestId("handover-batch").getByText("SO-100001", { exact: true })
    await squeeze(orderCell)
    expect(await wrappedOrderNumbers(page.getByTestId("handover-batch"))).toEqual([])
    await orderCell.evaluate((element) => {
      ;(element as HTMLElement).style.width = ""
      ;(element as HTMLElement).style.maxWidth = ""
    })
    // The time of the scan on the 24-hour clock, as in the English UI.
    expect(await page.getByTestId("handover-batch").innerText()).not.toMatch(/\b(AM|PM)\b/)
    expect(await overflow()).toBe(0)
    await screenshot("german-1024-handover")
  })

  it("lays the returns table out with no German word split in its middle", async () => {
    await signIn(page, "B-2001")
    await page.keyboard.press("F2")
    await waitForPrompt(page, "Retoure scannen")
    await scan(trackingNumber)
    await page.getByTestId("return-case").waitFor({ timeout: 15_000 })
    await waitForPrompt(page, "Artikel scannen und bewerten")
    await scan(MUG)
    await item("ALP-MUG-01").waitFor({ timeout: 15_000 })
    await pressAlone("1")
    await page.locator('[data-testid="return-item"][data-sku="ALP-MUG-01"][data-grade="new-sealed"]').waitFor({
      timeout: 15_000
    })
    await scan(SOCKS)
    await item("ALP-SOCK-M").waitFor({ timeout: 15_000 })
    await pressAlone("3")
    await page.locator('[data-testid="return-item"][data-sku="ALP-SOCK-M"][data-grade="signs-of-use"]').waitFor({
      timeout: 15_000
    })
    await pressAlone("F9")
    await item("ALP-SOCK-M").getByTestId("return-decision").waitFor({ timeout: 15_000 })
    await item("ALP-MUG-01").getByTestId("return-decision").waitFor({ timeout: 15_000 })
    await screenshot("german-1024-returns")
    expect(await splitWords(page.getByTestId("return-items"))).toEqual([])
    // Every column in view: the table fits its card, nothing to scroll to.
    expect(
      await page.getByTestId("return-items").evaluate((table) => {
        const card = table.parentElement as HTMLElement
        return card.scrollWidth - card.clientWidth
      })
    ).toBe(0)
    expect(await wrappedOrderNumbers(page.locator("main"))).toEqual([])
    expect(await overflow()).toBe(0)
  })

  it("words the devices in German and keeps a long printer name inside the Devices card", async () => {
    await page.keyboard.press("F3")
    const card = page.getByTestId("devices-card")
    await card.waitFor({ timeout: 15_000 })
    await card.screenshot({ path: join(SCREENSHOTS, "german-1024-devices.png") })
    const text = await card.innerText()
    for (const english of ["connected", "not used yet", "last job", "printer on", "Simulated", "serial"]) {
      expect(text).not.toContain(english)
    }
    expect(text).toContain("Etikettendrucker")
    expect(text).toContain("Belegdrucker")
    expect(await overflow()).toBe(0)
    const box = await card.boundingBox()
    const widest = await card.evaluate((element) =>
      Math.max(...[...element.querySelectorAll("*")].map((child) => child.getBoundingClientRect().right))
    )
    expect(widest).toBeLessThanOrEqual((box?.x ?? 0) + (box?.width ?? 0) + 0.5)
    // The whole name is there on hover.
    const titles = await card.locator("[title]").evaluateAll((elements) => elements.map((e) => e.getAttribute("title")))
    expect(titles.some((title) => title?.includes("german-narrow-versandrampe-halle-drei-links"))).toBe(true)
    await screenshot("german-1024-manager")
    expect(opened!.pageProblems).toEqual([])
  })
})
