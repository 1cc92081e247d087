import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { makeTurnWriteHold } from "./turnWriteHold.ts"

/** A writable stream that records each write call it gets (a `writev` of several chunks is one call). */
const recordingStream = () => {
  const calls: Array<ReadonlyArray<string>> = []
  const stream = new Writable({
    writev(chunks, callback) {
      calls.push(chunks.map(({ chunk }) => String(chunk)))
      callback()
    },
    write(chunk, _encoding, callback) {
      calls.push([String(chunk)])
      callback()
    }
  })
  return { stream, calls }
}

/** What mqtt-packet does for each packet: cork, write, uncork on the next tick. */
const writePacket = (stream: Writable, text: string) => {
  stream.cork()
  stream.write(text)
  process.nextTick(() => stream.uncork())
}

/** As mqtt.js handles incoming packets: one per tick, each answered with a packet of its own. */
const answerOnePerTick = async (count: number, onEach: (index: number) => void) => {
  for (let index = 0; index < count; index++) {
    onEach(index)
    await new Promise<void>((resolve) => process.nextTick(resolve))
  }
}

const turnEnds = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("makeTurnWriteHold", () => {
  it("sends the packets written in one turn of the loop, one per tick, in one write and in order", async () => {
    const { stream, calls } = recordingStream()
    const hold = makeTurnWriteHold(() => stream)
    await answerOnePerTick(100, (index) => {
      hold()
      writePacket(stream, `p${index}`)
    })
    expect(calls).toEqual([])
    await turnEnds()
    expect(calls).toEqual([Array.from({ length: 100 }, (_, index) => `p${index}`)])
  })

  it("without the hold the same packets take a write each", async () => {
    const { stream, calls } = recordingStream()
    await answerOnePerTick(100, (index) => writePacket(stream, `p${index}`))
    await turnEnds()
    expect(calls).toHaveLength(100)
  })

  it("lets a turn's packets go at its end, and holds the next turn's apart", async () => {
    const { stream, calls } = recordingStream()
    const hold = makeTurnWriteHold(() => stream)
    hold()
    writePacket(stream, "a")
    hold()
    writePacket(stream, "b")
    await turnEnds()
    expect(calls).toEqual([["a", "b"]])
    hold()
    writePacket(stream, "c")
    await turnEnds()
    expect(calls).toEqual([["a", "b"], ["c"]])
    expect(stream.writableCorked).toBe(0)
  })

  it("uncorks a stream replaced within the turn (a reconnect) and holds the new one on the next call", async () => {
    const first = recordingStream()
    const second = recordingStream()
    let current = first.stream
    const hold = makeTurnWriteHold(() => current)
    hold()
    writePacket(first.stream, "old")
    current = second.stream
    await turnEnds()
    expect(first.calls).toEqual([["old"]])
    expect(first.stream.writableCorked).toBe(0)
    hold()
    writePacket(second.stream, "x")
    writePacket(second.stream, "y")
    await new Promise<void>((resolve) => process.nextTick(resolve))
    expect(second.calls).toEqual([])
    await turnEnds()
    expect(second.calls).toEqual([["x", "y"]])
  })

  it("does nothing without a stream (before the first connect)", async () => {
    const hold = makeTurnWriteHold(() => undefined)
    expect(() => hold()).not.toThrow()
    await turnEnds()
  })
})
