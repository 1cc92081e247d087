import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Bounds } from "../bounds/Bounds.ts"
import { inboundVersion, newestPlausibleVersion } from "./InboundVersion.ts"

const nowMs = 1_767_225_600_000
const check = (version: number) => Effect.runSync(Effect.exit(inboundVersion("box update", version, nowMs)))

describe("an inbound version", () => {
  it("takes a count of changes and a change time in ms up to this clock plus the skew", () => {
    for (const version of [0, 1, 2, 7, nowMs, nowMs + Bounds.clockSkewMs]) {
      expect(check(version)).toEqual(Exit.succeed(expect.objectContaining({ version })))
    }
  })

  it("refuses one beyond, saying what and why", () => {
    expect(check(nowMs + Bounds.clockSkewMs + 1)).toEqual(
      Exit.fail(
        `box update: version ${nowMs + Bounds.clockSkewMs + 1} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's ${nowMs} ms plus ${Bounds.clockSkewMs} ms`
      )
    )
    expect(Exit.isFailure(check(1e15))).toBe(true)
    expect(Exit.isFailure(check(Number.MAX_SAFE_INTEGER))).toBe(true)
  })

  it("supersedes an older stored version and one no sender can have given, never a newer or the same", () => {
    const received = Effect.runSync(inboundVersion("box update", 5, nowMs))
    expect([4, 0, 1e15, Number.MAX_SAFE_INTEGER].map(received.supersedes)).toEqual([true, true, true, true])
    expect([5, 6, nowMs + Bounds.clockSkewMs].map(received.supersedes)).toEqual([false, false, false])
  })

  it("names the newest plausible version, for a store that compares in its own statement, as the rule draws it", () => {
    const received = Effect.runSync(inboundVersion("order SO-1", 5, nowMs))
    expect(received.newestPlausible).toBe(newestPlausibleVersion(nowMs))
    expect(newestPlausibleVersion(nowMs)).toBe(nowMs + Bounds.clockSkewMs)
    for (const stored of [4, 5, 6, received.newestPlausible, received.newestPlausible + 1, 1e15]) {
      expect(stored < received.version || stored > received.newestPlausible).toBe(received.supersedes(stored))
    }
    expect(Exit.isSuccess(check(newestPlausibleVersion(nowMs)))).toBe(true)
    expect(Exit.isFailure(check(newestPlausibleVersion(nowMs) + 1))).toBe(true)
  })
})
