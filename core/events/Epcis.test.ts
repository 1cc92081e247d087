import { describe, expect, it } from "vitest"
import { epcisEventOf, isEpcisLocation, timeZoneOffset, toEpcisDocument, toEpcisEvent } from "./Epcis.ts"
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

  it("gives each event the site's offset at that instant, summer and winter, and the configured locations", () => {
    const places = {
      timeZone: "Europe/Berlin",
      siteLocation: "urn:epc:id:sgln:4012345.00001.0",
      readPoint: "urn:epc:id:sgln:4012345.00001.7"
    }
    const winter = toEpcisEvent(packed, places)
    expect(winter).toMatchObject({
      eventTime: "2026-11-23T09:15:00.120Z",
      eventTimeZoneOffset: "+01:00",
      bizLocation: { id: places.siteLocation },
      readPoint: { id: places.readPoint }
    })
    const summer = { ...packed, eventTime: { wallMs: Date.UTC(2026, 6, 1, 12), monoNs: "1" } }
    expect(toEpcisEvent(summer, places)?.eventTimeZoneOffset).toBe("+02:00")
    expect(timeZoneOffset(Date.UTC(2026, 6, 1), "America/St_Johns")).toBe("-02:30")
    expect(timeZoneOffset(Date.UTC(2026, 6, 1), "UTC")).toBe("+00:00")
  })

  it("accepts SGLNs and http(s) URIs as locations and nothing else", () => {
    expect(isEpcisLocation("urn:epc:id:sgln:4012345.00001.0")).toBe(true)
    expect(isEpcisLocation("https://id.gs1.org/414/4012345000016")).toBe(true)
    for (const bad of [
      "HAM1",
      "urn:epc:id:sgln:x",
      "javascript:alert(1)",
      "https://a b",
      `https://a/${"x".repeat(600)}`
    ])
      expect(isEpcisLocation(bad), bad).toBe(false)
  })

  it("turns a correction that names its event into that event's error declaration, and ignores one that does not", () => {
    const received: EventEnvelope = {
      ...packed,
      id: "01a2080c-b7f9-7d79-9a73-6013c1fe0001",
      type: "return.received",
      seq: 50,
      epcis: { eventType: "ObjectEvent", action: "OBSERVE", bizStep: "receiving", disposition: "returned" }
    }
    const cancelled: EventEnvelope = {
      ...packed,
      id: "01a2080c-b7f9-7d79-9a73-6013c1fe0002",
      type: "return.cancelled",
      seq: 51,
      eventTime: { wallMs: Date.UTC(2026, 10, 23, 11), monoNs: "2" },
      recordTimeMs: Date.UTC(2026, 10, 23, 11, 0, 1),
      payload: { corrects: received.id, returnId: "R-1", orderId: null, scanned: "x", itemCount: 0, reason: "r" }
    }
    delete (cancelled as { epcis?: unknown }).epcis
    const places = { timeZone: "UTC" }
    const lookups: Array<string> = []
    const declaration = epcisEventOf(cancelled, places, (id) => {
      lookups.push(id)
      return id === received.id ? toEpcisEvent(received, places) : undefined
    })
    expect(lookups).toEqual([received.id])
    expect(declaration).toMatchObject({
      type: "ObjectEvent",
      eventID: `urn:uuid:${received.id}`,
      bizStep: "receiving",
      eventTime: toEpcisEvent(received, places)?.eventTime,
      recordTime: "2026-11-23T11:00:01.000Z",
      errorDeclaration: {
        declarationTime: "2026-11-23T11:00:00.000Z",
        reason: "incorrect_data",
        "packbench:correctedBy": `urn:uuid:${cancelled.id}`
      },
      "packbench:eventType": "return.cancelled",
      "packbench:seq": 51
    })
    expect(epcisEventOf({ ...cancelled, payload: { corrects: null } }, places, () => undefined)).toBeUndefined()
    expect(epcisEventOf(cancelled, places, () => undefined)).toBeUndefined()
  })
})
