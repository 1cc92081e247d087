import { join } from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let opened: StationInBrowser | undefined

beforeAll(async () => {
  opened = await openStationInBrowser("read-failure")
}, 120_000)

afterAll(() => opened?.close())

describe("a Manager screen card whose read fails", () => {
  it("says why in the bench's language instead of showing none", async () => {
    const { page, station } = opened!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.keyboard.press("F3")
    const card = page.getByTestId("quarantine-card")
    await card.getByText("None – every message from the shop was applied.").waitFor({ timeout: 20_000 })

    // The station's own database loses the table the card reads: the station answers its next read with a failure.
    const database = new Database(join(station.config.dataDir, "station.db"))
    database.exec("DROP TABLE sync_inbox_quarantine")
    database.close()
    // A language change is a status push, on which the card reads again.
    await page.getByRole("button", { name: "DE", exact: true }).click()

    const failure = card.getByTestId("read-error")
    await failure.waitFor({ timeout: 20_000 })
    expect(await failure.innerText()).toBe("Die Datenbank der Station ist nicht erreichbar.")
    expect(await failure.getAttribute("role")).toBe("alert")
    expect(await card.innerText()).not.toContain("Keine")
    await card.scrollIntoViewIfNeeded()
    await card.screenshot({ path: join(SCREENSHOTS, "8-manager-read-failure-card.png") })
    await page.screenshot({ path: join(SCREENSHOTS, "8-manager-read-failure.png"), fullPage: true })
  }, 120_000)

  it("names a lost station in the bench's language when the screen changes and the refund rules load", async () => {
    const { page, browser } = opened!
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.keyboard.press("F1")
    await page.getByTestId("rules-card").waitFor({ state: "detached" })
    // The browser loses its network: every call to the station fails in transport, as with a pulled cable.
    await browser.setOffline(true)
    try {
      await page.keyboard.press("F3")
      const rules = page.getByTestId("rules-card")
      await rules.getByText("Station not reachable.").waitFor({ timeout: 20_000 })
      expect(await rules.innerText()).not.toContain("Failed to fetch")
      // What is in force is unknown while the read fails: the card claims no rule set as active.
      expect(await rules.getByTestId("rules-active-unknown").count()).toBe(0)
      const problem = page.getByTestId("app-problem")
      await problem.waitFor({ timeout: 20_000 })
      expect(await problem.innerText()).toBe("Station not reachable.")
      await rules.scrollIntoViewIfNeeded()
      await rules.screenshot({ path: join(SCREENSHOTS, "8-manager-rules-offline-card.png") })
    } finally {
      await browser.setOffline(false)
    }
  }, 120_000)
})
