import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Bounds } from "../bounds/Bounds.ts"
import { inboundVersion } from "./InboundVersion.ts"

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
})
