/** HMAC-SHA256 signing and constant-time checking of shop webhooks, and reading a verified body. */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Effect } from "effect"
import { type RawWebhook, WebhookRefused } from "../../core/shop/ShopConnector.ts"

/** HMAC-SHA256 of `body` under `secret`, compared in constant time with what the sender claims. */
export const hmacMatches = (
  secret: string,
  body: Uint8Array,
  claimed: string | undefined,
  encoding: "base64" | "hex"
): boolean => {
  if (claimed === undefined || claimed.length === 0 || claimed.length > 512) return false
  const expected = createHmac("sha256", secret).update(body).digest()
  const given = Buffer.from(claimed.trim(), encoding)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * The refusal (401) of a webhook whose `header`, spelt as the shop documents it, holds no HMAC of the body under
 * `secret`; undefined when the signature matches.
 */
export const signatureRefusal = (
  secret: string,
  webhook: RawWebhook,
  header: string,
  encoding: "base64" | "hex"
): WebhookRefused | undefined =>
  hmacMatches(secret, webhook.body, webhook.headers[header.toLowerCase()], encoding)
    ? undefined
    : new WebhookRefused({ status: 401, message: `${header} does not match the body` })

/**
 * `ShopConnector.screenWebhook` of a shop that signs only the body: refuses (401) a webhook without its `header`, spelt
 * as the shop documents it, before the body is read.
 */
export const requireSignatureHeader =
  (header: string) =>
  (headers: RawWebhook["headers"]): Effect.Effect<void, WebhookRefused> => {
    const claimed = headers[header.toLowerCase()]
    return claimed === undefined || claimed.trim().length === 0
      ? Effect.fail(new WebhookRefused({ status: 401, message: `${header} is missing` }))
      : Effect.void
  }

/**
 * A delivery's key made of what its signature covers: the digest of the signed body. The shops' delivery ids
 * (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`) travel beside the signature, so a replayer may choose them;
 * WooCommerce's is moreover `wp_hash(webhook id . the second)`, the same for two deliveries sent in one second. The
 * same body again is the same order state, which the hub took already.
 */
export const signedBodyKey = (body: Uint8Array) => `sha256:${createHash("sha256").update(body).digest("hex")}`

export const hmacOf = (secret: string, body: string | Uint8Array, encoding: "base64" | "hex") =>
  createHmac("sha256", secret).update(body).digest(encoding)

/**
 * A verified webhook's body as the JSON object every shop sends, or why it is none: valid JSON that is no object
 * (`null`, a list, a text, a number) is what a shop bug or a plugin sends, and must be refused with a reason, not read.
 */
export const webhookObject = (body: Uint8Array): Readonly<Record<string, unknown>> | string => {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(body))
  } catch {
    return "the webhook body is not JSON"
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
    return parsed as Readonly<Record<string, unknown>>
  return `the webhook body is ${parsed === null ? "null" : Array.isArray(parsed) ? "a list" : `a ${typeof parsed}`}, not a JSON object`
}
