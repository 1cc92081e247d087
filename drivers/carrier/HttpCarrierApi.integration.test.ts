import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { startOversizeAnswerServer } from "../../fixtures/http/OversizeAnswerServer.ts"
import { makeHttpCarrierApi } from "./HttpCarrierApi.ts"

describe("a carrier's label service over HTTP", () => {
  it("reads no more of an answer than its bound: the label is asked for again later, the bound named", async () => {
    const oversize = await startOversizeAnswerServer(50_000)
    try {
      const api = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: oversize.url, maxAnswerBytes: 10_000 })
      const refused = await Effect.runPromise(
        Effect.flip(
          api.createShipment({
            parcelId: "P-1",
            orderId: "SO-100001",
            carrier: "dhl-paket",
            serviceLevel: "standard",
            shipTo: {
              name: "Anna Schmidt",
              street1: "Hafenstraße 11",
              postalCode: "20457",
              city: "Hamburg",
              country: "DE"
            },
            weightGrams: 850
          })
        )
      )
      expect(refused).toMatchObject({
        _tag: "CarrierUnreachable",
        message: `${oversize.url} answered with more than 10000 bytes; not read`
      })
    } finally {
      await oversize.close()
    }
  })
})
