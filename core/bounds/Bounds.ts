/** The plausible ranges for numbers and texts from outside, shared by every edge of station and hub. */
import { Schema } from "effect"
import { emailAddressProblem } from "./EmailAddress.ts"

/**
 * What a number or a text coming from outside may plausibly be: one table for every edge (station API, inbox,
 * station events at the hub), so the edges agree and a value one accepts is never refused by the next. Values
 * beyond these are input errors or attacks, never business: a parcel weighs no 100 t, nobody orders 10^9 mugs.
 */
export const Bounds = {
  /** Wall-clock times (ms since 1970) from before this are a clock that was never set, or garbage. */
  earliestWallMs: Date.UTC(2020, 0, 1),
  /** And from after this, a clock or a number gone wrong. */
  latestWallMs: Date.UTC(2100, 0, 1),
  /** How far a sender's time may be from the receiver's clock before it is flagged (±). */
  clockSkewMs: 86_400_000,
  /**
   * The longest wait a service may ask of us (HTTP `Retry-After`, a throttle's refill time): 5 min. Shopify asks for
   * seconds, Shopware's rate limiter for up to a minute; an hour or days are a proxy's misconfiguration or a broken
   * figure that would park a connector, and the caller asks again after this long instead.
   */
  maxRequestedWaitMs: 5 * 60_000,
  /** A parcel or an item on a bench scale, grams. */
  maxGrams: 100_000,
  /** A side of a box or parcel, mm: longer than any parcel carrier takes (UPS's longest is 2.74 m). */
  maxMillimetres: 3_000,
  /** Units of one order line, a return or a handover batch. */
  maxQuantity: 10_000,
  /** Money in minor units (cents): 10 million in any currency is no parcel's value. */
  maxMinorUnits: 1_000_000_000,
  /** Money in major units, as the shop sends prices and totals. */
  maxMajorUnits: 10_000_000,
  /**
   * A span of days a rule or a setting names (a return window, a look-back, a retention): 10 years, beyond the
   * longest return or guarantee period a shop offers and the retention a tax record needs, and still a span whose
   * milliseconds stay exact in a double.
   */
  maxDays: 3_650,
  /** Sequence numbers and other counters: exact in a double. */
  maxCounter: Number.MAX_SAFE_INTEGER,
  /** What a refused scan keeps of what was read; its length is kept beside it. */
  maxRawScanChars: 256,
  /** Ids, codes, types and names. */
  maxIdChars: 128,
  /** A line of free text (a name, a street, a reason). */
  maxTextChars: 1_024,
  /** Any string inside an untrusted JSON document. */
  maxJsonStringChars: 16_384,
  /** Nesting of an untrusted JSON document. */
  maxJsonDepth: 32,
  /** Values (objects, arrays, strings, numbers…) in one untrusted JSON document. */
  maxJsonNodes: 100_000,
  /** What a quarantine record keeps of a refused payload, besides the payload's SHA-256 and length. */
  maxQuarantineBytes: 4_096,
  /**
   * An HTTP answer a station or hub reads from a service it asks: a shop's catch-up page (50 orders with their line
   * items, or Shopify's 250, a few MB at the very most), a carrier's tracking feed or label, the hub's figures. 32 MiB
   * leaves room for shops with many custom fields and still keeps a small machine far from running out of memory
   * when a peer (or something in front of it) answers with gigabytes.
   */
  maxAnswerBytes: 32 * 1024 * 1024
} as const

/** A finite number in [minimum, maximum]. */
export const BoundedNumber = (minimum: number, maximum: number) =>
  Schema.Finite.check(Schema.isBetween({ minimum, maximum }))

/** A safe integer in [minimum, maximum]. */
export const BoundedInt = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))

/** A wall-clock time in ms that is a real date (not whether it is near now: see `clockProblem`). */
export const WallMs = BoundedNumber(Bounds.earliestWallMs, Bounds.latestWallMs)

export const Grams = BoundedNumber(0, Bounds.maxGrams)
/**
 * What a thing on the bench weighs in whole grams as reference data gives it (an item's unit, a box's tare or limit):
 * more than nothing, and no more than a parcel on the bench scale.
 */
export const WholeGrams = BoundedInt(1, Bounds.maxGrams)
/** Whether a stored weight is one an item or a box can have (rows an older version stored may not be). */
export const isPlausibleWholeGrams = Schema.is(WholeGrams)
export const Quantity = BoundedInt(1, Bounds.maxQuantity)
export const MinorUnits = BoundedInt(0, Bounds.maxMinorUnits)
/** A price or total as the shop sends it (major units, e.g. 42.30). */
export const MajorUnits = BoundedNumber(0, Bounds.maxMajorUnits)
export const Counter = BoundedInt(0, Bounds.maxCounter)

/** A string of at most `max` characters. */
export const BoundedString = (max: number) => Schema.String.check(Schema.isMaxLength(max))
export const IdText = BoundedString(Bounds.maxIdChars)
export const LineText = BoundedString(Bounds.maxTextChars)

/** Exactly one e-mail address (see `emailAddressProblem`). */
export const EmailAddress = Schema.String.check(
  Schema.makeFilter((value: string) => {
    const problem = emailAddressProblem(value)
    return problem === undefined || `an e-mail address that ${problem}`
  })
)

/**
 * Whether a time someone else stated is near the receiver's clock: undefined when within `Bounds.clockSkewMs`,
 * else what is wrong with it. A receiver flags such a time (and does not act on it as a time) rather than refuse the
 * message: a station offline for days legitimately sends old times.
 */
export const clockProblem = (atMs: number, receiverNowMs: number, skewMs: number = Bounds.clockSkewMs) => {
  if (!Number.isFinite(atMs)) return "is not a finite number"
  if (atMs > receiverNowMs + skewMs) return `is ${Math.round((atMs - receiverNowMs) / 60_000)} min ahead of this clock`
  if (atMs < receiverNowMs - skewMs) return `is ${Math.round((receiverNowMs - atMs) / 60_000)} min behind this clock`
  return undefined
}

/** A refused scan as recorded: its first `Bounds.maxRawScanChars` characters and how long it really was. */
export const capRawScan = (raw: string): { readonly raw: string; readonly rawLength: number } => {
  const cut = raw.slice(0, Bounds.maxRawScanChars)
  // Never half a surrogate pair: the cut text stays valid UTF-16 (and UTF-8 on the wire).
  return { raw: /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut, rawLength: raw.length }
}
