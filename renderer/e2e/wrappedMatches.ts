/** Finds identifiers a browser laid out on more than one line: an order or station number split at its hyphen. */
import type { Locator } from "playwright-core"

/** Every match of `pattern` (a RegExp source) in the text under `root` that the browser laid out on more than one line. */
export const wrappedMatches = (root: Locator, pattern: string) =>
  root.evaluate((element, source) => {
    const wrapped: Array<string> = []
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      for (const match of (node.textContent ?? "").matchAll(new RegExp(source, "g"))) {
        const range = document.createRange()
        range.setStart(node, match.index)
        range.setEnd(node, match.index + match[0].length)
        const tops = new Set(
          [...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top))
        )
        if (tops.size > 1) wrapped.push(match[0])
      }
    }
    return wrapped
  }, pattern)
