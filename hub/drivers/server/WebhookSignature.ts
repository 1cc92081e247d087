/** Signing and verifying timestamped webhooks against replays. */
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * Webhook signing, in the scheme Stripe and GitHub made familiar: `X-Packbench-Signature: sha256=<hex>` over
 * "<X-Packbench-Timestamp>.<raw body>". The timestamp is inside the MAC, so an old request cannot be replayed
 * with a fresh timestamp; the receiver rejects timestamps outside its tolerance and delivery ids it has seen.
 */
export const signWebhook = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`

/**
 * The second scheme, which signs the delivery id too: `v2=<hex>` of HMAC-SHA256 over
 * "v2\n<timestamp>\n<delivery id>\n<raw body>". Under the first, a captured delivery could be sent again under another
 * `X-Packbench-Delivery` (the header was outside the MAC), and a receiver that acts once per id would act twice, or
 * take the id of the sender's next delivery and drop it. No header value holds a line break, so each part ends where
 * it should. The generic shop connector takes it inbound (`X-Packbench-Signature: v2=`); the hub's outgoing
 * notification webhooks send it as `X-Packbench-Signature-V2`.
 */
export const signWebhookV2 = (secret: string, timestamp: string, deliveryId: string, body: string | Uint8Array) =>
  `v2=${createHmac("sha256", secret).update(`v2\n${timestamp}\n${deliveryId}\n`).update(body).digest("hex")}`

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
