/** HMAC-SHA256 signing and constant-time checking of shop webhooks, and reading a verified body. */
import { createHmac, timingSafeEqual } from "node:crypto"

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
