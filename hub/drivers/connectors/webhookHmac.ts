/** HMAC-SHA256 signing and constant-time checking of shop webhooks. */
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
