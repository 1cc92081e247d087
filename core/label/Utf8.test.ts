import { describe, expect, it } from "vitest"
import { decodeUtf8, encodeUtf8 } from "./Utf8.ts"

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
