/** The hub's link secrets from the operating system's CSPRNG, and their SHA-256 digests. */
import { createHash, randomBytes } from "node:crypto"
import { Effect, Layer } from "effect"
import { TrackingTokens } from "../../core/tracking/TrackingTokens.ts"

/** 144 random bits from the OS CSPRNG, base64url: 24 characters that fit a URL path segment as they are. */
export const CryptoTrackingTokensLayer = Layer.succeed(
  TrackingTokens,
  TrackingTokens.of({
    next: Effect.sync(() => randomBytes(18).toString("base64url")),
    digest: (token) => createHash("sha256").update(token, "utf8").digest("base64url")
  })
)
