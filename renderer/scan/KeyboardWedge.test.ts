import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { WedgeKey, WedgeScan } from "./KeyboardWedge.ts"
import { KeyboardWedge } from "./KeyboardWedge.ts"

/** Keys typed with the given gaps before each one, starting at `startMs`. */
const typed = (text: string, gaps: (index: number) => number, startMs = 1000): Array<WedgeKey> => {
  let timeMs = startMs
  return [...text].map((key, index) => {
    timeMs += index === 0 ? 0 : gaps(index)
    return { key: key === "\n" ? "Enter" : key === "\t" ? "Tab" : key, timeMs }
  })
}

/** Feeds the keys, firing `expire` whenever its deadline passes before the next key, and once at the end. */
const feed = (wedge: KeyboardWedge, keys: ReadonlyArray<WedgeKey>) => {
  const scans: Array<WedgeScan> = []
  const swallowed: Array<WedgeKey> = []
  for (const key of keys) {
    const deadline = wedge.idleDeadlineMs()
    if (deadline !== undefined && deadline <= key.timeMs) scans.push(...wedge.expire(deadline))
    const result = wedge.push(key)
    scans.push(...result.scans)
    if (result.swallow) swallowed.push(key)
  }
  scans.push(...wedge.expire(Number.MAX_SAFE_INTEGER))
  return { scans, swallowed }
}

/** A small deterministic generator, so jittered timings are the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}

describe("KeyboardWedge", () => {
  it("turns a fast burst ending in Enter into a scan and swallows the Enter", () => {
    const random = seeded(1)
    const keys = typed("1Z999AA10123456784\n", () => 2 + random() * 20)
    const { scans, swallowed } = feed(new KeyboardWedge(), keys)
    expect(scans.map((scan) => [scan.raw, scan.endedBy])).toEqual([["1Z999AA10123456784", "terminator"]])
    expect(scans[0]?.keys).toEqual(keys.slice(0, -1))
    expect(swallowed.map((key) => key.key)).toEqual(["Enter"])
  })

  it("never makes a scan of human typing, even with Enter and jitter", () => {
    const random = seeded(7)
    const keys = typed("order 12345 for mr smith\nthanks\t", () => 80 + random() * 220)
    expect(feed(new KeyboardWedge(), keys)).toEqual({ scans: [], swallowed: [] })
  })

  it("ends a burst without terminator after the timeout", () => {
    const keys = typed("0012345678905", () => 8)
    const wedge = new KeyboardWedge()
    for (const key of keys) expect(wedge.push(key).scans).toEqual([])
    const last = keys[keys.length - 1]!.timeMs
    expect(wedge.idleDeadlineMs()).toBe(last + 60)
    expect(wedge.expire(last + 59)).toEqual([])
    expect(wedge.expire(last + 60).map((scan) => [scan.raw, scan.endedBy])).toEqual([["0012345678905", "timeout"]])
  })

  it("finds a burst that started while a person was typing into a field, reporting only its keys", () => {
    const random = seeded(3)
    const human = typed("note: ", () => 90 + random() * 150, 0)
    const scanner = typed("ABC-778899\n", () => 1 + random() * 25, human[human.length - 1]!.timeMs + 400)
    const after = typed("ok", () => 120, scanner[scanner.length - 1]!.timeMs + 500)
    const { scans } = feed(new KeyboardWedge(), [...human, ...scanner, ...after])
    expect(scans).toHaveLength(1)
    expect(scans[0]?.raw).toBe("ABC-778899")
    expect(scans[0]?.keys.map((key) => key.timeMs)).toEqual(scanner.slice(0, -1).map((key) => key.timeMs))
  })

  it("ignores modifier keys inside a burst and treats fast rollover shorter than minLength as typing", () => {
    const shifted: Array<WedgeKey> = [
      { key: "Shift", timeMs: 0 },
      { key: "A", timeMs: 3 },
      { key: "Shift", timeMs: 6 },
      { key: "B", timeMs: 9 },
      { key: "1", timeMs: 12 },
      { key: "2", timeMs: 15 },
      { key: "Enter", timeMs: 18 }
    ]
    expect(feed(new KeyboardWedge(), shifted).scans.map((scan) => scan.raw)).toEqual(["AB12"])
    const rollover = typed("th\n", () => 20)
    expect(feed(new KeyboardWedge(), rollover)).toEqual({ scans: [], swallowed: [] })
  })

  it("splits two scans separated by a pause, and honours a Tab terminator", () => {
    const first = typed("SKU-0001\t", () => 5)
    const second = typed("SKU-0002\t", () => 5, first[first.length - 1]!.timeMs + 300)
    const { scans, swallowed } = feed(new KeyboardWedge(), [...first, ...second])
    expect(scans.map((scan) => scan.raw)).toEqual(["SKU-0001", "SKU-0002"])
    expect(swallowed.map((key) => key.key)).toEqual(["Tab", "Tab"])
  })

  it("classifies any jittered scanner burst as one scan and any human typing as none (property)", () => {
    const data = fc.string({
      unit: fc.constantFrom(..."ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-"),
      minLength: 4,
      maxLength: 40
    })
    fc.assert(
      fc.property(data, fc.array(fc.integer({ min: 0, max: 35 }), { minLength: 40, maxLength: 40 }), (text, gaps) => {
        const { scans } = feed(
          new KeyboardWedge(),
          typed(`${text}\n`, (index) => gaps[index] ?? 0)
        )
        expect(scans.map((scan) => scan.raw)).toEqual([text])
      })
    )
    fc.assert(
      fc.property(data, fc.array(fc.integer({ min: 80, max: 300 }), { minLength: 40, maxLength: 40 }), (text, gaps) => {
        expect(
          feed(
            new KeyboardWedge(),
            typed(`${text}\n`, (index) => gaps[index] ?? 0)
          ).scans
        ).toEqual([])
      })
    )
  })

  it("rejects thresholds that cannot work", () => {
    expect(() => new KeyboardWedge({ maxGapMs: 35, minLength: 0, terminators: [], burstTimeoutMs: 60 })).toThrow(
      /minLength/
    )
    expect(() => new KeyboardWedge({ maxGapMs: 50, minLength: 4, terminators: [], burstTimeoutMs: 20 })).toThrow(
      /burstTimeoutMs/
    )
  })
})
