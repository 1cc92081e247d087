import { describe, expect, it } from "vitest"
import { toEpcisDocument, toEpcisEvent } from "./Epcis.ts"
import type { EventEnvelope } from "./Event.ts"

const packed: EventEnvelope = {
  id: "01a2080c-b7f9-7d79-9a73-6013c1fe5f4d",
  type: "parcel.packed",
  version: 1,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "01a2080c-a726-7d2c-95e4-e23676541d83",
  seq: 42,
  eventTime: { wallMs: Date.UTC(2026, 10, 23, 9, 15, 0, 120), monoNs: "1" },
  recordTimeMs: Date.UTC(2026, 10, 23, 9, 15, 0, 480),
  actor: { role: "packer", badgeId: "B-1001" },
  payload: {},
  epcis: {
    eventType: "AggregationEvent",
    action: "ADD",
    bizStep: "packing",
    disposition: "in_progress",
    parentID: "urn:epc:id:sscc:4260123.0000000017",
    quantityList: [{ epcClass: "urn:epc:idpat:sgtin:4260123.045001.*", quantity: 2 }],
    bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-100001" }]
  }
}

describe("EPCIS 2.0 mapping", () => {
  it("keeps the device's event time apart from the record time and says where it happened", () => {
    expect(toEpcisEvent(packed)).toEqual({
      type: "AggregationEvent",
      eventID: "urn:uuid:01a2080c-b7f9-7d79-9a73-6013c1fe5f4d",
      eventTime: "2026-11-23T09:15:00.120Z",
      eventTimeZoneOffset: "+00:00",
      recordTime: "2026-11-23T09:15:00.480Z",
      action: "ADD",
      bizStep: "packing",
      disposition: "in_progress",
      parentID: "urn:epc:id:sscc:4260123.0000000017",
      childQuantityList: [{ epcClass: "urn:epc:idpat:sgtin:4260123.045001.*", quantity: 2 }],
      bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-100001" }],
      readPoint: { id: "https://id.packbench.example/site/HAM1/station/PACK-01" },
      bizLocation: { id: "https://id.packbench.example/site/HAM1" },
      "packbench:eventType": "parcel.packed",
      "packbench:station": "PACK-01",
      "packbench:epoch": "01a2080c-a726-7d2c-95e4-e23676541d83",
      "packbench:seq": 42
    })
  })

  it("names an object event's EPCs epcList and an aggregation's childEPCs", () => {
    const epcList = ["urn:epc:id:sscc:4260123.0000000017"]
    const observed = {
      ...packed,
      epcis: { eventType: "ObjectEvent" as const, action: "OBSERVE" as const, bizStep: "shipping", epcList }
    }
    expect(toEpcisEvent(observed)).toMatchObject({ epcList })
    expect(toEpcisEvent({ ...packed, epcis: { ...packed.epcis!, epcList } })).toMatchObject({ childEPCs: epcList })
    const quantityList = packed.epcis!.quantityList!
    expect(toEpcisEvent({ ...observed, epcis: { ...observed.epcis, quantityList } })).toMatchObject({ quantityList })
    expect(toEpcisEvent(packed)).not.toHaveProperty("quantityList")
  })

  it("exports a transaction stored by an earlier version (full CBV URN, bare order id) as GS1's schema wants it", () => {
    const legacy = {
      ...packed,
      epcis: { ...packed.epcis!, bizTransactionList: [{ type: "urn:epcglobal:cbv:btt:po", bizTransaction: "SO 7" }] }
    }
    expect(toEpcisEvent(legacy)?.bizTransactionList).toEqual([
      { type: "po", bizTransaction: "urn:packbench:order:SO%207" }
    ])
  })

  it("leaves events without an EPCIS meaning out of a document", () => {
    const signIn: EventEnvelope = { ...packed, type: "operator.signed-in" }
    delete (signIn as { epcis?: unknown }).epcis
    const document = toEpcisDocument([signIn, packed], Date.UTC(2026, 10, 23, 10))
    expect(document.schemaVersion).toBe("2.0")
    expect(document.epcisBody.eventList.map((event) => event["packbench:seq"])).toEqual([42])
  })
})
