import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Timestamp } from "../../core/time/Clock.ts"
import type { FramedScan, ScanFramerOptions } from "./ScanFramer.ts"
import { defaultScanFramerOptions, ScanFramer } from "./ScanFramer.ts"

const at = (ms: number): Timestamp => ({ wallMs: 1_700_000_000_000 + ms, monoNs: (BigInt(ms) * 1_000_000n).toString() })
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const options = (overrides: Partial<ScanFramerOptions>): ScanFramerOptions => ({
  ...defaultScanFramerOptions,
  ...overrides
})
const summary = (events: ReadonlyArray<FramedScan>) =>
  events.map((event) => (event._tag === "Scan" ? `scan:${event.raw}` : `rejected:${event.reason}`))

/** Feeds `input` in the given chunks, all at time 0 (no timeout involved). */
const frame = (framerOptions: ScanFramerOptions, chunks: ReadonlyArray<Uint8Array>) => {
  const framer = new ScanFramer(framerOptions)
  return summary(chunks.flatMap((chunk) => framer.push(chunk, at(0))))
}

/** The same stream split at every position, and byte by byte, must frame exactly like one chunk. */
const expectSplitInvariant = (framerOptions: ScanFramerOptions, input: Uint8Array, expected: ReadonlyArray<string>) => {
  expect(frame(framerOptions, [input])).toEqual(expected)
  for (let cut = 0; cut <= input.length; cut++) {
    expect(frame(framerOptions, [input.subarray(0, cut), input.subarray(cut)]), `split at ${cut}`).toEqual(expected)
  }
  expect(
    frame(
      framerOptions,
      Array.from(input, (byte) => Uint8Array.of(byte))
    )
  ).toEqual(expected)
}

describe("ScanFramer", () => {
  it("frames CR-terminated scans split at every position", () => {
    expectSplitInvariant(options({ suffix: "CR" }), bytes("ABC123\r0012345678905\r"), [
      "scan:ABC123",
      "scan:0012345678905"
    ])
  })

  it("frames LF, CRLF and TAB suffixes split at every position", () => {
    expectSplitInvariant(options({ suffix: "LF" }), bytes("one\ntwo\r\n"), ["scan:one", "scan:two"])
    expectSplitInvariant(options({ suffix: "CRLF" }), bytes("one\r\ntwo\r\n"), ["scan:one", "scan:two"])
    expectSplitInvariant(options({ suffix: "TAB" }), bytes("one\ttwo\t"), ["scan:one", "scan:two"])
  })

  it("swallows the LF of a scanner sending CRLF to a station set to CR", () => {
    expectSplitInvariant(options({ suffix: "CR" }), bytes("one\r\ntwo\r\n"), ["scan:one", "scan:two"])
  })

  it("keeps GS separators of GS1 element strings and strips a configured prefix", () => {
    const gs1 = "]d2010950123456789017250101\u001d10LOT42"
    expectSplitInvariant(options({ suffix: "CR", prefix: "\u0002" }), bytes(`\u0002${gs1}\r${gs1}\r`), [
      `scan:${gs1}`,
      `scan:${gs1}`
    ])
  })

  it("decodes UTF-8 by default and Latin-1 byte for byte when asked", () => {
    expectSplitInvariant(options({}), bytes("Müller 🚚\r"), ["scan:Müller 🚚"])
    const latin = Uint8Array.of(0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0d)
    expect(frame(options({ encoding: "latin1" }), [latin])).toEqual(["scan:Müller"])
  })

  it("ignores empty frames (a bare suffix)", () => {
    expectSplitInvariant(options({}), bytes("\r\rA1B2\r\r"), ["scan:A1B2"])
  })

  it("rejects frames that are mostly non-printable and goes on with the next scan", () => {
    const garbage = Uint8Array.of(0x00, 0x80, 0xf8, 0xfe, 0x00, 0x98, 0xe0, 0x1f, 0x06, 0x0d)
    for (const encoding of ["utf8", "latin1"] as const) {
      const out = frame(options({ encoding }), [garbage, bytes("GOOD1\r")])
      expect(out).toHaveLength(2)
      expect(out[0]).toMatch(/^rejected:.*not printable.*00 80 f8 fe/)
      expect(out[1]).toBe("scan:GOOD1")
    }
  })

  it("rejects a frame past maxFrameBytes and skips its tail up to the next suffix", () => {
    const noise = bytes(`${"x".repeat(40)}\rOK\r`)
    expectSplitInvariant(options({ maxFrameBytes: 16 }), noise, [
      "rejected:frame longer than 16 bytes without a suffix: line noise or wrong suffix setting",
      "scan:OK"
    ])
  })

  it("ends a frame without suffix after the inter-byte timeout, stamped with its last byte", () => {
    const framer = new ScanFramer(options({ suffix: "none", interByteTimeoutMs: 50 }))
    expect(framer.push(bytes("TRACK"), at(0))).toEqual([])
    expect(framer.push(bytes("1234"), at(20))).toEqual([])
    expect(framer.idleDeadlineMs()).toBe(70)
    expect(framer.expire(69)).toEqual([])
    expect(framer.expire(70)).toEqual([{ _tag: "Scan", raw: "TRACK1234", at: at(20) }])
    expect(framer.idleDeadlineMs()).toBeUndefined()
  })

  it("ends a stalled frame on the next chunk even when the timer fired late", () => {
    const framer = new ScanFramer(options({ suffix: "CR", interByteTimeoutMs: 50 }))
    framer.push(bytes("FIRST"), at(0))
    expect(summary(framer.push(bytes("SECOND\r"), at(500)))).toEqual(["scan:FIRST", "scan:SECOND"])
  })

  it("reports a frame cut off by a disconnect", () => {
    const framer = new ScanFramer(options({}))
    framer.push(bytes("HALF"), at(0))
    expect(summary(framer.reset("port closed"))).toEqual(["rejected:incomplete frame dropped: port closed"])
    expect(framer.reset("again")).toEqual([])
  })

  it("rejects options that can never work", () => {
    expect(() => new ScanFramer(options({ suffix: "none", interByteTimeoutMs: undefined as never }))).toThrow(
      /needs interByteTimeoutMs/
    )
    expect(() => new ScanFramer(options({ maxFrameBytes: 0 }))).toThrow(/maxFrameBytes/)
    expect(() => new ScanFramer(options({ minPrintableRatio: 2 }))).toThrow(/minPrintableRatio/)
  })

  it("frames any printable scans the same however the stream is chunked (property)", () => {
    const scanText = fc.string({ unit: fc.constantFrom(..."ABCXYZ0123456789-/.\u001d"), minLength: 1, maxLength: 30 })
    fc.assert(
      fc.property(
        fc.array(scanText, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (scans, cuts) => {
          const input = bytes(scans.map((scan) => `${scan}\r\n`).join(""))
          const positions = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b)
          const chunks = [0, ...positions].map((start, index) =>
            input.subarray(start, positions[index] ?? input.length)
          )
          expect(frame(options({ suffix: "CRLF" }), chunks)).toEqual(scans.map((scan) => `scan:${scan}`))
        }
      )
    )
  })
})
