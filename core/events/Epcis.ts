/** Mapping Packbench events to GS1 EPCIS 2.0 JSON-LD documents. */
import type { EpcisView, EventEnvelope } from "./Event.ts"

/** Where Packbench names its sites and stations; any URI is a valid readPoint/bizLocation id in EPCIS 2.0 (§7.3.6). */
export const LOCATION_BASE = "https://id.packbench.example"

export const EPCIS_CONTEXT = [
  "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
  { packbench: "https://ns.packbench.example/epcis/" }
] as const

/**
 * The business transaction an order is (EPCIS 2.0 §7.3.5.3, CBV type `po`): JSON-LD names CBV values bare, and a
 * transaction id must be a URI, so Packbench names orders `urn:packbench:order:<id>`.
 */
export const orderTransaction = (orderId: string) => [
  { type: "po", bizTransaction: `urn:packbench:order:${encodeURIComponent(orderId)}` }
]

/**
 * A stored transaction as EPCIS 2.0 JSON wants it: events recorded by earlier versions named the type with its full
 * CBV URN and the order by its bare id, which GS1's schema refuses.
 */
const exportedTransaction = (transaction: { readonly type: string; readonly bizTransaction: string }) => ({
  type: transaction.type.replace(/^urn:epcglobal:cbv:btt:/, ""),
  bizTransaction: /^[a-z][a-z0-9+.-]*:/i.test(transaction.bizTransaction)
    ? transaction.bizTransaction
    : `urn:packbench:order:${encodeURIComponent(transaction.bizTransaction)}`
})

export interface EpcisEventDocument {
  readonly type: string
  readonly eventID: string
  readonly eventTime: string
  readonly eventTimeZoneOffset: string
  readonly recordTime: string
  readonly action: string
  readonly bizStep: string
  readonly disposition?: string
  readonly epcList?: ReadonlyArray<string>
  readonly parentID?: string
  readonly childEPCs?: ReadonlyArray<string>
  readonly quantityList?: NonNullable<EpcisView["quantityList"]>
  readonly childQuantityList?: NonNullable<EpcisView["quantityList"]>
  readonly bizTransactionList?: NonNullable<EpcisView["bizTransactionList"]>
  readonly readPoint: { readonly id: string }
  readonly bizLocation: { readonly id: string }
  readonly "packbench:eventType": string
  readonly "packbench:station": string
  readonly "packbench:epoch": string
  readonly "packbench:seq": number
}

/**
 * The EPCIS 2.0 JSON-LD event of a Packbench event, or undefined for events with no EPCIS meaning (sign-ins).
 * eventTime is when the device saw it happen, recordTime when the station recorded it (EPCIS 2.0 §7.4.1); both
 * UTC. An AggregationEvent names its children `childEPCs` and `childQuantityList`, an ObjectEvent `epcList` and
 * `quantityList` (§7.4.2-7.4.3).
 */
export const toEpcisEvent = (event: EventEnvelope): EpcisEventDocument | undefined => {
  const view = event.epcis
  if (view === undefined) return undefined
  const site = `${LOCATION_BASE}/site/${encodeURIComponent(event.siteId)}`
  const aggregation = view.eventType === "AggregationEvent"
  const document: EpcisEventDocument = {
    type: view.eventType,
    eventID: `urn:uuid:${event.id}`,
    eventTime: new Date(event.eventTime.wallMs).toISOString(),
    eventTimeZoneOffset: "+00:00",
    recordTime: new Date(event.recordTimeMs).toISOString(),
    action: view.action,
    bizStep: view.bizStep,
    ...(view.disposition === undefined ? {} : { disposition: view.disposition }),
    ...(view.parentID === undefined ? {} : { parentID: view.parentID }),
    ...(view.epcList !== undefined && aggregation ? { childEPCs: view.epcList } : {}),
    ...(view.epcList !== undefined && !aggregation ? { epcList: view.epcList } : {}),
    ...(view.quantityList !== undefined && aggregation ? { childQuantityList: view.quantityList } : {}),
    ...(view.quantityList !== undefined && !aggregation ? { quantityList: view.quantityList } : {}),
    ...(view.bizTransactionList === undefined
      ? {}
      : { bizTransactionList: view.bizTransactionList.map(exportedTransaction) }),
    readPoint: { id: `${site}/station/${encodeURIComponent(event.stationId)}` },
    bizLocation: { id: site },
    "packbench:eventType": event.type,
    "packbench:station": event.stationId,
    "packbench:epoch": event.epoch,
    "packbench:seq": event.seq
  }
  return document
}

/** An EPCISDocument (EPCIS 2.0 §9) holding the given events, for export to a trading partner or repository. */
export const toEpcisDocument = (events: ReadonlyArray<EventEnvelope>, creationDateMs: number) => ({
  ...epcisDocumentHead(creationDateMs),
  epcisBody: { eventList: events.flatMap((event) => toEpcisEvent(event) ?? []) }
})

/** An EPCISDocument's members before its body, for writers that stream the event list. */
export const epcisDocumentHead = (creationDateMs: number) => ({
  "@context": EPCIS_CONTEXT,
  type: "EPCISDocument",
  schemaVersion: "2.0",
  creationDate: new Date(creationDateMs).toISOString()
})
