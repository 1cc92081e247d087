import { describe, expect, it } from "vitest"
import { decodeUtf8, decodeUtf8ByHand, encodeUtf8 } from "./Utf8.ts"

/** A fixed-seed generator, so a failure names its input again. */
const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}

describe("encodeUtf8", () => {
  it("gives the bytes the platform's encoder gives for ASCII, umlauts, CJK, emoji and mixed text", () => {
    const platform = new TextEncoder()
    const texts = [
      "",
      "abc",
      '{"payload":{"n":1}}',
      "Grüße, Straße",
      "€ 12,50",
      "東京",
      "😀📦",
      "a😀b€cßd\u2028e",
      "x".repeat(5000)
    ]
    for (const text of texts) expect(Array.from(encodeUtf8(text))).toEqual(Array.from(platform.encode(text)))
  })

  it("keeps a lone surrogate as its own three bytes, as it always did, and round-trips well-formed text", () => {
    expect(Array.from(encodeUtf8("a\ud800"))).toEqual([0x61, 0xed, 0xa0, 0x80])
    expect(Array.from(encodeUtf8("\udc00b"))).toEqual([0xed, 0xb0, 0x80, 0x62])
    for (const text of ["Grüße 😀 東京", "plain"]) expect(decodeUtf8(encodeUtf8(text))).toEqual({ text })
  })
})

describe("decodeUtf8", () => {
  it("reads what encodeUtf8 wrote, across its chunk size and with every length of sequence", () => {
    const next = random(7)
    const alphabet = ["a", "ß", "€", "😀", "\u0000", "\u07ff", "\uffff", "𐀀"]
    for (const length of [0, 1, 4_094, 4_095, 4_096, 4_097, 10_000]) {
      const text = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("")
      expect(decodeUtf8(encodeUtf8(text))).toEqual({ text })
      expect(decodeUtf8ByHand(encodeUtf8(text))).toEqual({ text })
    }
  })

  it("keeps a leading byte order mark as U+FEFF instead of eating it", () => {
    for (const decode of [decodeUtf8, decodeUtf8ByHand]) {
      expect(decode(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toEqual({ text: "\ufeffa" })
    }
  })

  it("names the offset of the first malformed sequence, as a strict decoder refuses it", () => {
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
    const next = random(11)
    for (let round = 0; round < 2_000; round++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 12) }, () =>
        next() < 0.5 ? 0x61 : Math.floor(next() * 256)
      )
      const decoded = decodeUtf8(bytes)
      // The hand-written loop, which finds the offset, agrees with the platform's decoder on every input.
      expect(decodeUtf8ByHand(bytes)).toEqual(decoded)
      let expected: string | undefined
      try {
        expected = strict.decode(bytes)
      } catch {
        expected = undefined
      }
      if (expected === undefined) expect(decoded).toHaveProperty("badOffset")
      else expect(decoded).toEqual({ text: expected })
    }
    expect(decodeUtf8(Uint8Array.from([0x61, 0x62, 0xc3]))).toEqual({ badOffset: 2 })
    expect(decodeUtf8(Uint8Array.from([0x61, 0xed, 0xa0, 0x80]))).toEqual({ badOffset: 1 })
  })
})
