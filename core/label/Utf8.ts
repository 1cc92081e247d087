/**
 * UTF-8 by hand: core has neither Node's Buffer nor the DOM's TextEncoder, and ZPL jobs are
 * UTF-8 bytes once ^CI28 is selected.
 */
export const encodeUtf8 = (text: string): Uint8Array => {
  const out: Array<number> = []
  for (const char of text) {
    const cp = char.codePointAt(0)!
    if (cp < 0x80) out.push(cp)
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f))
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
  }
  return Uint8Array.from(out)
}

/** Strict decoding: `undefined` at the first malformed sequence, so a validator can say where. */
export const decodeUtf8 = (bytes: Uint8Array): { readonly text: string } | { readonly badOffset: number } => {
  let text = ""
  let i = 0
  while (i < bytes.length) {
    const b0 = bytes[i]!
    const length =
      b0 < 0x80 ? 1 : b0 >= 0xc2 && b0 < 0xe0 ? 2 : b0 >= 0xe0 && b0 < 0xf0 ? 3 : b0 >= 0xf0 && b0 < 0xf5 ? 4 : 0
    if (length === 0 || i + length > bytes.length) return { badOffset: i }
    let cp = length === 1 ? b0 : b0 & (0xff >> (length + 1))
    for (let k = 1; k < length; k++) {
      const b = bytes[i + k]!
      if ((b & 0xc0) !== 0x80) return { badOffset: i }
      cp = (cp << 6) | (b & 0x3f)
    }
    const minimum = [0, 0, 0x80, 0x800, 0x10000][length]!
    if (cp < minimum || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { badOffset: i }
    text += String.fromCodePoint(cp)
    i += length
  }
  return { text }
}
