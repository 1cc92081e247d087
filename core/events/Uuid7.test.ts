import { Effect, Random } from "effect"
import { describe, expect, it } from "vitest"
import { UUID_PATTERN, uuid7, uuid7Many, uuid7With } from "./Uuid7.ts"

/** Instants a caller may hand over: ordinary, fractional, negative, beyond 48 bits, not numbers at all. */
const instants = [0, 1, 1_764_000_000_000.7, -5, 2 ** 48 + 3, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY]

describe("uuid7", () => {
  it("is a UUIDv7 whose first 48 bits are the milliseconds", () => {
    const id = Effect.runSync(uuid7(1_764_000_000_000).pipe(Random.withSeed(7)))
    expect(id).toMatch(UUID_PATTERN)
    expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(1_764_000_000_000)
  })

  it("draws, from the Random service looked up once, the ids the effect draws, in the same order", () => {
    for (const seed of [1, 19, 2026]) {
      const byEffect = Effect.runSync(Effect.forEach(instants, (unixMs) => uuid7(unixMs)).pipe(Random.withSeed(seed)))
      const byLoop = Effect.runSync(
        Effect.map(Random.Random, (random) => instants.map((unixMs) => uuid7With(random, unixMs))).pipe(
          Random.withSeed(seed)
        )
      )
      expect(byLoop).toEqual(byEffect)
      const many = Effect.runSync(uuid7Many(instants[2]!, 3).pipe(Random.withSeed(seed)))
      const one = Effect.runSync(Effect.forEach([0, 1, 2], () => uuid7(instants[2]!)).pipe(Random.withSeed(seed)))
      expect(many).toEqual(one)
    }
  })
})
