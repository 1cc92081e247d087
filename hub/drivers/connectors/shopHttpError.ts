/** Classifies a shop's HTTP answers into the errors the push queue acts on. */
import { ShopError } from "../../core/shop/ShopConnector.ts"

/** Seconds or an HTTP date, as Retry-After carries them (RFC 9110 §10.2.3), in ms from now. */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): number | undefined => {
  if (header === null || header === undefined || header === "") return undefined
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.min(3_600_000, Number(header) * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(3_600_000, at - nowMs))
}

/**
 * The shop's HTTP answer as the push queue understands it: 429 slows the connector down (after Retry-After), 5xx,
 * 408 and a dropped connection wait and try again, 401/403 mean the credentials are refused, other 4xx are the
 * shop saying no to this request. `nowMs` is the hub's clock, against which a Retry-After date is read.
 */
export const shopErrorForStatus = (
  shop: string,
  status: number,
  body: string,
  retryAfter: string | null | undefined,
  nowMs: number
): ShopError => {
  const detail = `${shop} answered ${status}: ${body.replace(/\s+/g, " ").slice(0, 300)}`
  const wait = retryAfterMs(retryAfter, nowMs)
  if (status === 429)
    return new ShopError({
      reason: "RateLimited",
      message: detail,
      ...(wait === undefined ? {} : { retryAfterMs: wait })
    })
  if (status === 401 || status === 403) return new ShopError({ reason: "Unauthorized", message: detail })
  if (status >= 500 || status === 408)
    return new ShopError({
      reason: "Unavailable",
      message: detail,
      ...(wait === undefined ? {} : { retryAfterMs: wait })
    })
  return new ShopError({ reason: "Rejected", message: detail })
}

/** A call that never got an HTTP answer: refused, reset, timed out. */
export const shopErrorForFailure = (shop: string, error: unknown): ShopError => {
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)
  return new ShopError({ reason: "Unavailable", message: `${shop} did not answer: ${cause}`.slice(0, 500) })
}

/** Decimal money as shops write it ("12.50", 12.5) in whole cents; NaN for anything else. */
export const centsOf = (value: unknown): number => {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())
        ? Number(value)
        : Number.NaN
  return Math.round(number * 100)
}

export const decimal = (cents: number) => (cents / 100).toFixed(2)
