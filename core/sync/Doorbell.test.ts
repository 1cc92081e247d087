// The sender's doorbell: a ring before a wait is kept (once), a ring wakes every waiter after the ringer's own code,
// and an interrupted waiter is no longer woken.
import { Effect, Fiber } from "effect"
import { describe, expect, it } from "vitest"
import { makeDoorbell } from "./Doorbell.ts"

/** Settles the microtasks a ring queued (a resolved promise's continuation runs after them). */
const afterMicrotasks = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

describe("Doorbell", () => {
  it("keeps a ring that came before the wait, once however often it rang", async () => {
    const bell = makeDoorbell()
    bell.ring()
    bell.ring()
    await Effect.runPromise(bell.wait)
    const second = Effect.runFork(bell.wait)
    await Effect.runPromise(afterMicrotasks)
    expect(second.pollUnsafe()).toBeUndefined()
    bell.ring()
    await Effect.runPromise(Fiber.join(second))
  })

  it("wakes every waiter, after the ringer's own code and before the scheduler's next turn", async () => {
    const bell = makeDoorbell()
    const woken: Array<string> = []
    const first = Effect.runFork(
      Effect.andThen(
        bell.wait,
        Effect.sync(() => woken.push("first"))
      )
    )
    const second = Effect.runFork(
      Effect.andThen(
        bell.wait,
        Effect.sync(() => woken.push("second"))
      )
    )
    expect(woken).toEqual([])
    bell.ring()
    // Not inside the ringer's call: the ringer may hold a lock the waiter asks for.
    woken.push("ringer done")
    await Promise.resolve()
    await Promise.resolve()
    expect(woken).toEqual(["ringer done", "first", "second"])
    await Effect.runPromise(Effect.andThen(Fiber.join(first), Fiber.join(second)))
    // Both woke for that ring: none is kept for the next wait.
    const next = Effect.runFork(bell.wait)
    await Effect.runPromise(afterMicrotasks)
    expect(next.pollUnsafe()).toBeUndefined()
    next.interruptUnsafe()
  })

  it("forgets an interrupted waiter: the next ring is kept for the next wait", async () => {
    const bell = makeDoorbell()
    const gone = Effect.runFork(bell.wait)
    await Effect.runPromise(Fiber.interrupt(gone))
    bell.ring()
    await Effect.runPromise(afterMicrotasks)
    expect(Effect.runSync(Effect.as(bell.wait, "returned at once"))).toBe("returned at once")
  })
})
