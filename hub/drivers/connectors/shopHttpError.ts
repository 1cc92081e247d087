/** Classifies a shop's HTTP answers into the errors the push queue acts on. */
import { Effect } from "effect"
import { Bounds } from "../../../core/bounds/Bounds.ts"
import { ShopError } from "../../core/shop/ShopConnector.ts"
import { type ShopErrorShape, shopErrorWordsOf } from "./shopErrorWords.ts"

/** What a shop's Retry-After asks for: a wait (none when absent), and what was wrong with it when it was taken otherwise. */
export interface RequestedWait {
  readonly waitMs: number | undefined
  readonly problem: string | undefined
}

/**
 * Seconds or an HTTP date, as Retry-After carries them (RFC 9110 §10.2.3), in ms from the hub's `nowMs`, at most
 * `Bounds.maxRequestedWaitMs`: a longer wait is that bound, and what is no wait (negative, not a number, a date not
 * in GMT as the RFC's formats are, which `Date.parse` would read in local time) is none, so the connector's own
 * backoff applies; both say so. A date already past asks for no wait.
 */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): RequestedWait => {
  if (header === null || header === undefined || header.trim() === "") return { waitMs: undefined, problem: undefined }
  const text = header.trim()
  // Seconds of any length (too many digits for a double are Infinity: more than the bound), or a date.
  const asked = /^\d+(\.\d+)?$/.test(text)
    ? Number(text) * 1000
    : /^[A-Za-z]{3,9}, [\w -]{9,11} \d{2}:\d{2}:\d{2} GMT$/.test(text)
      ? Date.parse(text) - nowMs
      : Number.NaN
  if (Number.isNaN(asked)) {
    return { waitMs: undefined, problem: `Retry-After ${JSON.stringify(text.slice(0, 64))} is no wait` }
  }
  const waitMs = Math.max(0, asked)
  return waitMs > Bounds.maxRequestedWaitMs
    ? {
        waitMs: Bounds.maxRequestedWaitMs,
        problem: `Retry-After of ${Math.round(waitMs)} ms is more than the ${Bounds.maxRequestedWaitMs / 60_000} min the hub waits`
      }
    : { waitMs, problem: undefined }
}

/** How much of a refused request's raw answer the debug log gets. */
const RAW_LOGGED_MAX = 4_096

/**
 * The shop's HTTP answer as the push queue understands it, as a failure: 429 slows the connector down (after
 * Retry-After), 5xx, 408 and a dropped connection wait and try again, 401/403 mean the credentials are refused, other
 * 4xx are the shop saying no to this request. `nowMs` is the hub's clock, against which a Retry-After date is read; a
 * Retry-After taken otherwise than it says (`retryAfterMs`) is logged. The message keeps the shop's words from its
 * documented error shape (`shape`, `shopErrorWordsOf`) and nothing else of the body, which holds customers' data as
 * often as not: the raw body goes to the debug log only.
 */
export const shopErrorForStatus = (
  shop: string,
  shape: ShopErrorShape,
  status: number,
  body: string,
  retryAfter: string | null | undefined,
  nowMs: number
): Effect.Effect<never, ShopError> =>
  Effect.gen(function* () {
    yield* Effect.logDebug(`${shop} answered ${status}: ${body.replace(/\s+/g, " ").slice(0, RAW_LOGGED_MAX)}`)
    const words = shopErrorWordsOf(shape, body)
    const detail =
      words === undefined
        ? `${shop} answered ${status} and gave no reason the hub can read`
        : `${shop} answered ${status}: ${words}`
    const waits = status === 429 || status === 408 || status >= 500
    const wait = retryAfterMs(waits ? retryAfter : undefined, nowMs)
    if (wait.problem !== undefined) yield* Effect.logWarning(`${shop} answered ${status}: ${wait.problem}`)
    const retryAfterField = wait.waitMs === undefined ? {} : { retryAfterMs: wait.waitMs }
    if (status === 429) return yield* new ShopError({ reason: "RateLimited", message: detail, ...retryAfterField })
    if (status === 401 || status === 403) return yield* new ShopError({ reason: "Unauthorized", message: detail })
    if (waits) return yield* new ShopError({ reason: "Unavailable", message: detail, ...retryAfterField })
    return yield* new ShopError({ reason: "Rejected", message: detail })
  })

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
