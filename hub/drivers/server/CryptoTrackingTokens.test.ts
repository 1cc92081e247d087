import { describe, expect, it } from "vitest"
import { makeTokenSource, TOKEN_BYTES } from "./CryptoTrackingTokens.ts"

describe("tracking token source", () => {
  it("hands out 24-character base64url tokens, never the same one twice, across refills of its pool", () => {
    const next = makeTokenSource(4)
    const tokens = Array.from({ length: 1_000 }, next)
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/)
      expect(Buffer.from(token, "base64url")).toHaveLength(TOKEN_BYTES)
    }
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  it("gives two sources different tokens", () => {
    expect(makeTokenSource()()).not.toBe(makeTokenSource()())
  })
})
