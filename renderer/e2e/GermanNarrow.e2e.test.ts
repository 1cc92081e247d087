import { join } from "node:path"
import type { Locator, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { closeParcel, openOrder, scanKeys, signIn, typeKeys, verifyLines, waitForPrompt } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"
import { wrappedMatches } from "./wrappedMatches.ts"

// A German bench on a 1024 px wide screen, as the first warehouses run it: nothing widens the page, no word is split
// in its middle, an order number stays on one line, each screen shows its own last scan.

const MUG = "4260123450014"
const SOCKS = "4260123450038"
/** An MT-SICS scale's overload, in its driver's (English) words. */
const OVERLOAD = "the scale is overloaded: take the parcel off and check the scale's capacity"

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

/** Every order number (SO-…) under `root` whose text the browser laid out on more than one line. */
const wrappedOrderNumbers = (root: Locator) => wrappedMatches(root, "SO[-\\u2011]\\d+")

/**
 * Whether the whole text of `element` stays on one line when its box is squeezed to 1 px, as a crowded table or a
 * narrow card does: a parcel id ("station-…-000001") must not wrap at its hyphen.
 */
const staysOnOneLine = (element: Locator) =>
  element.evaluate((node) => {
    const box = node as HTMLElement
    const [width, maxWidth, minWidth] = [box.style.width, box.style.maxWidth, box.style.minWidth]
    box.style.width = "1px"
    box.style.maxWidth = "1px"
    box.style.minWidth = "1px"
    const range = document.createRange()
    range.selectNodeContents(box)
    const tops = new Set(
      [...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top))
    )
    box.style.width = width
    box.style.maxWidth = maxWidth
    box.style.minWidth = minWidth
    return tops.size === 1
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
    await openOrder(page, "SO-100001", "ALP-MUG-01")
    // The scale line in German from the scale's state; the driver's English words only as a quiet details line.
    expect(opened!.station.faultScale(OVERLOAD)).toBe(true)
    const scaleLine = page.locator('[data-testid="scale"][data-state="fault"]')
    await scaleLine.waitFor({ timeout: 15_000 })
    expect(await scaleLine.innerText()).toBe("Kein Gewicht: Die Waage meldet einen Fehler")
    expect(await page.getByTestId("scale-detail").innerText()).toBe(`Details: ${OVERLOAD}`)
    expect(await page.getByTestId("scale-detail").getAttribute("class")).toContain("muted")
    await page.getByTestId("parcel-card").screenshot({ path: join(SCREENSHOTS, "german-1024-pack-scale.png") })
    await verifyLines(page, [
      { sku: "ALP-MUG-01", scan: MUG, quantity: 2 },
      { sku: "ALP-SOCK-M", scan: SOCKS, quantity: 1 }
    ])
    trackingNumber = await closeParcel(page, { box: 1, grams: 860 })
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
    await page.getByTestId("return-case").screenshot({ path: join(SCREENSHOTS, "german-1024-return-card.png") })
    expect(await staysOnOneLine(page.getByTestId("return-parcel"))).toBe(true)
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
  })

  it("shows the parcel view's parcel ids on one line each", async () => {
    const parcel = page.locator('[data-testid="recent-parcels"] [data-parcel-id] button').first()
    await parcel.waitFor({ timeout: 15_000 })
    expect(await staysOnOneLine(parcel)).toBe(true)
  })

  it("breaks the sync card's broker address only after a separator and shows every heading whole", async () => {
    const card = page.getByTestId("sync-card")
    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SCREENSHOTS, "german-1024-sync.png") })
    const heading = card.locator("dt").filter({ hasText: "Älteste unbestätigt" })
    // Fully readable: not clipped by its box, nor by the card.
    expect(await heading.evaluate((dt) => dt.scrollWidth - dt.clientWidth)).toBe(0)
    const cardBox = await card.boundingBox()
    const headingBox = await heading.boundingBox()
    expect(headingBox!.x).toBeGreaterThanOrEqual(cardBox!.x)
    expect(headingBox!.x + headingBox!.width).toBeLessThanOrEqual(cardBox!.x + cardBox!.width + 0.5)
    // Squeezed to a few characters, the address wraps only after "/", ":", "." or "-", and stays inside its box.
    const address = card.getByTestId("sync-broker-url")
    const breaks = await address.evaluate((dd) => {
      const box = dd as HTMLElement
      box.style.width = "100px"
      box.style.maxWidth = "100px"
      const range = document.createRange()
      const after: Array<string> = []
      let lineTop: number | undefined
      let previous = ""
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT)
      for (let text = walker.nextNode() as Text | null; text !== null; text = walker.nextNode() as Text | null) {
        for (let at = 0; at < text.length; at++) {
          range.setStart(text, at)
          range.setEnd(text, at + 1)
          const top = Math.round(range.getBoundingClientRect().top)
          if (lineTop !== undefined && top > lineTop + 2) after.push(previous)
          lineTop = top
          previous = text.data[at] ?? ""
        }
      }
      const overflowing = box.scrollWidth - box.clientWidth
      box.style.width = ""
      box.style.maxWidth = ""
      return { after, overflowing }
    })
    expect(breaks.after.length).toBeGreaterThan(0)
    for (const separator of breaks.after) expect(["/", ":", ".", "-"]).toContain(separator)
    expect(breaks.overflowing).toBe(0)
    expect(await overflow()).toBe(0)
    expect(opened!.pageProblems).toEqual([])
  })
})
