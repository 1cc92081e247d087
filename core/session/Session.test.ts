import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import type { EventLog } from "../events/EventLog.ts"
import { StationClock } from "../time/Clock.ts"
import { CurrentClient } from "./Client.ts"
import { FIRST_LOCK_MS, lockMsAfter, MAX_LOCK_MS, PIN_ATTEMPTS, Session } from "./Session.ts"

const START_MS = 1_795_000_000_000

const setup = () => {
  const clock = StationClock.manual(START_MS)
  const filename = join(mkdtempSync(join(tmpdir(), "pb-session-")), "station.db")
  const layer = Session.layer().pipe(
    Layer.provide(ScryptPinHashes.layer),
    Layer.provideMerge(seededStation({ filename, clock: clock.layer }))
  )
  const run = <A, E>(effect: Effect.Effect<A, E, Session | EventLog>) =>
    Effect.runPromise(effect.pipe(Effect.provide(layer)))
  return { clock, run }
}

const as = <A, E, R>(clientId: string, effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, CurrentClient, { id: clientId })

describe("sessions per client", () => {
  it("keeps each client's operator to itself; signing in replaces only that client's", async () => {
    const { run } = setup()
    const result = await run(
      Effect.gen(function* () {
        const session = yield* Session
        yield* as("web-a", session.signIn("B-1001"))
        yield* as("web-b", session.signIn("B-2001"))
        const a = yield* as("web-a", session.current)
        const b = yield* as("web-b", session.current)
        const local = yield* session.current
        const refused = yield* Effect.flip(as("web-b", session.require(["packer"])))
        yield* as("web-a", session.signIn("B-1002"))
        const signedOut = yield* as("web-b", session.signOut)
        return {
          a: a?.badgeId,
          b: b?.badgeId,
          local,
          refused: refused.reason,
          aAfter: (yield* session.operatorOf("web-a"))?.badgeId,
          bAfter: yield* session.operatorOf("web-b"),
          signedOut
        }
      })
    )
    expect(result).toEqual({
      a: "B-1001",
      b: "B-2001",
      local: null,
      refused: "role-required",
      aAfter: "B-1002",
      bAfter: null,
      signedOut: true
    })
  })
})

describe("a manager signs in with badge and PIN", () => {
  it("answers the badge alone with pin-required and signs in with the right PIN", async () => {
    const { run } = setup()
    const result = await run(
      Effect.gen(function* () {
        const session = yield* Session
        const alone = yield* Effect.flip(session.signIn(SAMPLE_MANAGER.badgeId))
        const before = yield* session.current
        const entered = yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const packerPin = yield* Effect.flip(session.enterPin("B-1001", "1234"))
        return { alone: alone.reason, before, entered, after: yield* session.current, packerPin: packerPin.reason }
      })
    )
    expect(result.alone).toBe("pin-required")
    expect(result.before).toBeNull()
    expect(result.entered).toEqual({
      result: "signed-in",
      operator: { badgeId: "B-9001", name: SAMPLE_MANAGER.name, role: "manager" }
    })
    expect(result.after?.role).toBe("manager")
    expect(result.packerPin).toBe("pin-not-needed")
  })

  it("locks the badge after five wrong PINs, refuses even the right one while locked, and doubles the lock", async () => {
    const { run, clock } = setup()
    const result = await run(
      Effect.gen(function* () {
        const session = yield* Session
        const wrong = () => session.enterPin(SAMPLE_MANAGER.badgeId, "0000")
        const right = () => session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const tries = yield* Effect.forEach(Array.from({ length: PIN_ATTEMPTS }), wrong)
        yield* Effect.sync(() => clock.advance(10_000))
        const whileLocked = yield* right()
        const signedInWhileLocked = yield* session.current
        yield* Effect.sync(() => clock.advance(FIRST_LOCK_MS))
        // The lock is over, but the count is not: the next wrong PIN locks the badge again, twice as long.
        const again = yield* wrong()
        yield* Effect.sync(() => clock.advance(2 * FIRST_LOCK_MS))
        const afterLock = yield* right()
        // The right PIN cleared the count: five tries again.
        const fresh = yield* wrong()
        return { tries, whileLocked, signedInWhileLocked, again, afterLock, fresh }
      })
    )
    expect(result.tries.slice(0, -1)).toEqual(
      [4, 3, 2, 1].map((attemptsLeft) => ({ result: "wrong-pin", attemptsLeft }))
    )
    expect(result.tries.at(-1)).toEqual({ result: "locked", retryAfterMs: FIRST_LOCK_MS })
    expect(result.whileLocked).toEqual({ result: "locked", retryAfterMs: FIRST_LOCK_MS - 10_000 })
    expect(result.signedInWhileLocked).toBeNull()
    expect(result.again).toEqual({ result: "locked", retryAfterMs: 2 * FIRST_LOCK_MS })
    expect(result.afterLock).toMatchObject({ result: "signed-in" })
    expect(result.fresh).toEqual({ result: "wrong-pin", attemptsLeft: PIN_ATTEMPTS - 1 })
  })

  it("keeps the count across a restart of the station", async () => {
    const { run } = setup()
    const wrong = Session.use((session) => session.enterPin(SAMPLE_MANAGER.badgeId, "0000"))
    for (let attempt = 0; attempt < PIN_ATTEMPTS - 1; attempt++) await run(wrong)
    expect(await run(wrong)).toEqual({ result: "locked", retryAfterMs: FIRST_LOCK_MS })
  })

  it("never locks for longer than the cap", () => {
    expect(lockMsAfter(PIN_ATTEMPTS - 1)).toBe(0)
    expect(lockMsAfter(PIN_ATTEMPTS)).toBe(FIRST_LOCK_MS)
    expect(lockMsAfter(PIN_ATTEMPTS + 3)).toBe(8 * FIRST_LOCK_MS)
    expect(lockMsAfter(PIN_ATTEMPTS + 1000)).toBe(MAX_LOCK_MS)
  })
})
