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
})
