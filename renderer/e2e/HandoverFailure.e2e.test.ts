import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { signIn, typeKeys } from "./packOrder.ts"
import { openStationInBrowser, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let page: Page
let opened: StationInBrowser | undefined

const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
const benchError = () => page.getByTestId("bench-error")

beforeAll(async () => {
  opened = await openStationInBrowser("handover-failure")
  page = opened.page
})

afterAll(() => opened?.close())

// The station refuses some inputs in its view (a parcel scanned twice), which the refusal banner shows; others fail
// the call itself: nobody signed in, a badge whose role may not hand over. Those failures must reach the worker at
// the cage too, or a key does nothing and nobody says why.
describe("a handover command that fails tells the worker at the cage why", () => {
  it("says, in German, to scan a badge first when nobody is signed in and a carrier is chosen", async () => {
    await page.keyboard.press("F4")
    await page.getByTestId("carrier-choices").waitFor({ timeout: 15_000 })
    await typeKeys(page, "1")
    await benchError().getByText("Bitte zuerst Badge scannen.").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("handover-batch").count()).toBe(0)
    await screenshot("handover-failed-not-signed-in-de")
  })

  it("drops the message once a badge is scanned, and opens the batch", async () => {
    await signIn(page, "B-1001")
    // "Scan a badge first" under the name of who just scanned theirs would send them looking for a problem.
    await benchError().waitFor({ state: "detached", timeout: 15_000 })
    await typeKeys(page, "1")
    await page.getByTestId("handover-batch").getByText("DHL Paket").waitFor({ timeout: 15_000 })
    expect(await benchError().count()).toBe(0)
  })

  it("says, in English, that a returns clerk may not close the batch, and keeps it open", async () => {
    await page.getByRole("button", { name: "EN", exact: true }).click()
    await page.getByTestId("handover-count").getByText("0 parcels", { exact: true }).waitFor({ timeout: 15_000 })
    await page.getByTestId("operator").getByRole("button", { name: "Sign out" }).click()
    await page.getByTestId("operator").getByText("Scan your badge").waitFor({ timeout: 15_000 })
    await signIn(page, "B-2001")
    await page.keyboard.press("F9")
    await benchError().getByText("You are not allowed to do that.").waitFor({ timeout: 15_000 })
    expect(await page.getByTestId("handover-batch").getByText("DHL Parcel").count()).toBe(1)
    expect(await page.getByTestId("handover-manifest").count()).toBe(0)
    await screenshot("handover-failed-role-en")
  })

  it("ran without script errors", () => {
    expect(opened!.pageProblems).toEqual([])
  })
})
