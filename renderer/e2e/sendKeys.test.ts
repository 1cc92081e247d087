import type { BrowserContext, Page } from "playwright-core"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { SCANNER_DELAY_MS, sendKeys } from "./sendKeys.ts"

/** A browser whose CDP session records the key events sent through it and answers each at once. */
const recordingBrowser = () => {
  const stampsS: Array<number> = []
  const session = {
    send: async (_method: string, params: { readonly timestamp: number }) => {
      stampsS.push(params.timestamp)
    },
    detach: async () => {}
  }
  const browser = { newCDPSession: async () => session } as unknown as BrowserContext
  return { browser, page: {} as Page, stampsS }
}

describe("sendKeys", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-03-02T10:00:00Z") })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  // Keys are stamped at a scanner's pace but all sent at once: a key the test presses next (stamped when it is sent)
  // must not count as sent before the burst's last key, or the screen takes the clerk's key for part of the scan.
  it("returns only once the last key's stamp is no longer in the future", async () => {
    const { browser, page, stampsS } = recordingBrowser()
    let returned = false
    const sending = sendKeys(browser, page, "010426012345006921GPS-E2E-1", SCANNER_DELAY_MS).then(() => {
      returned = true
    })
    await vi.advanceTimersByTimeAsync(0)
    const lastMs = Math.max(...stampsS) * 1000
    expect(lastMs - Date.now()).toBeCloseTo(27 * SCANNER_DELAY_MS + 2, 3)
    expect(returned).toBe(false)
    await vi.advanceTimersByTimeAsync(Math.ceil(lastMs - Date.now()))
    await sending
    expect(returned).toBe(true)
    expect(Date.now()).toBeGreaterThanOrEqual(lastMs)
  })
})
