import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { LabelRequest } from "../../core/carrier/CarrierAdapter.ts"
import { startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import { startOversizeAnswerServer } from "../../fixtures/http/OversizeAnswerServer.ts"
import { makeHttpCarrierApi } from "./HttpCarrierApi.ts"

const request = (parcelId: string): LabelRequest => ({
  parcelId,
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

describe("a carrier's label service over HTTP", () => {
  it("reads no more of an answer than its bound: the label is asked for again later, the bound named", async () => {
    const oversize = await startOversizeAnswerServer(50_000)
    try {
      const api = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: oversize.url, maxAnswerBytes: 10_000 })
      const refused = await Effect.runPromise(Effect.flip(api.createShipment(request("P-1"))))
      expect(refused).toMatchObject({
        _tag: "CarrierUnreachable",
        message: `${oversize.url} answered with more than 10000 bytes; not read`,
        mayHaveReachedCarrier: true
      })
    } finally {
      await oversize.close()
    }
  })

  it("tells a request that never left (connection refused) from one that timed out after it was sent", async () => {
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD" })
    try {
      const api = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: service.url, timeoutMs: 500 })
      await service.down()
      const refused = await Effect.runPromise(Effect.flip(api.createShipment(request("P-1"))))
      await service.stall()
      const stalled = await Effect.runPromise(Effect.flip(api.createShipment(request("P-2"))))
      await service.up()
      const answered = await Effect.runPromise(api.createShipment(request("P-2")))
      expect(refused).toMatchObject({ _tag: "CarrierUnreachable", mayHaveReachedCarrier: false })
      expect(refused.message).toContain("ECONNREFUSED")
      expect(stalled).toMatchObject({
        _tag: "CarrierUnreachable",
        message: `no answer from ${service.url} within 500 ms`,
        mayHaveReachedCarrier: true
      })
      // The timed-out request made a shipment: asked again under the same key, the service answers with it.
      expect([...service.issued()]).toEqual([["P-2", answered.trackingNumber]])
      expect(service.requests().map((received) => received.idempotencyKey)).toEqual(["P-2", "P-2"])
    } finally {
      await service.close()
    }
  })
})

describe("a shipment's cancellation at a carrier's label service over HTTP", () => {
  it("is cancelled once, gone when asked again, refused with the carrier's words, and asked again after a 401", async () => {
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD", apiKey: "k" })
    try {
      const api = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: service.url, apiKey: "k" })
      const { trackingNumber } = await Effect.runPromise(api.createShipment(request("P-1")))
      const { trackingNumber: second } = await Effect.runPromise(api.createShipment(request("P-2")))
      const cancelled = await Effect.runPromise(api.cancelShipment(trackingNumber))
      const again = await Effect.runPromise(api.cancelShipment(trackingNumber))
      const unknown = await Effect.runPromise(api.cancelShipment("JJD9999999999"))
      service.refuse("cancellations", { status: 422, error: "shipment already manifested" })
      const refused = await Effect.runPromise(Effect.flip(api.cancelShipment(second)))
      service.refuse("cancellations", undefined)
      const wrongKey = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: service.url, apiKey: "old" })
      const unauthorized = await Effect.runPromise(Effect.flip(wrongKey.cancelShipment(second)))
      expect(cancelled).toBe("cancelled")
      expect(again).toBe("gone")
      expect(unknown).toBe("gone")
      expect(refused).toMatchObject({
        _tag: "CarrierError",
        reason: "refused",
        message: 'dhl-paket refused the cancellation (HTTP 422): {"error":"shipment already manifested"}'
      })
      expect(unauthorized).toMatchObject({ _tag: "CarrierUnreachable", mayHaveReachedCarrier: true })
      expect(unauthorized.message).toContain("401")
      expect(service.cancelled()).toEqual([trackingNumber])
    } finally {
      await service.close()
    }
  })
})

describe("a shipment request the label service answers with a 4xx", () => {
  it("is the carrier's refusal when it answers the request, and asked again when the carrier did not take it", async () => {
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD", apiKey: "k" })
    try {
      const api = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: service.url, apiKey: "k" })
      const answered = async (status: number) => {
        service.refuse("shipments", { status, error: `answered ${status}` })
        return Effect.runPromise(Effect.flip(api.createShipment(request(`P-${status}`))))
      }
      const badAddress = await answered(422)
      const busy = await answered(429)
      const underWay = await answered(409)
      service.refuse("shipments", undefined)
      const wrongKey = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: service.url, apiKey: "old" })
      const unauthorized = await Effect.runPromise(Effect.flip(wrongKey.createShipment(request("P-401"))))
      expect(badAddress).toMatchObject({
        _tag: "CarrierError",
        reason: "refused",
        message: 'dhl-paket refused the label (HTTP 422): {"error":"answered 422"}'
      })
      // Not taken: nothing was made, so the parcel may be voided before its label.
      expect(busy).toMatchObject({ _tag: "CarrierUnreachable", mayHaveReachedCarrier: false })
      expect(unauthorized).toMatchObject({ _tag: "CarrierUnreachable", mayHaveReachedCarrier: false })
      expect(unauthorized.message).toContain("did not take the request (401)")
      // Another request under the key is under way: a shipment may be in the making.
      expect(underWay).toMatchObject({ _tag: "CarrierUnreachable", mayHaveReachedCarrier: true })
      expect(service.issued().size).toBe(0)
    } finally {
      await service.close()
    }
  })
})
