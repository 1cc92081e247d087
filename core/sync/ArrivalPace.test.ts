import { describe, expect, it } from "vitest"
import { makeArrivalPace } from "./ArrivalPace.ts"

/** A pace that saw arrivals at `times` (ms). */
const paceOf = (times: ReadonlyArray<number>) => {
  const pace = makeArrivalPace()
  for (const ms of times) pace.note(ms)
  return pace
}

describe("ArrivalPace", () => {
  it("expects nothing before it has seen a gap", () => {
    expect(makeArrivalPace().expectsMoreWithin(3)).toBe(false)
    expect(paceOf([1_000]).expectsMoreWithin(3)).toBe(false)
  })

  it("expects more within a window at a steady 1,000 a second, and not at 100", () => {
    const fast = paceOf(Array.from({ length: 50 }, (_, i) => i))
    expect(fast.expectsMoreWithin(3)).toBe(true)
    const slow = paceOf(Array.from({ length: 50 }, (_, i) => i * 10))
    expect(slow.expectsMoreWithin(3)).toBe(false)
    expect(slow.expectsMoreWithin(5)).toBe(false)
  })

  it("does not take two that met by chance in a slow stream for a fast one", () => {
    // 100 a second, then two in the same millisecond (a late timer at the source).
    const pace = paceOf([...Array.from({ length: 20 }, (_, i) => i * 10), 190])
    expect(pace.expectsMoreWithin(5)).toBe(false)
  })

  it("follows a stream that speeds up within a few arrivals", () => {
    const pace = paceOf(Array.from({ length: 20 }, (_, i) => i * 10))
    for (let ms = 191; ms < 200; ms++) pace.note(ms)
    expect(pace.expectsMoreWithin(3)).toBe(true)
  })

  it("counts a clock that went back as a gap of 0, not a negative one", () => {
    const pace = paceOf([100, 110, 120, 50])
    // Gaps 10, 10, 0: the average is 7.5, above 5; a negative gap would have pulled it below.
    expect(pace.expectsMoreWithin(5)).toBe(false)
    expect(pace.expectsMoreWithin(8)).toBe(true)
  })

  it("counts arrivals that came together as gaps of 0", () => {
    // 100 a second, then a batch of eight in one: 10, then seven gaps of 0, as eight notes in the same millisecond.
    const times = Array.from({ length: 20 }, (_, i) => i * 10)
    const together = paceOf(times)
    together.note(200, 8)
    const oneByOne = paceOf([...times, ...Array.from({ length: 8 }, () => 200)])
    for (const windowMs of [1, 2, 3, 5, 8]) {
      expect(together.expectsMoreWithin(windowMs)).toBe(oneByOne.expectsMoreWithin(windowMs))
    }
    expect(together.expectsMoreWithin(2)).toBe(true)
    // A first note of several is a gap already.
    const first = makeArrivalPace()
    first.note(0, 2)
    expect(first.expectsMoreWithin(1)).toBe(true)
  })
})
