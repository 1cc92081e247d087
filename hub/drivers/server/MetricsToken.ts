/** The token that guards the hub's customer metrics endpoints. */
import { createHash, timingSafeEqual } from "node:crypto"
import { readOrCreateSecret } from "../../../drivers/fs/readOrCreateSecret.ts"

const usable = /^[\x21-\x7e]{16,256}$/

/** A configured metrics token the hub cannot use; the message names the setting, never the token. */
export class MetricsTokenError extends Error {
  override readonly name = "MetricsTokenError"
}

/**
 * The token the hub's customer figures (`/metrics`, `/metrics.csv`) ask for: the configured one
 * (`hub.metricsToken`, `PACKBENCH_HUB_METRICS_TOKEN`), else the one in `file`, made on first start with mode 0600.
 * A configured token that is too short is refused without repeating it.
 */
export const metricsTokenFor = (configured: string | undefined, file: string): string => {
  if (configured !== undefined) {
    if (!usable.test(configured)) {
      throw new MetricsTokenError(
        "hub.metricsToken (PACKBENCH_HUB_METRICS_TOKEN) must be 16 to 256 printable characters without spaces"
      )
    }
    return configured
  }
  return readOrCreateSecret(file)
}

const digest = (text: string) => createHash("sha256").update(text).digest()

/**
 * Whether an `Authorization` header carries the token as `Bearer <token>`. Both sides are hashed first, so the
 * comparison takes the same time whatever the header holds (its length included).
 */
export const bearerMatches = (authorization: string | undefined, token: string): boolean => {
  const given = /^Bearer ([\x21-\x7e]+)$/.exec(authorization ?? "")?.[1] ?? ""
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0
}
