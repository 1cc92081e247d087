/** Sends keys to the page at a scanner's or a person's pace, for e2e tests and UI benches. */
import type { BrowserContext, Page } from "playwright-core"

/** HID scanners type a key every few milliseconds; people take 80 ms and more. */
export const SCANNER_DELAY_MS = 8
export const HUMAN_DELAY_MS = 150
/** A key's keyUp follows its keyDown by this much. */
const KEY_UP_AFTER_MS = 2

/**
 * Types `text` and Enter as real key events through Chromium's input pipeline (they land in whatever has focus),
 * stamped `delayMs` apart the way the OS stamps HID reports. keyboard.type's own timing cannot be trusted here: on a
 * loaded 2-core runner its "8 ms" keys arrived up to 470 ms apart, which a wedge detector rightly takes for a
 * person, and keys meant to be a person's can arrive bunched. Events are sent without waiting for each other; the
 * call returns once the last key's stamp has come, as a scanner has finished typing by then.
 */
export const sendKeys = async (browser: BrowserContext, page: Page, text: string, delayMs: number) => {
  const cdp = await browser.newCDPSession(page)
  const startS = Date.now() / 1000
  const keys = [...text].map((char) => ({ key: char, text: char })).concat({ key: "Enter", text: "\r" })
  await Promise.all(
    keys.flatMap(({ key, text: typed }, index) => {
      const timestamp = startS + (index * delayMs) / 1000
      // GS (the GS1 separator) comes from a HID scanner as Ctrl+]: a control key, no text.
      if (key === "\u001d") {
        const gs = { key: "]", code: "BracketRight", windowsVirtualKeyCode: 221, modifiers: 2 }
        return [
          cdp.send("Input.dispatchKeyEvent", { type: "rawKeyDown", timestamp, ...gs }),
          cdp.send("Input.dispatchKeyEvent", { type: "keyUp", timestamp: timestamp + KEY_UP_AFTER_MS / 1000, ...gs })
        ]
      }
      const enter = key === "Enter" ? { code: "Enter", windowsVirtualKeyCode: 13 } : {}
      return [
        cdp.send("Input.dispatchKeyEvent", {
          type: "keyDown",
          key,
          text: typed,
          unmodifiedText: typed,
          timestamp,
          ...enter
        }),
        cdp.send("Input.dispatchKeyEvent", {
          type: "keyUp",
          key,
          timestamp: timestamp + KEY_UP_AFTER_MS / 1000,
          ...enter
        })
      ]
    })
  )
  await cdp.detach()
  // The keys reach the page at once, stamped up to the burst's length ahead (216 ms for a 27-character GS1 code).
  // A key the test presses next is stamped when it is sent: sent before the last stamp has come, the page would
  // see it come first or within 120 ms of the Enter, and take a clerk's lone grade key for the tail of the scan.
  const lastStampMs = startS * 1000 + (keys.length - 1) * delayMs + KEY_UP_AFTER_MS
  const aheadMs = lastStampMs - Date.now()
  if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(aheadMs)))
}
