/** The hub's link secrets from the operating system's CSPRNG, and their SHA-256 digests. */
import { createHash, randomFillSync } from "node:crypto"
import { Effect, Layer } from "effect"
import { TrackingTokens } from "../../core/tracking/TrackingTokens.ts"

/** Random bytes per token: 144 bits, 24 base64url characters that fit a URL path segment as they are. */
export const TOKEN_BYTES = 18

/**
 * Tokens cut from a buffer filled by the CSPRNG 256 tokens at a time, as Node's own `randomUUID` does: one
 * `randomBytes(18)` costs about 5 µs (a job set up per call), which every parcel's apply paid; a slice of the pool
 * costs about 0.1 µs. Every byte is handed out once: the pool is refilled before any of it is used again.
 */
export const makeTokenSource = (tokensPerFill = 256): (() => string) => {
  const pool = Buffer.alloc(TOKEN_BYTES * tokensPerFill)
  let offset = pool.length
  return () => {
    if (offset + TOKEN_BYTES > pool.length) {
      randomFillSync(pool)
      offset = 0
    }
    const token = pool.toString("base64url", offset, offset + TOKEN_BYTES)
    offset += TOKEN_BYTES
    return token
  }
}

export const CryptoTrackingTokensLayer = Layer.sync(TrackingTokens, () => {
  const nextToken = makeTokenSource()
  return TrackingTokens.of({
    next: Effect.sync(nextToken),
    digest: (token) => createHash("sha256").update(token, "utf8").digest("base64url")
  })
})
