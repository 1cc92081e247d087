import { describe, expect, it } from "vitest"
import { makePacketSizeGuard } from "./PacketSizeGuard.ts"

/** A PUBLISH-like packet: type byte, remaining length as MQTT encodes it, then `length` bytes. */
const packet = (length: number) => {
  const header = [0x32]
  let rest = length
  do {
    let byte = rest % 128
    rest = Math.floor(rest / 128)
    if (rest > 0) byte |= 0x80
    header.push(byte)
  } while (rest > 0)
  return Uint8Array.from([...header, ...new Uint8Array(length)])
}

const concat = (...parts: ReadonlyArray<Uint8Array>) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

describe("makePacketSizeGuard", () => {
  it("lets packets up to the limit through, however the stream is cut into chunks", () => {
    const stream = concat(packet(0), packet(127), packet(128), packet(16_383), packet(20_000 - 4))
    for (const chunkSize of [1, 2, 3, 7, 100, stream.length]) {
      const guard = makePacketSizeGuard(20_000)
      for (let at = 0; at < stream.length; at += chunkSize) {
        expect(guard.feed(stream.subarray(at, at + chunkSize)), `chunks of ${chunkSize}`).toBeUndefined()
      }
    }
  })

  it("cuts at the header of a packet over the limit, before its body arrives", () => {
    const guard = makePacketSizeGuard(1_000)
    expect(guard.feed(packet(10))).toBeUndefined()
    // Only the header of a 256 MB packet: the verdict comes before a byte of its body.
    expect(guard.feed(Uint8Array.from([0x32, 0xff, 0xff, 0xff, 0x7f]))).toBe(
      "a packet of 268435460 bytes (the limit is 1000)"
    )
    expect(makePacketSizeGuard(1_000).feed(packet(998))).toBe("a packet of 1001 bytes (the limit is 1000)")
  })

  it("refuses a remaining length longer than four bytes", () => {
    expect(makePacketSizeGuard(1_000).feed(Uint8Array.from([0x32, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(
      "malformed remaining length (more than four bytes)"
    )
  })
})
