import type { BrowserContext, Locator, Page } from "playwright-core"
import { HUMAN_DELAY_MS, SCANNER_DELAY_MS, sendKeys } from "./sendKeys.ts"

/** What a packer does at the Pack screen without a mouse, and what the tests and benches wait for in between. */
export interface PackerKeys {
  /** A keyboard-wedge scanner's burst: the code and Enter, keys a few milliseconds apart. */
  readonly scan: (raw: string) => Promise<void>
  /** A number typed by a person, then Enter: slow enough that the wedge listener leaves it to the screen. */
  readonly typeNumber: (digits: string) => Promise<void>
  /** Waits until the prompt's heading reads `text`. */
  readonly prompt: (text: string, timeoutMs?: number) => Promise<void>
  /** The order line of `sku` on the bench. */
  readonly line: (sku: string) => Locator
}

export const packerKeys = (browser: BrowserContext, page: Page): PackerKeys => ({
  scan: (raw) => sendKeys(browser, page, raw, SCANNER_DELAY_MS),
  typeNumber: (digits) => sendKeys(browser, page, digits, HUMAN_DELAY_MS),
  prompt: (text, timeoutMs = 15_000) =>
    page.getByTestId("prompt").getByRole("heading", { name: text }).waitFor({ timeout: timeoutMs }),
  line: (sku) => page.locator(`[data-testid="pack-line"][data-sku="${sku}"]`)
})
