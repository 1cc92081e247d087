import { describe, expect, it } from "vitest"
import { AnswerTooLarge, readAnswerText } from "./readAnswerText.ts"

/** A body that arrives in `chunks` pieces of `size` bytes, counting how many were pulled and whether it was cancelled. */
const streamed = (chunks: number, size: number) => {
  const seen = { pulled: 0, cancelled: false }
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (seen.pulled === chunks) return controller.close()
      seen.pulled++
      controller.enqueue(new Uint8Array(size).fill(0x61))
    },
    cancel: () => {
      seen.cancelled = true
    }
  })
  return { body, seen }
}

describe("readAnswerText", () => {
  it("reads an answer within the bound as UTF-8, however it is cut into chunks", async () => {
    const bytes = new TextEncoder().encode('{"city":"Köln"}')
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        // The two bytes of the ö in two chunks: decoded once, at the end.
        controller.enqueue(bytes.subarray(0, 11))
        controller.enqueue(bytes.subarray(11))
        controller.close()
      }
    })
    expect(await readAnswerText(new Response(body), bytes.length)).toBe('{"city":"Köln"}')
    expect(await readAnswerText(new Response(null, { status: 204 }), 10)).toBe("")
  })

  it("refuses an answer whose announced length is over the bound before reading any of it", async () => {
    const { body, seen } = streamed(100, 1_000)
    const answer = new Response(body, { headers: { "content-length": "100000" } })
    const refused = await readAnswerText(answer, 2_000).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(AnswerTooLarge)
    expect(refused).toMatchObject({ maxBytes: 2_000, message: "the answer holds more than 2000 bytes" })
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeLessThanOrEqual(1)
  })

  it("stops the download once an answer without a length (or with one that lies) passes the bound", async () => {
    for (const headers of [{}, { "content-length": "10" }]) {
      const { body, seen } = streamed(1_000, 1_000)
      const refused = await readAnswerText(new Response(body, { headers }), 2_500).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(AnswerTooLarge)
      expect(seen.cancelled).toBe(true)
      expect(seen.pulled).toBeLessThan(10)
    }
  })
})
