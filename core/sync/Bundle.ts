/**
 * A bundle: several consecutive events of one station in one MQTT message (`Topics.eventBundle`), a JSON array of
 * their envelopes. The station joins the envelopes it has already encoded; the consumer parses the array once and,
 * only when an event must be kept as evidence (a quarantine record), cuts that event's own text out of the bundle.
 */
import { decodeUtf8, encodeUtf8 } from "../bounds/Utf8.ts"

/** `[e1,e2,…]` from encoded envelopes; `bytes` is their lengths plus the brackets and commas. */
export const joinBundle = (parts: ReadonlyArray<{ readonly payload: Uint8Array }>, bytes: number): Uint8Array => {
  const out = new Uint8Array(bytes)
  out[0] = 0x5b
  let at = 1
  for (const [index, part] of parts.entries()) {
    if (index > 0) out[at++] = 0x2c
    out.set(part.payload, at)
    at += part.payload.length
  }
  out[at] = 0x5d
  return out
}

/**
 * Where each element of a JSON array's text starts and ends (end exclusive), whitespace around it left out. Only for
 * text that `JSON.parse` took as an array: it follows strings (and their escapes) and nesting, nothing else.
 */
export const arrayElementSpans = (text: string): Array<readonly [number, number]> => {
  const spans: Array<readonly [number, number]> = []
  const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d
  let at = text.indexOf("[") + 1
  let depth = 0
  let start = -1
  let last = -1
  for (; at < text.length; at++) {
    const code = text.charCodeAt(at)
    if (code === 0x22) {
      if (start === -1) start = at
      at++
      while (at < text.length && text.charCodeAt(at) !== 0x22) at += text.charCodeAt(at) === 0x5c ? 2 : 1
      last = at
      continue
    }
    if (isSpace(code)) continue
    if (depth === 0 && (code === 0x2c || code === 0x5d)) {
      if (start !== -1) spans.push([start, last + 1])
      start = -1
      if (code === 0x5d) break
      continue
    }
    if (start === -1) start = at
    if (code === 0x5b || code === 0x7b) depth++
    else if (code === 0x5d || code === 0x7d) depth--
    last = at
  }
  return spans
}

/** A bundle's payload, with its elements' own bytes cut out on demand (the spans found once, when first asked). */
export class BundleSource {
  #spans: Array<readonly [number, number]> | undefined
  #text: string | undefined
  constructor(private readonly payload: Uint8Array) {}
  element(index: number): Uint8Array {
    if (this.#text === undefined) {
      const decoded = decodeUtf8(this.payload)
      this.#text = "text" in decoded ? decoded.text : ""
      this.#spans = arrayElementSpans(this.#text)
    }
    const span = this.#spans?.[index]
    return encodeUtf8(span === undefined ? "" : this.#text.slice(span[0], span[1]))
  }
}
