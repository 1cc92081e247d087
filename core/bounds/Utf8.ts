/**
 * UTF-8 for events, MQTT payloads and ZPL jobs (UTF-8 bytes once ^CI28 is selected), without Node's Buffer: encoding
 * by hand (a lone surrogate keeps its three bytes, where TextEncoder would put U+FFFD), strict decoding by the
 * platform's TextDecoder with a hand-written loop that names where malformed input goes wrong.
 */
export const encodeUtf8 = (text: string): Uint8Array => {
  // The outbox encodes every event it publishes with this: ASCII (nearly every event) is copied unit by unit into a
  // buffer of its exact size; anything else goes through the general path.
  const length = text.length
  const ascii = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0x80) return encodeGeneral(text, ascii, i)
    ascii[i] = unit
  }
  return ascii
}

/** UTF-8 of `text` whose first `done` units are ASCII and already in `head`; a lone surrogate is taken as it is. */
const encodeGeneral = (text: string, head: Uint8Array, done: number): Uint8Array => {
  const out = new Uint8Array(done + (text.length - done) * 3)
  out.set(head.subarray(0, done))
  let at = done
  for (let i = done; i < text.length; i++) {
    let cp = text.charCodeAt(i)
    if (cp < 0x80) {
      out[at++] = cp
      continue
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00)
        i++
      }
    }
    if (cp < 0x800) {
      out[at++] = 0xc0 | (cp >> 6)
      out[at++] = 0x80 | (cp & 0x3f)
    } else if (cp < 0x10000) {
      out[at++] = 0xe0 | (cp >> 12)
      out[at++] = 0x80 | ((cp >> 6) & 0x3f)
      out[at++] = 0x80 | (cp & 0x3f)
    } else {
      out[at++] = 0xf0 | (cp >> 18)
      out[at++] = 0x80 | ((cp >> 12) & 0x3f)
      out[at++] = 0x80 | ((cp >> 6) & 0x3f)
      out[at++] = 0x80 | (cp & 0x3f)
    }
  }
  return out.slice(0, at)
}

/** UTF-16 code units per `String.fromCharCode` call: well below any engine's limit on arguments. */
const unitsPerCall = 4_096

/**
 * The platform's strict decoder (WHATWG Encoding, in Node and in every browser): about ten times faster than the loop
 * below on well-formed input, which is nearly every message the hub's consumer and the station's inbox take.
 * `ignoreBOM` keeps a leading U+FEFF as text, as the loop does, instead of eating it.
 */
const platformStrict = ((): { readonly decode: (bytes: Uint8Array) => string } | undefined => {
  // Core's type checking knows neither the DOM's globals nor Node's: this names the one constructor it uses.
  const Decoder = (
    globalThis as {
      readonly TextDecoder?: new (
        label: string,
        options: { readonly fatal: boolean; readonly ignoreBOM: boolean }
      ) => { readonly decode: (bytes: Uint8Array) => string }
    }
  ).TextDecoder
  return Decoder === undefined ? undefined : new Decoder("utf-8", { fatal: true, ignoreBOM: true })
})()

/** Strict decoding: the text, or the offset of the first malformed sequence, so a validator can say where. */
export const decodeUtf8 = (bytes: Uint8Array): { readonly text: string } | { readonly badOffset: number } => {
  if (platformStrict === undefined) return decodeUtf8ByHand(bytes)
  let text: string
  try {
    text = platformStrict.decode(bytes)
  } catch {
    // The platform's decoder refuses malformed input without saying where: the loop finds the offset.
    return decodeUtf8ByHand(bytes)
  }
  return { text }
}

/** The same strict decoding in plain code, which also names where the input stops being UTF-8. */
export const decodeUtf8ByHand = (bytes: Uint8Array): { readonly text: string } | { readonly badOffset: number } => {
  // The code units are gathered and turned into text a few thousand at a time: a string grown one character at a
  // time costs an allocation per character, and this decodes every message the hub's consumer takes.
  const units = new Uint16Array(Math.min(bytes.length, unitsPerCall) + 1)
  let filled = 0
  let text = ""
  let i = 0
  while (i < bytes.length) {
    if (filled >= unitsPerCall - 1) {
      text += String.fromCharCode.apply(null, units.subarray(0, filled) as unknown as Array<number>)
      filled = 0
    }
    const b0 = bytes[i]!
    if (b0 < 0x80) {
      units[filled++] = b0
      i++
      continue
    }
    const length = b0 >= 0xc2 && b0 < 0xe0 ? 2 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xf0 && b0 < 0xf5 ? 4 : 0
    if (length === 0 || i + length > bytes.length) return { badOffset: i }
    let cp = b0 & (0xff >> (length + 1))
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k]!
      if ((b & 0xc0) !== 0x80) return { badOffset: i }
      cp = (cp << 6) | (b & 0x3f)
    }
    const minimum = length === 2 ? 0x80 : length === 3 ? 0x800 : 0x10000
    if (cp < minimum || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { badOffset: i }
    if (cp >= 0x10000) {
      units[filled++] = 0xd800 + ((cp - 0x10000) >> 10)
      units[filled++] = 0xdc00 + ((cp - 0x10000) & 0x3ff)
    } else units[filled++] = cp
    i += length
  }
  if (filled > 0) text += String.fromCharCode.apply(null, units.subarray(0, filled) as unknown as Array<number>)
  return { text }
}
