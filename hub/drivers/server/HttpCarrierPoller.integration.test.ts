import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { startOversizeAnswerServer } from "../../../fixtures/http/OversizeAnswerServer.ts"
import { makeHttpCarrierPoller } from "./HttpCarrierPoller.ts"

describe("a tracking feed over HTTP", () => {
  it("reads no more of an answer than its bound: the poll fails Malformed naming it, and is retried", async () => {
    const oversize = await startOversizeAnswerServer(50_000)
    try {
      const poller = makeHttpCarrierPoller({ carrier: "ups", baseUrl: oversize.url, maxAnswerBytes: 10_000 })
      const refused = await Effect.runPromise(Effect.flip(poller.poll(["1Z999AA10123456784"], undefined)))
      expect(refused).toMatchObject({
        reason: "Malformed",
        message: `ups feed ${oversize.url} answered with more than 10000 bytes; not read`
      })
    } finally {
      await oversize.close()
    }
  })
})
