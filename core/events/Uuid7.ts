/** Makes time-ordered UUIDv7 ids for events. */
import { Effect, Random } from "effect"

const hex = (value: number, width: number) => value.toString(16).padStart(width, "0")

/**
 * RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then random bits. Ids sort by creation time, which keeps
 * the event table's id index append-mostly, and they are made before the write so a caller that crashes
 * after commit can still recognise its own event on retry.
 */
export const uuid7 = (unixMs: number): Effect.Effect<string> =>
  Effect.map(Random.Random, (random) => uuid7With(random, unixMs))

/** `count` UUIDv7 ids for one instant, from one look-up of the Random service (a bulk append's ids). */
export const uuid7Many = (unixMs: number, count: number): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function* () {
    const random = yield* Random.Random
    return Array.from({ length: count }, () => uuid7With(random, unixMs))
  })

/** A uniform integer in [0, max], drawn as Random.nextIntBetween(0, max) draws it. */
const intUpTo = (random: Random.Random, max: number) => Math.floor(random.nextDoubleUnsafe() * (max + 1))

/**
 * One UUIDv7 id from a Random service looked up once by the caller, as `uuid7` makes it: a loop that makes an id per
 * row (a batch's notifications) draws the same ids in the same order without an effect per id.
 */
export const uuid7With = (random: Random.Random, unixMs: number): string => {
  const ms = Math.max(0, Math.floor(unixMs))
  const high = Math.floor(ms / 2 ** 16)
  const low = ms % 2 ** 16
  const randA = intUpTo(random, 0x0fff)
  const variant = 0x8000 | intUpTo(random, 0x3fff)
  const tail1 = intUpTo(random, 0xffffff)
  const tail2 = intUpTo(random, 0xffffff)
  return `${hex(high, 8)}-${hex(low, 4)}-7${hex(randA, 3)}-${hex(variant, 4)}-${hex(tail1, 6)}${hex(tail2, 6)}`
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
