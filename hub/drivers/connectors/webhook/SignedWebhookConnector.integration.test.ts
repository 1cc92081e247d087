import { createHmac, timingSafeEqual } from "node:crypto"
import { Effect, Logger } from "effect"
import { describe, expect, it } from "vitest"
import { StationClock } from "../../../../core/time/Clock.ts"
import { withRecordingReceiver } from "../../../../fixtures/http/RecordingReceiver.ts"
import { NOW, sampleFulfillmentPush, testSettings } from "../../../../fixtures/shops/shopOrderDrafts.ts"
import type { ShopError } from "../../../core/shop/ShopConnector.ts"
import { makeSignedWebhookConnector, signBody, signDelivery } from "./SignedWebhookConnector.ts"

/** The hub's clock as the connector reads it: its pushes' stamps and the webhooks' freshness. */
const hubClock = StationClock.manual(NOW).clock

const secret = "generic-shop-secret-0123"
const settings = { ...testSettings, id: "generic", type: "webhook" as const, orderIdPrefix: "GEN" }
const push = {
  idempotencyKey: "packbench-address-GEN-1-hold-1",
  orderId: "GEN-1",
  shopOrderId: "1",
  shipTo: { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20459", city: "Hamburg", country: "DE" }
}

/** The generic connector of these tests, sending to `shopUrl` (none: it takes webhooks only). */
const connectorTo = (
  shopUrl: string | undefined,
  clock = hubClock,
  options: { readonly sha256Signatures?: "accept" | "refuse" } = {}
) =>
  makeSignedWebhookConnector({
    clock,
    settings,
    credentials: { secret },
    shopUrl,
    timeoutMs: 1_000,
    toleranceMs: 300_000,
    ...options
  })

describe("the generic signed webhook connector's address push", () => {
  it("posts the corrected address to <shopUrl>/addresses, signed, with the push's key; without a shopUrl it says it cannot", async () => {
    await withRecordingReceiver(
      () => ({ status: 200, body: JSON.stringify({ id: "addr-1" }) }),
      async ({ url: shopUrl, received }) => {
        const connector = connectorTo(shopUrl)
        expect(await Effect.runPromise(connector.updateAddress(push))).toEqual({ shopAddressId: "addr-1" })
        expect(received).toHaveLength(1)
        const request = received[0]!
        const body = request.body.toString()
        expect(request.path).toBe("/addresses")
        expect(request.headers["idempotency-key"]).toBe(push.idempotencyKey)
        expect(request.headers["x-packbench-signature"]).toBe(
          signBody(secret, String(request.headers["x-packbench-timestamp"]), body)
        )
        // The key inside the signed body too: under the first scheme the header's copy is not signed, so such a shop acts once per the body's.
        expect(JSON.parse(body)).toMatchObject({
          idempotencyKey: push.idempotencyKey,
          orderId: "GEN-1",
          shopOrderId: "1",
          shipTo: push.shipTo,
          address: { firstName: "Mia", lastName: "Berg", line1: "Hafenstraße 11", postalCode: "20459", country: "DE" }
        })
        // A hostile field never leaves the hub.
        const hostile = await Effect.runPromise(
          Effect.flip(connector.updateAddress({ ...push, shipTo: { ...push.shipTo, name: "Mia\u0000Berg" } }))
        )
        expect(hostile).toMatchObject({ reason: "Rejected" })
        expect(received).toHaveLength(1)

        const inboundOnly = connectorTo(undefined)
        const refused = await Effect.runPromise(Effect.flip(inboundOnly.updateAddress(push)))
        expect(refused).toMatchObject({ reason: "Rejected", message: "shop generic has no shopUrl to send to" })
      }
    )
  })
})

describe("the generic signed webhook connector's push answers", () => {
  const fulfillment = sampleFulfillmentPush
  const refund = {
    idempotencyKey: "packbench-refund-GEN-1-R-1",
    orderId: "GEN-1",
    shopOrderId: "1",
    currency: "EUR",
    lines: [{ lineId: "L1", shopLineId: "L1", quantity: 1, amountCents: 1290 }],
    amountCents: 1290,
    note: "return R-1"
  }

  it("takes a 2xx answer that is not a JSON object as a Malformed answer to retry, never as a crash", async () => {
    const answers = ["OK", "null", "[]", '{"id":']
    const problems = [
      "answered with something that is not JSON",
      "cannot be used: the answer: Expected object",
      "cannot be used: the answer: Expected object",
      "answered with something that is not JSON"
    ]
    let next = 0
    await withRecordingReceiver(
      () => ({ status: 200, type: "text/plain", body: answers[next]! }),
      async ({ url }) => {
        const connector = connectorTo(url)
        for (next = 0; next < answers.length; next++) {
          const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, ShopError>]> = [
            ["/fulfillments", connector.fulfill(fulfillment)],
            ["/refunds", connector.refund(refund)],
            ["/addresses", connector.updateAddress(push)]
          ]
          for (const [path, call] of calls) {
            const failure = await Effect.runPromise(Effect.flip(call))
            expect(failure).toMatchObject({ _tag: "ShopError", reason: "Malformed" })
            expect(failure.message).toContain(`POST ${path}`)
            expect(failure.message).toContain(problems[next])
          }
        }
      }
    )
  })
})

describe("the generic connector's webhook with a signed body that is no order", () => {
  it("is refused as signed, so the hub quarantines it for a person instead of only answering 400", async () => {
    const connector = connectorTo(undefined)
    for (const body of ["null", "[]", '"x"', "42", '{"id":"1"}']) {
      const timestamp = String(Math.floor(NOW / 1000))
      const refused = await Effect.runPromise(
        Effect.flip(
          connector.verifyWebhook({
            headers: { "x-packbench-timestamp": timestamp, "x-packbench-signature": signBody(secret, timestamp, body) },
            body: new TextEncoder().encode(body)
          })
        )
      )
      expect(refused, body).toMatchObject({ signed: true, message: expect.stringContaining("not an order") })
    }
  })
})

describe("the generic connector's first signature scheme (sha256=), per connector", () => {
  const body = JSON.stringify({
    id: "7001",
    number: "7001",
    updatedAt: new Date(NOW - 60_000).toISOString(),
    placedAt: new Date(NOW - 3_600_000).toISOString(),
    state: "open",
    currency: "EUR",
    totalPaid: 25,
    customer: { id: "c-1", firstName: "Mia", lastName: "Berg", email: "mia@example.com" },
    shipTo: { name: "Mia Berg", street1: "Hafenstraße 1", postalCode: "20457", city: "Hamburg", country: "DE" },
    lines: [{ id: "L1", sku: "ALP-MUG-01", quantity: 1, paidUnitPrice: 25 }]
  })
  const timestamp = String(Math.floor(NOW / 1000))
  const firstScheme = (delivery: string) => ({
    headers: {
      "x-packbench-timestamp": timestamp,
      "x-packbench-delivery": delivery,
      "x-packbench-signature": signBody(secret, timestamp, body)
    },
    body: new TextEncoder().encode(body)
  })
  const v2 = (delivery: string) => ({
    headers: {
      "x-packbench-timestamp": timestamp,
      "x-packbench-delivery": delivery,
      "x-packbench-signature": signDelivery(secret, timestamp, delivery, body)
    },
    body: new TextEncoder().encode(body)
  })
  const connectorWith = (sha256Signatures: "accept" | "refuse" | undefined) =>
    connectorTo(undefined, hubClock, sha256Signatures === undefined ? {} : { sha256Signatures })
  const withLog = <A, E>(effect: Effect.Effect<A, E>) => {
    const logged: Array<string> = []
    return Effect.runPromise(
      effect.pipe(
        Effect.provide(
          Logger.layer([Logger.make((entry) => logged.push(`${entry.logLevel} ${String(entry.message)}`))])
        )
      )
    ).then((value) => ({ value, logged }))
  }

  it("is still taken by default, with one warning per connector naming the connector and the way to move", async () => {
    const connector = connectorWith(undefined)
    const { value, logged } = await withLog(
      Effect.all([connector.verifyWebhook(firstScheme("d-1")), connector.verifyWebhook(firstScheme("d-2"))])
    )
    expect(value.map((deliveries) => deliveries.map((delivery) => delivery.shopOrderId))).toEqual([["7001"], ["7001"]])
    expect(logged).toEqual([expect.stringMatching(/^Warn shop generic: .*sha256=.*v2=.*sha256Signatures/)])
    // Another connector warns for itself.
    const other = await withLog(connectorWith("accept").verifyWebhook(firstScheme("d-3")))
    expect(other.logged).toHaveLength(1)
    // A v2 delivery warns of nothing.
    const moved = await withLog(connectorWith(undefined).verifyWebhook(v2("d-4")))
    expect(moved.logged).toEqual([])
  })

  it("is refused with 401 when the connector says refuse, while v2 deliveries go in", async () => {
    const connector = connectorWith("refuse")
    const refused = await Effect.runPromise(Effect.flip(connector.verifyWebhook(firstScheme("d-1"))))
    expect(refused).toMatchObject({
      status: 401,
      message: expect.stringContaining("sha256Signatures")
    })
    expect(refused).not.toMatchObject({ signed: true })
    const taken = await Effect.runPromise(connector.verifyWebhook(v2("d-2")))
    expect(taken.map((delivery) => [delivery.deliveryId, delivery.shopOrderId])).toEqual([["id:d-2", "7001"]])
  })
})

describe("the generic connector's pushes to the shop, signed with v2", () => {
  it("carry X-Packbench-Delivery and X-Packbench-Signature-V2 beside the first scheme, the same delivery on a retry", async () => {
    const clock = StationClock.manual(NOW)
    const seen: Array<{ path: string; delivery: string; timestamp: string; verdict: "v2" | "refused" }> = []
    const keys: Array<string> = []
    let answers = [503, 200, 200]
    await withRecordingReceiver(
      (request) => {
        const raw = request.body
        const timestamp = String(request.headers["x-packbench-timestamp"] ?? "")
        const delivery = String(request.headers["x-packbench-delivery"] ?? "")
        // The receiver as the README tells it to check: v2 over the raw body, in constant time.
        const expected = Buffer.from(
          `v2=${createHmac("sha256", secret).update(`v2\n${timestamp}\n${delivery}\n`).update(raw).digest("hex")}`
        )
        const given = Buffer.from(String(request.headers["x-packbench-signature-v2"] ?? ""))
        const verified = delivery !== "" && given.length === expected.length && timingSafeEqual(given, expected)
        const oldScheme = request.headers["x-packbench-signature"] === signBody(secret, timestamp, raw)
        seen.push({ path: request.path, delivery, timestamp, verdict: verified && oldScheme ? "v2" : "refused" })
        keys.push(String(request.headers["idempotency-key"] ?? ""))
        return { status: verified ? (answers.shift() ?? 200) : 401, body: JSON.stringify({ id: "f-1" }) }
      },
      async ({ url }) => {
        const connector = connectorTo(url, clock.clock)
        const fulfillment = sampleFulfillmentPush
        const first = await Effect.runPromise(Effect.flip(connector.fulfill(fulfillment)))
        expect(first).toMatchObject({ _tag: "ShopError" })
        clock.advance(90_000)
        expect(await Effect.runPromise(connector.fulfill(fulfillment))).toEqual({
          shopFulfillmentId: "f-1",
          alreadyThere: false
        })
        await Effect.runPromise(connector.updateAddress(push))
        expect(seen.map(({ path, delivery, verdict }) => [path, delivery, verdict])).toEqual([
          ["/fulfillments", fulfillment.idempotencyKey, "v2"],
          ["/fulfillments", fulfillment.idempotencyKey, "v2"],
          ["/addresses", push.idempotencyKey, "v2"]
        ])
        // The retry is stamped anew, and its delivery id is the one the shop saw first.
        expect(Number(seen[1]!.timestamp) - Number(seen[0]!.timestamp)).toBe(90)
        // A key that could not be a delivery id (a line break would make the signed text ambiguous) still gets a stable one.
        answers = []
        const odd = { ...fulfillment, idempotencyKey: "packbench-fulfillment-GEN-ä 1" }
        await Effect.runPromise(Effect.result(connector.fulfill(odd)))
        await Effect.runPromise(Effect.result(connector.fulfill(odd)))
        const [a, b] = seen.slice(3)
        expect(a?.delivery).toMatch(/^[\x21-\x7e]{1,200}$/)
        expect(b?.delivery).toBe(a?.delivery)
        // A key no HTTP header can carry (a shop's order number with "€" or a line break): the request still goes out,
        // its Idempotency-Key the same stable id (it was refused before it left, and retried for ever).
        const unsendable = { ...fulfillment, idempotencyKey: "packbench-fulfillment-GEN-€\n1" }
        expect(await Effect.runPromise(connector.fulfill(unsendable))).toEqual({
          shopFulfillmentId: "f-1",
          alreadyThere: false
        })
        const c = seen.at(-1)
        expect(c?.delivery).toMatch(/^key-sha256-[0-9a-f]{64}$/)
        expect(c?.verdict).toBe("v2")
        expect(keys.at(-1)).toBe(c?.delivery)
      }
    )
  })
})
