import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../../drivers/net/LoopbackPort.ts"
import { type ReceivedMail, startTestSmtpServer } from "../../fixtures/mail/TestSmtpServer.ts"
import { packLine, scanKeys, signIn } from "./packOrder.ts"
import { openStationInBrowser, packbenchCode, SCREENSHOTS, type StationInBrowser } from "./StationInBrowser.ts"

let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>
let opened: StationInBrowser
let bench: Page
let phone: Page
let link = ""

const customer = "felix.wagner@example.de"
const bodyOf = (mail: ReceivedMail) => mail.text ?? ""

const waitForMail = async (timeoutMs: number) => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const mail = smtp.messages().find((candidate) => candidate.headers.to === customer)
    if (mail !== undefined) return mail
    if (Date.now() > until) throw new Error(`no mail to ${customer} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

beforeAll(async () => {
  smtp = await startTestSmtpServer()
  const hubPort = await freePort()
  opened = await openStationInBrowser("address-correction", {
    PACKBENCH_HUB_SMTP_URL: smtp.url,
    PACKBENCH_HUB_PORT: String(hubPort),
    // The customer's quiet hours must not hold the mail back whatever the hour the test runs at.
    PACKBENCH_HUB_QUIET_HOURS: "off"
  })
  bench = opened.page
  phone = await opened.browser.newPage()
  await phone.setViewportSize({ width: 390, height: 844 })
})

afterAll(async () => {
  await opened?.close()
  await smtp?.stop()
})

describe("the customer fixes the address of a held order from the mail, and the bench releases the hold", () => {
  it("holds SO-100009 at the bench and mails the customer a link to the hub's page", async () => {
    await signIn(bench, "B-1001")
    await bench.keyboard.press("F1")
    await scanKeys(bench, packbenchCode("order", "SO-100009"))
    await bench.getByTestId("address-hold").waitFor({ timeout: 15_000 })
    await bench.screenshot({ path: join(SCREENSHOTS, "address-correction-bench-held.png"), fullPage: true })
    const mail = await waitForMail(30_000)
    // The subject is MIME-encoded (RFC 2047: "Bitte prüfen Sie Ihre Lieferadresse (SO-100009)").
    expect(mail.headers.subject).toContain("Lieferadresse")
    expect(mail.headers.subject).toContain("SO-100009")
    link = /http:\/\/127\.0\.0\.1:\d+\/a\/[A-Za-z0-9_-]{24,}/.exec(bodyOf(mail))?.[0] ?? ""
    expect(link).not.toBe("")
  })

  it("shows the form in German on a phone, names each wrong field, and takes the corrected address", async () => {
    await phone.goto(link)
    await phone.getByRole("heading", { name: "Lieferadresse korrigieren" }).waitFor()
    // Fits the phone: nothing wider than the screen.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    expect(await phone.locator("#street1").inputValue()).toBe("Marienplatz")
    await phone.locator("#postalCode").fill("10115")
    await phone.getByRole("button", { name: "Adresse speichern" }).click()
    await phone.locator('[data-error-for="street1"]').waitFor()
    expect(await phone.locator("#street1").getAttribute("aria-invalid")).toBe("true")
    expect(await phone.locator('[role="alert"]').innerText()).toContain("Bitte korrigieren Sie")
    await phone.screenshot({ path: join(SCREENSHOTS, "address-correction-phone-errors.png"), fullPage: true })

    await phone.locator("#street1").fill("Marienplatz 8")
    await phone.locator("#postalCode").fill("80331")
    await phone.locator("#city").fill("München")
    await phone.getByRole("button", { name: "Adresse speichern" }).click()
    await phone.locator('[data-state="corrected"]').waitFor()
    expect(await phone.locator('[data-address="shown"]').innerText()).toContain("Marienplatz 8")
    await phone.screenshot({ path: join(SCREENSHOTS, "address-correction-phone-done.png"), fullPage: true })
  })

  it("releases the hold at the station: the order opens with the corrected address", async () => {
    const until = Date.now() + 30_000
    for (;;) {
      const events = await opened.station.call("events.recent", { limit: 20 })
      const corrected =
        events.ok &&
        (events.value as ReadonlyArray<{ type: string }>).some((event) => event.type === "order.address-corrected")
      if (corrected) break
      if (Date.now() > until) throw new Error("the station never applied order.address-corrected")
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    await bench.keyboard.press("F1")
    await scanKeys(bench, packbenchCode("order", "SO-100009"))
    await packLine(bench, "ALP-MUG-01").waitFor({ timeout: 15_000 })
    expect(await bench.getByTestId("address").innerText()).toContain("Marienplatz 8")
    expect(await bench.getByTestId("address").innerText()).toContain("80331")
    expect(await bench.getByTestId("address-hold").count()).toBe(0)
    await bench.screenshot({ path: join(SCREENSHOTS, "address-correction-bench-released.png"), fullPage: true })
  })

  it("ran without script errors", () => {
    expect(opened.pageProblems).toEqual([])
  })
})
