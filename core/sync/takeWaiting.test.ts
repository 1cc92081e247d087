import { Effect, Queue } from "effect"
import { describe, expect, it } from "vitest"
import { takeWaiting } from "./takeWaiting.ts"

const run = <A>(effect: Effect.Effect<A>) => Effect.runPromise(effect)

describe("takeWaiting", () => {
  it("takes what the queue holds, oldest first, up to the maximum, and leaves the rest", async () => {
    const result = await run(
      Effect.gen(function* () {
        const queue = yield* Queue.unbounded<number>()
        yield* Queue.offerAll(queue, [1, 2, 3, 4, 5])
        const first = yield* takeWaiting(queue, 3)
        const second = yield* takeWaiting(queue, 10)
        return { first, second, left: yield* Queue.size(queue) }
      })
    )
    expect(result).toEqual({ first: [1, 2, 3], second: [4, 5], left: 0 })
  })

  it("answers at once with nothing from an empty queue, or for a maximum of 0", async () => {
    const result = await run(
      Effect.gen(function* () {
        const queue = yield* Queue.bounded<string>(4)
        const empty = yield* takeWaiting(queue, 5)
        yield* Queue.offer(queue, "a")
        const none = yield* takeWaiting(queue, 0)
        return { empty, none, left: yield* Queue.size(queue) }
      })
    )
    expect(result).toEqual({ empty: [], none: [], left: 1 })
  })
})
