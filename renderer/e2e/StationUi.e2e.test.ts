import { join } from "node:path"
import type { BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ScanOutcome } from "../../core/api/StationApi.ts"
import { encodePackbenchCode } from "../../core/scan/PackbenchCode.ts"
import type { RunningStation } from "../../drivers/station/Station.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"
import { SCANNER_DELAY_MS, sendKeys } from "./sendKeys.ts"

const HUMAN_DELAY_MS = 120

const badge = encodePackbenchCode("badge", "B-1001")
if (!badge.ok) throw new Error(badge.reason)

let station: RunningStation | undefined
let browser: BrowserContext
let page: Page
let pageProblems: Array<string> = []

const scanBurst = (raw: string) => sendKeys(browser, page, raw, SCANNER_DELAY_MS)

const outcome = () => page.getByTestId("scan-outcome")

/** Waits until the outcome panel shows this raw code with the given tone, and returns its text. */
const waitForOutcome = async (raw: string, tone: "ok" | "bad") => {
  const panel = page.locator(`[data-testid="scan-outcome"][data-tone="${tone}"]`).filter({ hasText: raw })
  await panel.waitFor({ timeout: 10_000 })
  return (await panel.innerText()).replace(/\s+/g, " ")
}

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

let opened: StationInBrowser | undefined

beforeAll(async () => {
  opened = await openStationInBrowser("ui")
  ;({ station, browser, page, pageProblems } = opened)
})

afterAll(() => opened?.close())

describe("station UI in Chromium", () => {
  it("starts signed out on the pack screen, asking for a badge", async () => {
    await page.getByTestId("operator").getByText("Badge scannen").waitFor()
    await page.getByTestId("prompt").getByText("Badge scannen").waitFor()
    await page.getByTestId("station-id").getByText(station!.stationId).waitFor()
    await page.getByTestId("device-indicator").waitFor()
    await screenshot("1-pack-signed-out")
  })

  it("signs in from a badge scanner burst, with nothing focused", async () => {
    await scanBurst(badge.code)
    await page.getByTestId("operator").getByText("Jonas Becker").waitFor()
    expect(await waitForOutcome(badge.code, "ok")).toContain("Angemeldet: Jonas Becker (Packer)")
    await page.getByTestId("open-orders").waitFor()
    expect(await page.getByTestId("open-orders").locator("tbody tr").count()).toBeGreaterThan(0)
  })

  it("leaves human-speed typing in the manual field alone and submits it on Enter", async () => {
    await page.keyboard.press("F6")
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("manual-code")
    await page.keyboard.type("4260123450014", { delay: HUMAN_DELAY_MS })
    await page.waitForTimeout(400)
    expect(await page.locator("#manual-code").inputValue()).toBe("4260123450014")
    expect(await outcome().innerText()).toContain(badge.code)
    await page.keyboard.press("Enter")
    expect(await waitForOutcome("4260123450014", "bad")).toContain("Kein Auftrag offen")
    expect(await page.locator("#manual-code").inputValue()).toBe("")
  })

  it("takes a GTIN burst out of the focused field and shows what it was", async () => {
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("manual-code")
    await page.keyboard.type("ab", { delay: HUMAN_DELAY_MS })
    await page.waitForTimeout(HUMAN_DELAY_MS)
    await scanBurst("4260123450021")
    expect(await waitForOutcome("4260123450021", "bad")).toContain("04260123450021")
    expect(await page.locator("#manual-code").inputValue()).toBe("ab")
    await page.locator("#manual-code").fill("")
    await page.locator("#manual-code").blur()
    await screenshot("2-pack-signed-in-identified")
  })

  it("keeps the GS1 separator a HID scanner types as Ctrl+], so variable-length AIs split", async () => {
    const seen = opened!.pushes.length
    const scansSince = () =>
      opened!.pushes
        .slice(seen)
        .filter((push) => push.name === "scan")
        .map((push) => push.payload as ScanOutcome)
    let scans = scansSince()
    await scanBurst("]C1010426012345001410LOT42\u001d21SN-77")
    for (let attempt = 0; attempt < 200 && scans.length === 0; attempt++) {
      await page.waitForTimeout(50)
      scans = scansSince()
    }
    expect(scans[0]?.identification).toMatchObject({
      kind: "gs1",
      valid: true,
      ais: [
        { ai: "01", value: "04260123450014" },
        { ai: "10", value: "LOT42" },
        { ai: "21", value: "SN-77" }
      ]
    })
  })

  it("shows garbage as rejected, with the station's reason", async () => {
    await scanBurst("XYZ!!??##")
    const text = await waitForOutcome("XYZ!!??##", "bad")
    expect(text).toContain("Abgelehnt")
    expect(text).toContain("Auftrag unbekannt")
    await scanBurst("4260123450015")
    expect(await waitForOutcome("4260123450015", "bad")).toContain(
      "Die Prüfziffer von 04260123450015 stimmt nicht, der Code wurde falsch gelesen"
    )
    await screenshot("3-pack-rejected")
  })

  it("switches to Returns with F2 and explains a missing camera", async () => {
    await page.keyboard.press("F2")
    await page.getByTestId("prompt").getByText("Retoure scannen").waitFor()
    await page.getByRole("button", { name: /Mit Kamera scannen/ }).click()
    const message = await page.getByTestId("camera-message").innerText({ timeout: 10_000 })
    expect(message).toMatch(/Keine Kamera|Kamerazugriff|Kamera nicht verfügbar/)
    await screenshot("4-returns")
  })

  it("shows sync and devices on Manager (F3) and prints a test label with its preview", async () => {
    await page.keyboard.press("F3")
    await page
      .getByTestId("sync-card")
      .getByText(/^mqtt:\/\//)
      .waitFor()
    await page.getByTestId("devices-card").locator("li").first().waitFor()
    await page.getByRole("button", { name: "Testetikett drucken" }).click()
    const preview = page.getByTestId("print-jobs").locator("img.job-preview").first()
    await preview.waitFor({ timeout: 60_000 })
    await page.waitForFunction(
      () => {
        const image = document.querySelector<HTMLImageElement>('[data-testid="print-jobs"] img.job-preview')
        return image?.complete === true && image.naturalWidth > 0
      },
      undefined,
      { timeout: 30_000 }
    )
    await page.getByTestId("print-jobs").getByText("gedruckt").first().waitFor()
    await page.getByTestId("events-card").locator("tbody tr").first().waitFor()
    await screenshot("5-manager-printed")
  })

  it("loads the held parcels once, not on every status push: again when the station's events or labels move", async () => {
    await page.getByTestId("held-parcels-card").getByTestId("held-none").waitFor()
    const loads: Array<string> = []
    const countLoad = (request: { url: () => string }) => {
      if (new URL(request.url()).pathname === "/api/call/pack.held") loads.push(request.url())
    }
    page.on("request", countLoad)
    try {
      // Seven status pushes that change nothing the card shows: the station's language set to what it is, then to
      // English and back; the page has taken each once it shows the last language.
      for (let n = 0; n < 5; n++) await station!.call("station.setLocale", { locale: "de" })
      await station!.call("station.setLocale", { locale: "en" })
      await page.waitForFunction(() => document.documentElement.lang === "en")
      await station!.call("station.setLocale", { locale: "de" })
      await page.waitForFunction(() => document.documentElement.lang === "de")
      expect(loads).toEqual([])
      // Signing out is an event: what the card shows may have changed with it, so it loads once more.
      const reloaded = page.waitForRequest((request) => new URL(request.url()).pathname === "/api/call/pack.held")
      await page.getByTestId("operator").getByRole("button", { name: "Abmelden" }).click()
      await reloaded
      await page.getByTestId("operator").getByText("Badge scannen").waitFor()
      expect(loads).toHaveLength(1)
    } finally {
      page.off("request", countLoad)
    }
    await scanBurst(badge.code)
    await page.getByTestId("operator").getByText("Jonas Becker").waitFor()
  })

  it("switches the station to English and back from the header", async () => {
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.getByRole("tab", { name: /Manager/ }).waitFor()
    await page.getByTestId("operator").getByText("Sign out").waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("en")
    expect(await station!.call("station.status", {})).toMatchObject({ ok: true, value: { locale: "en" } })
    await page.setViewportSize({ width: 1920, height: 1080 })
    await screenshot("6-manager-english-1920")
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.getByRole("button", { name: "DE", exact: true }).click()
    await page.getByRole("tab", { name: /Leitung/ }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("de")
  })

  it("ran without script errors or CSP violations", () => {
    expect(pageProblems).toEqual([])
  })

  it("shows the connection-lost banner when the station goes away", async () => {
    await station!.close()
    station = undefined
    await page.getByTestId("transport-banner").waitFor({ timeout: 10_000 })
  })
})
