/** The packer's steps on the Pack screen by scanner and keys, for e2e tests and UI benches. */
import type { Page } from "playwright-core"
import { fixture } from "../../fixtures/SeededStation.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { packbenchCode } from "./StationInBrowser.ts"
import { HUMAN_DELAY_MS, SCANNER_DELAY_MS, sendKeys } from "./sendKeys.ts"

/**
 * The packer's steps on the Pack screen, by scanner and keys alone, for e2e tests and UI benches that need an order
 * packed (or want to time it). Each step waits for the station's answer on screen before it returns; prompts are
 * the German ones the station starts with.
 */

/** One line of the order as the packer verifies it: one scan of `scan`, then the quantity typed when above 1. */
export interface PackedLine {
  readonly sku: string
  readonly scan: string
  readonly quantity: number
}

const badges = fixture("badges.json") as ReadonlyArray<{
  readonly badgeId: string
  readonly name: string
  readonly role: string
}>

/** A scan from a keyboard-wedge scanner: the keys in a fast burst, then Enter. */
export const scanKeys = (page: Page, raw: string) => sendKeys(page.context(), page, raw, SCANNER_DELAY_MS)

/** How a step's scans reach the station: the keyboard wedge by default, or e.g. a serial scanner simulator. */
export type Scan = (raw: string) => Promise<void>
const wedge =
  (page: Page): Scan =>
  (raw) =>
    scanKeys(page, raw)

/** A number typed by a person, then Enter: slow enough that the wedge listener leaves it to the screen. */
export const typeKeys = (page: Page, digits: string) => sendKeys(page.context(), page, digits, HUMAN_DELAY_MS)

export const waitForPrompt = (page: Page, text: string) =>
  page.getByTestId("prompt").getByRole("heading", { name: text }).waitFor({ timeout: 15_000 })

export const packLine = (page: Page, sku: string) => page.locator(`[data-testid="pack-line"][data-sku="${sku}"]`)

/** Types the PIN into the prompt a manager's badge opened, as a person does, and sends it with Enter. */
export const enterPin = async (page: Page, pin: string) => {
  const field = page.getByTestId("pin-prompt").locator("#pin-input")
  await field.waitFor({ timeout: 15_000 })
  await field.focus()
  await typeKeys(page, pin)
}

/**
 * Scans a sample badge (fixtures/data/badges.json) and waits until the header shows its holder; the sample
 * manager's badge asks for the PIN, which is typed (the demo PIN, fixtures/sampleManager.ts).
 */
export const signIn = async (page: Page, badge: string, scan: Scan = wedge(page)) => {
  const holder = badges.find((entry) => entry.badgeId === badge)
  if (holder === undefined) throw new Error(`${badge} is not a sample badge (fixtures/data/badges.json)`)
  await scan(packbenchCode("badge", badge))
  if (holder.role === "manager") {
    if (badge !== SAMPLE_MANAGER.badgeId) throw new Error(`no demo PIN for ${badge}`)
    await enterPin(page, SAMPLE_MANAGER.pin)
  }
  await page.getByTestId("operator").getByText(holder.name).waitFor({ timeout: 15_000 })
}

/** Scans the order code and waits for its first line on the bench. */
export const openOrder = async (page: Page, orderId: string, firstSku: string, scan: Scan = wedge(page)) => {
  await scan(packbenchCode("order", orderId))
  await packLine(page, firstSku).waitFor({ timeout: 15_000 })
}

/** Verifies each line: a scan, then the quantity typed when the line has more than one unit. */
export const verifyLines = async (page: Page, lines: ReadonlyArray<PackedLine>, scan: Scan = wedge(page)) => {
  for (const line of lines) {
    await scan(line.scan)
    const count = packLine(page, line.sku).getByTestId("line-count")
    await count.getByText(`1 / ${line.quantity}`).waitFor({ timeout: 15_000 })
    if (line.quantity > 1) {
      await typeKeys(page, String(line.quantity))
      await count.getByText(`${line.quantity} / ${line.quantity}`).waitFor({ timeout: 15_000 })
    }
  }
}

/** Takes the box by its number on the choice list and the typed weight, and completes on F9. */
export const completeParcel = async (page: Page, parcel: { readonly box: number; readonly grams: number }) => {
  await waitForPrompt(page, "Karton wählen")
  await typeKeys(page, String(parcel.box))
  await waitForPrompt(page, "Paket wiegen")
  await typeKeys(page, String(parcel.grams))
  await page.getByTestId("weight").getByText(`${parcel.grams} g`).waitFor({ timeout: 15_000 })
  await page.keyboard.press("F9")
}

/** Completes the parcel (`completeParcel`) and waits for its label; the tracking number. */
export const closeParcel = async (page: Page, parcel: { readonly box: number; readonly grams: number }) => {
  await completeParcel(page, parcel)
  await page.getByTestId("tracking-number").waitFor({ timeout: 30_000 })
  return (await page.getByTestId("tracking-number").innerText()).trim()
}

/** Packs a whole order on the Pack screen (a packer must be signed in); returns the parcel's tracking number. */
export const packOrder = async (
  page: Page,
  orderId: string,
  lines: ReadonlyArray<PackedLine>,
  parcel: { readonly box: number; readonly grams: number },
  scan: Scan = wedge(page)
) => {
  const first = lines[0]
  if (first === undefined) throw new Error(`packOrder(${orderId}) needs at least one line`)
  await openOrder(page, orderId, first.sku, scan)
  await verifyLines(page, lines, scan)
  return closeParcel(page, parcel)
}
