/** Makes time-ordered UUIDv7 ids for events. */
import { Effect, Random } from "effect"

const hex = (value: number, width: number) => value.toString(16).padStart(width, "0")

/**
 * RFC 9562 UUIDv7: 48 bits of Unix milliseconds, then random bits. Ids sort by creation time, which keeps
 * the event table's id index append-mostly, and they are made before the write so a caller that crashes
 * after commit can still recognise its own event on retry.
 */
export const uuid7 = (unixMs: number): Effect.Effect<string> =>
  Effect.gen(function* () {
    const ms = Math.max(0, Math.floor(unixMs))
    const high = Math.floor(ms / 2 ** 16)
    const low = ms % 2 ** 16
    const randA = yield* Random.nextIntBetween(0, 0x0fff, { halfOpen: false })
    const variant = 0x8000 | (yield* Random.nextIntBetween(0, 0x3fff, { halfOpen: false }))
    const tail1 = yield* Random.nextIntBetween(0, 0xffffff, { halfOpen: false })
    const tail2 = yield* Random.nextIntBetween(0, 0xffffff, { halfOpen: false })
    return `${hex(high, 8)}-${hex(low, 4)}-7${hex(randA, 3)}-${hex(variant, 4)}-${hex(tail1, 6)}${hex(tail2, 6)}`
  })

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
