import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { payloadExcerpt } from "./PayloadExcerpt.ts"
import { encodeUtf8 } from "./Utf8.ts"

describe("payloadExcerpt", () => {
  it("keeps a small payload whole, with its digest and length", () => {
    const payload = encodeUtf8('{"msgId":"m-1"}')
    expect(payloadExcerpt(payload)).toEqual({
      text: '{"msgId":"m-1"}',
      sha256: createHash("sha256").update(payload).digest("hex"),
      bytes: 15,
      truncated: false
    })
  })

  it("keeps at most 4 KB of a 1 MB payload, cut at a character, and the digest of the whole", () => {
    const payload = encodeUtf8(`x${"ä".repeat(600_000)}`)
    const excerpt = payloadExcerpt(payload)
    expect(excerpt.truncated).toBe(true)
    expect(excerpt.bytes).toBe(1_200_001)
    expect(encodeUtf8(excerpt.text).length).toBeLessThanOrEqual(4096)
    expect(excerpt.text.startsWith("xää")).toBe(true)
    expect(excerpt.text.endsWith("ä")).toBe(true)
    expect(excerpt.sha256).toBe(createHash("sha256").update(payload).digest("hex"))
  })

  it("shows bytes that are not UTF-8 as hex, within the same bound", () => {
    const payload = new Uint8Array(10_000).fill(0xff)
    const excerpt = payloadExcerpt(payload)
    expect(excerpt.text.startsWith("hex:ffff")).toBe(true)
    expect(excerpt.text.length).toBeLessThanOrEqual(4096)
  })
})
