import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { EventDefinition } from "../../../core/events/EventDefinition.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { PackItemVerified, ParcelHandedToCarrier, ParcelPacked } from "../../../core/pack/PackEvents.ts"
import { ReturnCancelled, ReturnReceived } from "../../../core/returns/ReturnsEvents.ts"
import { epcisSchemaValidator } from "../../../fixtures/epcis/epcisSchema.ts"
import {
  hubTestSettings,
  packedParcel,
  publishAll,
  type RunningHub,
  sampleOrder,
  stationOnBroker,
  TEST_METRICS_TOKEN,
  withRunningHub
} from "../../../fixtures/hub/HubRig.ts"
import { hubServers } from "../../../fixtures/hub/HubServers.ts"
import { waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { postgresTestStoreForFile, sqliteTestStore, type TestStore } from "../../../fixtures/postgres/TestStores.ts"

const withToken = { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } }
const stores: ReadonlyArray<TestStore> = [sqliteTestStore, postgresTestStoreForFile()]
const servers = hubServers({ fresh: "each-test" })
const DAY = 86_400_000

interface Document {
  readonly type: string
  readonly epcisBody: { readonly eventList: ReadonlyArray<Record<string, unknown>> }
}

describe.each(stores)("GET /epcis over HTTP on $dialect", (store) => {
  it("serves the stored EPCIS view of applied station events by event time, per site, schema-valid, token only", async () => {
    // Times relative to the hub's clock (the prune compares with it), on a whole hour so no run is special.
    const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * DAY
    const iso = (ms: number) => new Date(ms).toISOString()
    const settings = { ...hubTestSettings("http://127.0.0.1"), epcis: { retentionDays: 30, timeZone: "Europe/Berlin" } }
    const program = (hub: RunningHub) =>
      Effect.gen(function* () {
        const ham = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "EP-01", siteId: "HAM1" })
        const muc = yield* stationOnBroker({ brokerUrl: servers.mqtt.url, stationId: "EP-02", siteId: "MUC1" })
        // As the station's event log stores them: with their EPCIS view and the device's time.
        const at =
          (next: typeof ham.next) =>
          <Type extends string, Payload>(definition: EventDefinition<Type, Payload>, payload: Payload, ms: number) => {
            const event = next(definition, payload)
            const epcis = definition.epcis?.(payload)
            return {
              ...event,
              eventTime: { ...event.eventTime, wallMs: ms },
              ...(epcis === undefined ? {} : { epcis })
            } satisfies EventEnvelope
          }
        const hamAt = at(ham.next)
        const sscc = "urn:epc:id:sscc:4260123.0000000017"
        const old = hamAt(
          PackItemVerified,
          {
            orderId: "EP-0",
            lineId: "1",
            sku: "ALP-MUG-01",
            gtin: "4260123450014",
            serial: "S-0",
            quantity: 1,
            raw: "(01)04260123450014(21)S-0"
          },
          base - 40 * DAY
        )
        const order = hamAt(
          OrderReceived,
          { order: sampleOrder("EP-1", { email: "ep@example.test", locale: "en" }), replacedVersion: null },
          base + 1_000
        )
        const scan = hamAt(
          PackItemVerified,
          {
            orderId: "EP-1",
            lineId: "1",
            sku: "ALP-MUG-01",
            gtin: "4260123450014",
            serial: "S-1",
            quantity: 1,
            raw: "(01)04260123450014(21)S-1"
          },
          base + 2_000
        )
        const packed = hamAt(
          ParcelPacked,
          {
            ...packedParcel({
              orderId: "EP-1",
              parcelId: "P-EP-1",
              trackingNumber: "00340434160000000017",
              stationId: "EP-01"
            }),
            ssccUrn: sscc,
            items: [
              {
                lineId: "1",
                sku: "ALP-MUG-01",
                gtin: "04260123450014",
                quantity: 3,
                shortShipped: 0,
                serials: [],
                lots: [{ lot: "L7", quantity: 2 }]
              }
            ]
          },
          base + 3_000
        )
        const handed = hamAt(
          ParcelHandedToCarrier,
          {
            batchId: "H-1",
            parcelId: "P-EP-1",
            orderId: "EP-1",
            carrier: "dhl-paket",
            trackingNumber: "00340434160000000017",
            ssccUrn: sscc
          },
          base + 4_000
        )
        const received = hamAt(
          ReturnReceived,
          {
            returnId: "R-1",
            known: false,
            orderId: null,
            parcelId: null,
            rmaId: null,
            ssccUrn: sscc,
            scanned: sscc,
            notes: ""
          },
          base + 5_000
        )
        const cancelled = hamAt(
          ReturnCancelled,
          { returnId: "R-1", corrects: received.id, orderId: null, scanned: sscc, itemCount: 0, reason: "wrong code" },
          base + 6_000
        )
        const late = hamAt(
          PackItemVerified,
          {
            orderId: "EP-2",
            lineId: "1",
            sku: "ALP-MUG-01",
            gtin: "4260123450014",
            serial: "S-2",
            quantity: 1,
            raw: "(01)04260123450014(21)S-2"
          },
          base + DAY
        )
        const munich = at(muc.next)(
          PackItemVerified,
          {
            orderId: "EP-3",
            lineId: "1",
            sku: "ALP-MUG-01",
            gtin: "4260123450014",
            serial: "S-3",
            quantity: 1,
            raw: "(01)04260123450014(21)S-3"
          },
          base + 7_000
        )
        yield* publishAll(ham.broker, [order, old, scan, packed, handed, received, cancelled, late])
        yield* publishAll(muc.broker, [munich])
        // Redelivered (a station resends after a lost ack): stored once.
        yield* publishAll(ham.broker, [packed])

        const get = (query: string, init: RequestInit = withToken) =>
          Effect.promise(() => fetch(`${hub.url}/epcis${query}`, init))
        const documentOf = (query: string) =>
          Effect.gen(function* () {
            const response = yield* get(query)
            expect(response.status).toBe(200)
            expect(response.headers.get("content-type")).toBe("application/ld+json; charset=utf-8")
            return (yield* Effect.promise(() => response.json())) as Document
          })
        const everything = `?from=${encodeURIComponent(iso(base - 60 * DAY))}&to=${encodeURIComponent(iso(base + 2 * DAY))}`
        const all = yield* waitFor(
          documentOf(everything),
          (document) =>
            document.epcisBody.eventList.length >= 7 &&
            !document.epcisBody.eventList.some((event) => event.eventID === `urn:uuid:${old.id}`),
          15_000
        )
        const ids = all.epcisBody.eventList.map((event) => event.eventID)
        // The 40-day-old event is past hub.epcisRetentionDays (30): pruned by the timer pass; the rest in time order.
        expect(ids).toEqual(
          [scan, packed, handed, received, received, munich, late].map((event) => `urn:uuid:${event.id}`)
        )
        const [scanned, aggregation, handover, , declaration] = all.epcisBody.eventList
        expect(scanned).toMatchObject({
          type: "ObjectEvent",
          bizStep: "packing",
          epcList: [expect.stringContaining("/21/S-1")]
        })
        expect(aggregation).toMatchObject({
          type: "AggregationEvent",
          action: "ADD",
          parentID: sscc,
          childQuantityList: [
            { epcClass: "https://id.gs1.org/01/04260123450014/10/L7", quantity: 2 },
            { epcClass: "https://id.gs1.org/01/04260123450014", quantity: 1 }
          ],
          readPoint: { id: "https://id.packbench.example/site/HAM1/station/EP-01" },
          bizLocation: { id: "https://id.packbench.example/site/HAM1" },
          eventTime: iso(base + 3_000),
          recordTime: expect.any(String)
        })
        expect(aggregation?.eventTimeZoneOffset).toMatch(/^\+0[12]:00$/)
        expect(handover).toMatchObject({
          type: "ObjectEvent",
          bizStep: "shipping",
          disposition: "in_transit",
          epcList: [sscc]
        })
        expect(declaration).toMatchObject({
          eventID: `urn:uuid:${received.id}`,
          errorDeclaration: {
            declarationTime: iso(base + 6_000),
            reason: "incorrect_data",
            "packbench:correctedBy": `urn:uuid:${cancelled.id}`
          }
        })
        const validate = epcisSchemaValidator()
        expect(validate(all), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true)

        // Half-open window, by event time, and by site.
        const window = yield* documentOf(
          `?from=${encodeURIComponent("2000-01-01T00:00:00Z")}&to=${encodeURIComponent(iso(base + 3_000))}&site=HAM1`
        )
        // The order itself has no EPCIS meaning (the hub stores nothing for it); the window ends before the packing.
        expect(window.epcisBody.eventList.map((event) => event.eventID)).toEqual([`urn:uuid:${scan.id}`])
        const munichOnly = yield* documentOf(`${everything}&site=MUC1`)
        expect(munichOnly.epcisBody.eventList.map((event) => event.eventID)).toEqual([`urn:uuid:${munich.id}`])

        // No token, a wrong token: 401 and nothing read. Bad parameters: 400 with a message.
        expect((yield* get(everything, {})).status).toBe(401)
        expect((yield* get(everything, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(
          401
        )
        for (const [query, message] of [
          ["?from=2026-12-04T00:00:00&to=2026-12-05T00:00:00Z", "from needs an ISO 8601 instant"],
          ["?from=2026-12-04T00:00:00Z", "to needs an ISO 8601 instant"],
          ["?from=2026-12-05T00:00:00Z&to=2026-12-04T00:00:00Z", "to must be after from"],
          ["?from=2026-12-04T00:00:00Z&to=2026-12-05T00:00:00Z&site=a%20b", "site needs a site id"],
          ["?from=2026-12-04T00:00:00Z&to=2026-12-05T00:00:00Z&limit=5", 'unknown parameter "limit"'],
          ["?from=2026-12-04T00:00:00Z&from=2026-12-03T00:00:00Z&to=2026-12-05T00:00:00Z", "from given more than once"]
        ] as const) {
          const response = yield* get(query)
          expect(response.status, query).toBe(400)
          expect(((yield* Effect.promise(() => response.json())) as { error: string }).error, query).toContain(message)
        }
      })
    await withRunningHub(
      await servers.rigOn(store, {
        settings,
        webhookSecret: "epcis-webhook-secret",
        clientId: "packbench-hub-epcis",
        tickIntervalMs: 300
      }),
      program
    )
  })
})
