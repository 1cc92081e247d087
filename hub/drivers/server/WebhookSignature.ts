/** Signing and verifying timestamped webhooks against replays. */
import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * Webhook signing, in the scheme Stripe and GitHub made familiar: `X-Packbench-Signature: sha256=<hex>` over
 * "<X-Packbench-Timestamp>.<raw body>". The timestamp is inside the MAC, so an old request cannot be replayed
 * with a fresh timestamp; the receiver rejects timestamps outside its tolerance and delivery ids it has seen.
 */
export const signWebhook = (secret: string, timestamp: string, body: string | Uint8Array): string =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`

/**
 * The second scheme, which signs the delivery id too: `v2=<hex>` of HMAC-SHA256 over
 * "v2\n<timestamp>\n<delivery id>\n<raw body>". Under the first, a captured delivery could be sent again under another
 * `X-Packbench-Delivery` (the header was outside the MAC), and a receiver that acts once per id would act twice, or
 * take the id of the sender's next delivery and drop it. No header value holds a line break, so each part ends where
 * it should. The generic shop connector and the carrier webhook take it inbound (`X-Packbench-Signature: v2=`); the
 * hub's outgoing notification webhooks and the generic connector's pushes send it as `X-Packbench-Signature-V2`.
 */
export const signWebhookV2 = (secret: string, timestamp: string, deliveryId: string, body: string | Uint8Array) =>
  `v2=${createHmac("sha256", secret).update(`v2\n${timestamp}\n${deliveryId}\n`).update(body).digest("hex")}`

export type SignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "missing-headers" | "bad-signature" | "stale-timestamp" }

/** What a v2 delivery id may hold: no space or line break, which would make the signed text ambiguous. */
export const deliveryIdPattern = /^[\x21-\x7e]{1,200}$/

/** Compared in constant time: a byte-by-byte early exit would leak how much of a forged signature was right. */
const sameSignature = (expected: string, given: string) => {
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

const freshness = (timestamp: string, nowMs: number, toleranceMs: number): SignatureVerdict => {
  const seconds = Number(timestamp)
  return !Number.isFinite(seconds) || Math.abs(nowMs - seconds * 1000) > toleranceMs
    ? { ok: false, reason: "stale-timestamp" }
    : { ok: true }
}

interface Received {
  readonly secret: string
  readonly timestamp: string | undefined
  readonly signature: string | undefined
  /**
   * The bytes as they came (a text stands for its UTF-8 bytes): a text decoded from received bytes first would not be
   * what was signed where they are no UTF-8.
   */
  readonly body: string | Uint8Array
  readonly nowMs: number
  readonly toleranceMs: number
}

/**
 * What refuses a delivery by its headers alone, before its body is read: the signature or the timestamp missing, or the
 * timestamp outside the tolerance. Anyone may post a body: the receiver reads one only for headers that could verify.
 */
export const headersVerdict = (
  headers: Pick<Received, "timestamp" | "signature" | "nowMs" | "toleranceMs">
): SignatureVerdict =>
  headers.timestamp === undefined || headers.signature === undefined
    ? { ok: false, reason: "missing-headers" }
    : freshness(headers.timestamp, headers.nowMs, headers.toleranceMs)

/** Both schemes' check: headers there, the signature `expected` gives for the timestamp, the timestamp fresh. */
const verified = (options: Received, expected: (timestamp: string) => string): SignatureVerdict => {
  if (options.timestamp === undefined || options.signature === undefined)
    return { ok: false, reason: "missing-headers" }
  if (!sameSignature(expected(options.timestamp), options.signature)) return { ok: false, reason: "bad-signature" }
  return freshness(options.timestamp, options.nowMs, options.toleranceMs)
}

export const verifyWebhook = (options: Received): SignatureVerdict =>
  verified(options, (timestamp) => signWebhook(options.secret, timestamp, options.body))

/** `verifyWebhook` for a `v2=` signature: the delivery id, checked against `deliveryIdPattern` first, is signed too. */
export const verifyWebhookV2 = (options: Received & { readonly deliveryId: string }): SignatureVerdict =>
  verified(options, (timestamp) => signWebhookV2(options.secret, timestamp, options.deliveryId, options.body))
