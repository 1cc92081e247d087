import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { enterPin, scanKeys, signIn } from "./packOrder.ts"
import {
  CHROMIUM_ARGS,
  openStationInBrowser,
  packbenchCode,
  SCREENSHOTS,
  type StationInBrowser
} from "./StationInBrowser.ts"

/**
 * The browser's half of issue #13's attacks, in real Chromium: a page from another origin (another port of this
 * machine, which is the same *site*, so SameSite cookies go along) tries the text/plain form POST that once signed
 * in the manager, and the WebSocket that once carried every push; both are refused. Each browser has its own
 * session, and a manager's badge asks for the PIN (screenshots in German and English).
 */

let opened: StationInBrowser | undefined
let page: Page
let evil: Server
let evilUrl = ""
let stationUrl = ""
const extraContexts: Array<{ readonly context: BrowserContext; readonly dir: string }> = []

/** The attacker's pages: a self-submitting form, a no-cors fetch and a WebSocket, all aimed at the station. */
const evilPage = (path: string): string => {
  const target = (name: string) => `${stationUrl}/api/call/${name}`
  if (path === "/form") {
    // enctype=text/plain sends `name=value`: with this name and value the body is {"badge":"B-9001","x":"="}.
    return `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${target("session.signIn")}">
<input name='{"badge":"${SAMPLE_MANAGER.badgeId}","x":"' value='"}'></form>
<script>document.getElementById("f").submit()</script>`
  }
  if (path === "/fetch") {
    return `<!doctype html><script>
window.done = Promise.all([
  fetch(${JSON.stringify(target("session.signIn"))}, { method: "POST", mode: "no-cors", credentials: "include",
    headers: { "content-type": "text/plain" }, body: '{"badge":"B-1001"}' }).then(() => "sent", (e) => String(e)),
  fetch(${JSON.stringify(target("rules.replace"))}, { method: "POST", credentials: "include",
    headers: { "content-type": "application/json" }, body: '{"rules":{"version":99,"rules":[]}}' }).then((r) => "read " + r.status, (e) => "blocked: " + e)
])
</script>`
  }
  if (path === "/socket") {
    return `<!doctype html><script>
window.socketResult = new Promise((resolve) => {
  const seen = { opened: false, messages: 0 }
  const socket = new WebSocket(${JSON.stringify(`${stationUrl.replace("http", "ws")}/api/events`)})
  socket.onopen = () => { seen.opened = true }
  socket.onmessage = () => { seen.messages += 1 }
  socket.onclose = () => resolve(seen)
  setTimeout(() => resolve(seen), 5000)
})
</script>`
  }
  return "<!doctype html><p>nothing here</p>"
}

/** Another browser, with its own profile and so its own cookies, on the station's UI. */
const anotherBrowser = async (): Promise<Page> => {
  const dir = mkdtempSync(join(tmpdir(), "packbench-attacks-second-"))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 }
  })
  extraContexts.push({ context, dir })
  const second = context.pages()[0] ?? (await context.newPage())
  await second.goto(stationUrl)
  await second
    .getByTestId("operator")
    .getByText(/^(Badge scannen|Scan your badge)$/)
    .waitFor({ timeout: 30_000 })
  return second
}

const operatorOf = (target: Page) => target.getByTestId("operator").innerText()

beforeAll(async () => {
  opened = await openStationInBrowser("attacks")
  page = opened.page
  stationUrl = opened.station.url!
  evil = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    response.end(evilPage(new URL(request.url ?? "/", "http://evil.invalid").pathname))
  })
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve))
  const address = evil.address()
  evilUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
})

afterAll(async () => {
  for (const { context, dir } of extraContexts) {
    await context.close()
    rmSync(dir, { recursive: true, force: true })
  }
  await new Promise<void>((resolve) => evil?.close(() => resolve()))
  await opened?.close()
})

describe("a page on another origin, in the bench's own browser", () => {
  it("cannot sign in the manager with a text/plain form POST", async () => {
    const attacker = await opened!.browser.newPage()
    await attacker.goto(`${evilUrl}/form`)
    await attacker.waitForURL(/\/api\/call\/session\.signIn$/, { timeout: 15_000 })
    expect(await attacker.locator("body").innerText()).toContain("unsupported-media-type")
    await attacker.close()
    // The station's own tab, in the same browser (its session cookie went along): still nobody signed in.
    await page.reload()
    await page.getByTestId("operator").getByText("Badge scannen").waitFor({ timeout: 15_000 })
    const events = await opened!.station.call("events.recent", { limit: 50 })
    expect(events.ok && (events.value as ReadonlyArray<{ type: string }>).map((event) => event.type)).not.toContain(
      "operator.signed-in"
    )
  })

  it("cannot sign in or reach a manager-only call with fetch either", async () => {
    const attacker = await opened!.browser.newPage()
    await attacker.goto(`${evilUrl}/fetch`)
    const outcomes = await attacker.evaluate(() => (window as unknown as { done: Promise<Array<string>> }).done)
    // The no-cors POST is sent but refused; the JSON one needs a preflight the station never grants.
    expect(outcomes[0]).toBe("sent")
    expect(outcomes[1]).toMatch(/^blocked/)
    await attacker.close()
    expect(await operatorOf(page)).toContain("Badge scannen")
    const rules = await opened!.station.call("rules.active", {})
    expect(rules.ok && (rules.value as { version: number }).version).not.toBe(99)
  })

  it("cannot open the station's event socket", async () => {
    const attacker = await opened!.browser.newPage()
    await attacker.goto(`${evilUrl}/socket`)
    const seen = await attacker.evaluate(
      () => (window as unknown as { socketResult: Promise<{ opened: boolean; messages: number }> }).socketResult
    )
    expect(seen).toEqual({ opened: false, messages: 0 })
    await attacker.close()
  })
})

describe("every browser has its own session", () => {
  it("keeps a second browser signed out while the first is signed in, and each its own operator", async () => {
    await signIn(page, "B-1001")
    const second = await anotherBrowser()
    expect(await operatorOf(second)).toContain("Badge scannen")
    await signIn(second, "B-2001")
    await page.reload()
    await page.getByTestId("operator").getByText("Jonas Becker").waitFor({ timeout: 15_000 })
    expect(await operatorOf(page)).not.toContain("Mira Schulz")
    expect(await operatorOf(second)).toContain("Mira Schulz")
    // Signing out in one browser leaves the other signed in.
    await second.getByTestId("operator").getByRole("button").click()
    await second.getByTestId("operator").getByText("Badge scannen").waitFor({ timeout: 15_000 })
    await page.reload()
    await page.getByTestId("operator").getByText("Jonas Becker").waitFor({ timeout: 15_000 })
  })
})

describe("a manager signs in with badge and PIN", () => {
  it("asks for the PIN after the badge, says how many tries are left, and signs in with the right one", async () => {
    const manager = await anotherBrowser()
    await scanKeys(manager, packbenchCode("badge", SAMPLE_MANAGER.badgeId))
    const prompt = manager.getByTestId("pin-prompt")
    await prompt.getByText(SAMPLE_MANAGER.name).waitFor({ timeout: 15_000 })
    await prompt.getByRole("heading", { name: "PIN der Leitung" }).waitFor()
    // Nobody is signed in by the badge alone.
    expect(await operatorOf(manager)).toContain("Badge scannen")
    await manager.screenshot({ path: join(SCREENSHOTS, "9-pin-prompt-de.png") })
    await enterPin(manager, "0000")
    await prompt.getByTestId("pin-answer").getByText("Falsche PIN. Noch 4 Versuche.").waitFor({ timeout: 15_000 })
    expect(await manager.locator("#pin-input").inputValue()).toBe("")
    await manager.screenshot({ path: join(SCREENSHOTS, "9-pin-prompt-wrong-de.png") })
    // The PIN never became a scan: the last scan shown is still the badge.
    expect(await manager.getByTestId("scan-outcome").innerText()).not.toContain("0000")
    await manager.keyboard.press("Escape")
    await prompt.waitFor({ state: "detached", timeout: 15_000 })

    await manager.getByRole("button", { name: "EN", exact: true }).click()
    await manager.getByTestId("operator").getByText("Scan your badge").waitFor({ timeout: 15_000 })
    await scanKeys(manager, packbenchCode("badge", SAMPLE_MANAGER.badgeId))
    await prompt.getByRole("heading", { name: "Manager PIN" }).waitFor({ timeout: 15_000 })
    await manager.screenshot({ path: join(SCREENSHOTS, "9-pin-prompt-en.png") })
    await enterPin(manager, "1111")
    await prompt.getByTestId("pin-answer").getByText("Wrong PIN. 3 tries left.").waitFor({ timeout: 15_000 })
    await manager.screenshot({ path: join(SCREENSHOTS, "9-pin-prompt-wrong-en.png") })
    await enterPin(manager, SAMPLE_MANAGER.pin)
    await prompt.waitFor({ state: "detached", timeout: 15_000 })
    await manager.getByTestId("operator").getByText(SAMPLE_MANAGER.name).waitFor({ timeout: 15_000 })
    expect(await operatorOf(manager)).toContain("Manager")
    await manager.getByRole("button", { name: "DE", exact: true }).click()
    await manager.getByTestId("operator").getByText("Leitung").waitFor({ timeout: 15_000 })
  })

  it("shows the manager the audit: the sign-in and both wrong PINs, with who, when and from which client", async () => {
    const manager = extraContexts.at(-1)!.context.pages()[0]!
    await manager.keyboard.press("F3")
    const rows = manager.getByTestId("audit-entries").locator("tbody tr")
    await rows.first().waitFor({ timeout: 15_000 })
    const entries = await rows.evaluateAll((elements) =>
      elements.map((row) => ({
        action: row.getAttribute("data-action"),
        outcome: row.getAttribute("data-outcome"),
        text: (row as HTMLElement).innerText
      }))
    )
    expect(entries.slice(0, 3).map(({ action, outcome }) => ({ action, outcome }))).toEqual([
      { action: "session.enterPin", outcome: "done" },
      { action: "session.enterPin", outcome: "refused" },
      { action: "session.enterPin", outcome: "refused" }
    ])
    expect(entries[0]?.text).toContain("Katrin Vogel (Leitung)")
    expect(entries[0]?.text).toMatch(/web-[0-9a-f]{12} · (::ffff:)?127\.0\.0\.1/)
    expect(entries[1]?.text).toContain("Falsche PIN. Noch 3 Versuche.")
    await manager.getByTestId("audit-card").scrollIntoViewIfNeeded()
    await manager.getByTestId("audit-card").screenshot({ path: join(SCREENSHOTS, "9-audit-card-de.png") })
    // A packer at another browser sees that there is an audit, not what is in it.
    await page.keyboard.press("F3")
    await page.getByTestId("audit-card").getByText("Das Protokoll sieht nur die Leitung", { exact: false }).waitFor()
    await page.keyboard.press("F1")
  })

  it("ran without script errors or CSP violations on the station's page", () => {
    expect(opened!.pageProblems).toEqual([])
  })
})
