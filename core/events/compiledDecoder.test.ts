import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { packedParcel, sampleOrder } from "../../fixtures/hub/HubRig.ts"
import { OrderReceived } from "../orders/OrderEvents.ts"
import { ParcelHandedToCarrier, ParcelPacked } from "../pack/PackEvents.ts"
import { compiledDecoder } from "./compiledDecoder.ts"
import { EventEnvelope } from "./Event.ts"

/**
 * Each schema's interpreted decoder is made and run on every case before the compiled one exists (a decoder that has
 * run keeps what it was built with), so the two are compared on every case: a value refused by one and taken by the
 * other, or taken as something else, or refused for another reason, fails the test.
 */
const sameAsInterpreted = (schema: Schema.ConstraintDecoder<unknown>, cases: ReadonlyArray<unknown>) => {
  const interpreted = Schema.decodeUnknownResult(schema)
  const expected = cases.map((value) => interpreted(value))
  const compiled = compiledDecoder(schema)
  return cases.map((value, index) => ({ index, compiled: compiled(value), interpreted: expected[index] }))
}

const order = sampleOrder("SO-1", { email: "anna@example.test", locale: "de" })
const envelope = {
  id: "0193a5b2-0000-7000-8000-000000000001",
  type: "order.received",
  version: 1,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "E-1",
  seq: 1,
  eventTime: { wallMs: 1_764_000_000_000, monoNs: "12" },
  recordTimeMs: 1_764_000_000_000,
  actor: { role: "packer", badgeId: "B-1", name: "Anna" },
  payload: { order, replacedVersion: null }
}
/** As it comes off the wire: with keys no schema names, one of them `__proto__` as JSON.parse makes it. */
const withStrangers = JSON.parse(
  JSON.stringify({ ...envelope, extra: "x", actor: { ...envelope.actor, admin: true } }).replace(
    '"extra":"x"',
    '"extra":"x","__proto__":{"polluted":true}'
  )
)

describe("compiledDecoder", () => {
  it("takes and refuses the station event envelopes the interpreter does, with the same values and reasons", () => {
    const results = sameAsInterpreted(EventEnvelope, [
      envelope,
      withStrangers,
      { ...envelope, epcis: { eventType: "ObjectEvent", action: "ADD", bizStep: "packing", epcList: ["urn:x"] } },
      { ...envelope, seq: 1.5 },
      { ...envelope, seq: "1" },
      { ...envelope, version: Number.POSITIVE_INFINITY },
      { ...envelope, id: 7 },
      { ...envelope, actor: { role: "robot" } },
      { ...envelope, actor: { role: "packer", badgeId: 1 } },
      { ...envelope, eventTime: { wallMs: "now", monoNs: "12" } },
      { ...envelope, eventTime: null },
      { ...envelope, recordTimeMs: "1764000000000" },
      { ...envelope, epcis: { eventType: "MagicEvent", action: "ADD", bizStep: "packing" } },
      {
        ...envelope,
        epcis: { eventType: "ObjectEvent", action: "ADD", bizStep: "x", quantityList: [{ epcClass: "a" }] }
      },
      Object.fromEntries(Object.entries(envelope).filter(([key]) => key !== "stationId")),
      null,
      [],
      "envelope"
    ])
    const [taken, stranger, withEpcis, ...refused] = results
    expect(taken?.compiled).toEqual(taken?.interpreted)
    expect(taken?.compiled._tag).toBe("Success")
    // Keys no schema names are left out, as the interpreter leaves them out: nothing of them is stored or passed on.
    expect(stranger?.compiled).toEqual(stranger?.interpreted)
    expect(stranger?.compiled._tag === "Success" && Object.keys(stranger.compiled.success as object)).toEqual(
      Object.keys(envelope)
    )
    expect(withEpcis?.compiled).toEqual(withEpcis?.interpreted)
    for (const result of refused) {
      expect(result.compiled._tag, `case ${result.index}`).toBe("Failure")
      expect(result.compiled, `case ${result.index}`).toEqual(result.interpreted)
    }
  })

  it("takes and refuses the payloads the hub decodes on every event as the interpreter does", () => {
    const customer = (email: string) => ({ order: { ...order, customer: { ...order.customer, email } } })
    const orders = sameAsInterpreted(OrderReceived.payload, [
      { order, replacedVersion: null },
      { order, replacedVersion: 3 },
      { ...customer("anna@example.test\r\nBcc: spy@evil.example"), replacedVersion: null },
      { ...customer("anna@example.test, eve@evil.example"), replacedVersion: null },
      { ...customer("x".repeat(5_000)), replacedVersion: null },
      { order: { ...order, orderId: "so-1" }, replacedVersion: null },
      { order: { ...order, version: 0 }, replacedVersion: null },
      { order: { ...order, status: "lost" }, replacedVersion: null },
      { order: { ...order, lines: [] }, replacedVersion: null },
      { order: { ...order, lines: [{ ...order.lines[0], quantity: 1.5 }] }, replacedVersion: null },
      { order: { ...order, lines: [{ ...order.lines[0], quantity: 1e9 }] }, replacedVersion: null },
      { order: { ...order, lines: [{ ...order.lines[0], unitPrice: -1 }] }, replacedVersion: null },
      { order: { ...order, shipTo: { ...order.shipTo, country: "de" } }, replacedVersion: null },
      { order: { ...order, shipTo: { ...order.shipTo, name: "n".repeat(2_000) } }, replacedVersion: null },
      { order: { ...order, serviceLevel: "overnight" }, replacedVersion: null },
      { order, replacedVersion: "2" },
      { order }
    ])
    const packed = packedParcel({ orderId: "SO-1", parcelId: "P-1", trackingNumber: "00340434", stationId: "PACK-01" })
    const parcels = sameAsInterpreted(ParcelPacked.payload, [
      packed,
      { ...packed, weightGrams: "500" },
      { ...packed, items: {} },
      { ...packed, shortShips: [{ lineId: "1", quantity: 0.5, reason: "out" }] },
      { ...packed, weightSource: "guessed" },
      { ...packed, packer: null }
    ])
    const handed = { batchId: "H-1", parcelId: "P-1", orderId: "SO-1", carrier: "dhl-paket", trackingNumber: "0034" }
    const handovers = sameAsInterpreted(ParcelHandedToCarrier.payload, [
      handed,
      { ...handed, parcelId: undefined },
      { ...handed, ssccUrn: 5 }
    ])
    for (const results of [orders, parcels, handovers]) {
      const [taken, ...rest] = results
      expect(taken?.compiled._tag).toBe("Success")
      expect(taken?.compiled).toEqual(taken?.interpreted)
      for (const result of rest) expect(result.compiled, `case ${result.index}`).toEqual(result.interpreted)
    }
    expect(orders.slice(2).every((result) => result.compiled._tag === "Failure")).toBe(true)
    expect(parcels.slice(1).every((result) => result.compiled._tag === "Failure")).toBe(true)
    expect(handovers.slice(1).every((result) => result.compiled._tag === "Failure")).toBe(true)
  })
})
