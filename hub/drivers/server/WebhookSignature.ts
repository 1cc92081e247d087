/** Signing and verifying timestamped webhooks against replays. */
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * Webhook signing, in the scheme Stripe and GitHub made familiar: `X-Packbench-Signature: sha256=<hex>` over
 * "<X-Packbench-Timestamp>.<raw body>". The timestamp is inside the MAC, so an old request cannot be replayed
 * with a fresh timestamp; the receiver rejects timestamps outside its tolerance and delivery ids it has seen.
 */
export const signWebhook = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`

export type SignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "missing-headers" | "bad-signature" | "stale-timestamp" }

export const verifyWebhook = (options: {
  readonly secret: string
  readonly timestamp: string | undefined
  readonly signature: string | undefined
  readonly body: string
  readonly nowMs: number
  readonly toleranceMs: number
}): SignatureVerdict => {
  if (options.timestamp === undefined || options.signature === undefined)
    return { ok: false, reason: "missing-headers" }
  const expected = Buffer.from(signWebhook(options.secret, options.timestamp, options.body))
  const given = Buffer.from(options.signature)
  // Compared in constant time: a byte-by-byte early exit would leak how much of a forged signature was right.
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "bad-signature" }
  const seconds = Number(options.timestamp)
  if (!Number.isFinite(seconds) || Math.abs(options.nowMs - seconds * 1000) > options.toleranceMs) {
    return { ok: false, reason: "stale-timestamp" }
  }
  return { ok: true }
}
