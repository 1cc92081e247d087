import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Logger } from "effect"
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

/** Runs `effect` with the warnings it logs collected into `into`. */
const loggingInto = <A, E>(effect: Effect.Effect<A, E>, into: Array<string>) =>
  effect.pipe(
    Effect.provide(
      Logger.layer([
        Logger.make((entry) => {
          if (entry.logLevel === "Warn") into.push([entry.message].flat().join(" "))
        })
      ])
    )
  )

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
        message: "dhl-paket refused the cancellation (HTTP 422): shipment already manifested"
      })
      expect(unauthorized).toMatchObject({ _tag: "CarrierUnreachable", mayHaveReachedCarrier: true })
      expect(unauthorized.message).toContain("401")
      expect(service.cancelled()).toEqual([trackingNumber])
    } finally {
      await service.close()
    }
  })
})

/**
 * What answers 404 to a cancellation besides the label service, by the path's first segment: a web server's HTML page
 * (`/html`), nothing at all (`/empty`), a gateway's JSON that quotes the path (`/gateway`); and, for contrast, a label
 * service that says it has no such shipment in an RFC 9457 problem document (`/problem`).
 */
const startNotFoundServer = async () => {
  const server = createServer((request, response) => {
    const [, kind] = (request.url ?? "").split("/")
    if (kind === "html") {
      response.writeHead(404, { "content-type": "text/html" })
      return response.end("<html><body><h1>404 Not Found</h1></body></html>")
    }
    if (kind === "gateway") {
      response.writeHead(404, { "content-type": "application/json" })
      return response.end(JSON.stringify({ error: `no route for ${request.method} ${request.url}` }))
    }
    if (kind === "problem") {
      response.writeHead(404, { "content-type": "application/problem+json" })
      return response.end(
        JSON.stringify({
          type: "https://labels.example.com/problems/shipment-not-found",
          title: "Shipment not found",
          status: 404
        })
      )
    }
    response.writeHead(404)
    response.end()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("a shipment's cancellation answered 404", () => {
  it("is gone only when the label service says it has no such shipment; any other 404 is asked again", async () => {
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD" })
    const elsewhere = await startNotFoundServer()
    try {
      const api = (baseUrl: string) => makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl })
      const { trackingNumber } = await Effect.runPromise(api(service.url).createShipment(request("P-1")))
      const cancel = (baseUrl: string) => Effect.runPromise(Effect.result(api(baseUrl).cancelShipment(trackingNumber)))
      // A base URL with a path the service does not have: its own "no such resource", which names no shipment.
      const wrongBase = await cancel(`${service.url}/v2`)
      const html = await cancel(`${elsewhere.url}/html`)
      const empty = await cancel(`${elsewhere.url}/empty`)
      const gateway = await cancel(`${elsewhere.url}/gateway`)
      // The service itself answers 404 in a shape that is not its "no such shipment".
      service.refuse("cancellations", { status: 404, error: "not found" })
      const otherShape = await cancel(service.url)
      service.refuse("cancellations", undefined)
      const problem = await cancel(`${elsewhere.url}/problem`)
      const cancelled = await cancel(service.url)
      const again = await cancel(service.url)
      for (const bare of [wrongBase, html, empty, gateway, otherShape]) {
        expect(bare).toMatchObject({ _tag: "Failure", failure: { _tag: "CarrierUnreachable" } })
        if (bare._tag === "Failure") {
          expect(bare.failure.message).toContain(`answered 404 for shipment ${trackingNumber}`)
          expect(bare.failure.message).toContain("not the label service's answer that it has no such shipment")
        }
      }
      expect(problem).toMatchObject({ _tag: "Success", success: "gone" })
      expect(cancelled).toMatchObject({ _tag: "Success", success: "cancelled" })
      // Cancelled once: the service's own 404 names the shipment it has none of.
      expect(again).toMatchObject({ _tag: "Success", success: "gone" })
      expect(service.cancelled()).toEqual([trackingNumber])
    } finally {
      await elsewhere.close()
      await service.close()
    }
  })
})

describe("a shipment request the label service answers with a 4xx", () => {
  it("is the carrier's refusal when it answers the request, and asked again when the carrier did not take it", async () => {
    const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD", apiKey: "k" })
    try {
      const api = makeHttpCarrierApi({ carrier: "dhl-paket", baseUrl: service.url, apiKey: "k" })
      const warnings: Array<string> = []
      const answered = async (status: number) => {
        service.refuse("shipments", { status, error: `answered ${status}` })
        return Effect.runPromise(loggingInto(Effect.flip(api.createShipment(request(`P-${status}`))), warnings))
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
        message: "dhl-paket refused the label (HTTP 422): answered 422"
      })
      // The carrier's words are kept and shown; its raw answer is in the log.
      expect(warnings).toEqual(['dhl-paket refused the label (HTTP 422); its answer: {"error":"answered 422"}'])
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
