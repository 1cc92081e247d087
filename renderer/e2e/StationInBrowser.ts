/** Starts a station and opens its UI in headless Chromium, for e2e tests and UI benches. */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import type { PushMessage } from "../../core/api/StationApi.ts"
import { loadConfig } from "../../drivers/station/loadConfig.ts"
import { PROJECT_ROOT, type RunningStation, startStation } from "../../drivers/station/Station.ts"

export { packbenchCode } from "../../fixtures/packbenchCode.ts"

export const SCREENSHOTS = resolve(PROJECT_ROOT, "test-output", "screenshots")

/** Debian's Chromium, headless, with nothing that reaches for the network this machine does not have. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

export interface StationInBrowser {
  readonly station: RunningStation
  readonly browser: BrowserContext
  readonly page: Page
  /** Script errors and console errors of the page: a test ends by expecting none. */
  readonly pageProblems: Array<string>
  /** What the station pushed to this page (its session's scans, its status), in order. */
  readonly pushes: Array<PushMessage>
  readonly close: () => Promise<void>
}

/**
 * A real station on a fresh data dir (free ports) and the UI it serves, open in a fresh Chromium profile at 1280x800.
 * The UI must have been built (`npm test` builds it first); it is built here only when missing.
 */
export const openStationInBrowser = async (
  name: string,
  /** More environment overrides for the station's configuration, e.g. fixed ports a test must know. */
  env: Readonly<Record<string, string>> = {},
  /** More Chromium switches, e.g. its fake camera. */
  chromiumArgs: ReadonlyArray<string> = [],
  /**
   * The station's data dir, for a test that restarts the station on the same database (another configuration, say);
   * kept when the station closes. A fresh one, removed on close, when absent.
   */
  keptDataDir?: string
): Promise<StationInBrowser> => {
  if (!existsSync(join(PROJECT_ROOT, "renderer", "dist", "index.html"))) {
    execFileSync("npx", ["vite", "build", "--config", "renderer/vite.config.ts"], { cwd: PROJECT_ROOT })
  }
  mkdirSync(SCREENSHOTS, { recursive: true })
  const dataDir = keptDataDir ?? mkdtempSync(join(tmpdir(), `packbench-${name}-e2e-`))
  const profileDir = mkdtempSync(join(tmpdir(), `packbench-${name}-chromium-`))
  const config = loadConfig({
    cwd: dataDir,
    env: { PACKBENCH_DATA_DIR: dataDir, PACKBENCH_HTTP_PORT: "0", PACKBENCH_EMBEDDED_BROKER_PORT: "0", ...env }
  })
  const station = await startStation({ config, http: true, log: () => {} })
  const browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, ...chromiumArgs],
    viewport: { width: 1280, height: 800 }
  })
  const page = browser.pages()[0] ?? (await browser.newPage())
  const pageProblems: Array<string> = []
  const pushes: Array<PushMessage> = []
  page.on("websocket", (socket) =>
    socket.on("framereceived", ({ payload }) => pushes.push(JSON.parse(String(payload)) as PushMessage))
  )
  page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`))
  page.on("console", (message) => {
    if (message.type() === "error") pageProblems.push(`console: ${message.text()}`)
  })
  await page.goto(station.url!)
  // Ready for scans once the header asks for a badge: the UI is mounted, its wedge listener attached and the
  // station's state loaded. A scan sent earlier would reach no listener.
  await page
    .getByTestId("operator")
    .getByText(/^(Badge scannen|Scan your badge)$/)
    .waitFor({ timeout: 30_000 })
  return {
    station,
    browser,
    page,
    pageProblems,
    pushes,
    close: async () => {
      await browser.close()
      await station.close()
      for (const dir of keptDataDir === undefined ? [dataDir, profileDir] : [profileDir]) {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}
