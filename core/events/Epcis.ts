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
  readonly errorDeclaration?: {
    readonly declarationTime: string
    readonly reason: string
    readonly "packbench:correctedBy": string
  }
  readonly "packbench:eventType": string
  /** The station event's: absent from the hub's word for the shop's stream, which no station recorded. */
  readonly "packbench:station"?: string
  readonly "packbench:epoch"?: string
  readonly "packbench:seq"?: number
  /** The hub's shop connector the shop's stream told it through, when one keeps the order. */
  readonly "packbench:connector"?: string
  /** The order's version the shop's stream carried. */
  readonly "packbench:orderVersion"?: number
}

/**
 * Where and in which zone the events happened: the site's IANA time zone gives each event its eventTimeZoneOffset at
 * that instant; the site's and the station's location are GS1 SGLNs or other URIs when configured, else Packbench's
 * own URIs under LOCATION_BASE.
 */
export interface EpcisPlaces {
  readonly timeZone: string
  /** bizLocation of every event of the site, e.g. `urn:epc:id:sgln:4012345.00001.0`. */
  readonly siteLocation?: string | undefined
  /** readPoint of every event of the station, e.g. `urn:epc:id:sgln:4012345.00001.7`. */
  readonly readPoint?: string | undefined
}

const UTC: EpcisPlaces = { timeZone: "UTC" }

/** A location the configuration may name: an SGLN EPC URI, or an http(s) URI (a GS1 Digital Link for a GLN). */
export const isEpcisLocation = (text: string): boolean =>
  text.length <= 512 &&
  (/^urn:epc:id:sgln:[0-9]{6,12}\.[0-9]{0,6}\.[!%-?A-Z_a-z]{1,20}$/.test(text) ||
    /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[\x21-\x7e]*)?$/.test(text))

/**
 * One formatter per zone: building an Intl.DateTimeFormat costs far more than formatting with it, and every event
 * the hub records asks for its site's offset. The zones come from configuration; the map is bounded all the same.
 */
const offsetFormatters = new Map<string, Intl.DateTimeFormat>()
const offsetFormatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = offsetFormatters.get(timeZone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    if (offsetFormatters.size >= 64) offsetFormatters.clear()
    offsetFormatters.set(timeZone, formatter)
  }
  return formatter
}

/**
 * The offset from UTC of `timeZone` at `wallMs`, as EPCIS 2.0 writes it (`+01:00`, `-05:30`, `+00:00`): the offset
 * in force at that instant, so a summer event says +02:00 and a winter one +01:00 in Berlin.
 */
export const timeZoneOffset = (wallMs: number, timeZone: string): string => {
  const name =
    offsetFormatterFor(timeZone)
      .formatToParts(new Date(wallMs))
      .find((part) => part.type === "timeZoneName")?.value ?? "GMT"
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name)
  return match === null ? "+00:00" : `${match[1]}${match[2]}:${match[3]}`
}

/**
 * The EPCIS 2.0 JSON-LD event of a Packbench event, or undefined for events with no EPCIS meaning (sign-ins).
 * eventTime is when the device saw it happen, recordTime when the station recorded it (EPCIS 2.0 §7.4.1); both
 * UTC, with the site's offset at that instant beside them. An AggregationEvent names its children `childEPCs` and
 * `childQuantityList`, an ObjectEvent `epcList` and `quantityList` (§7.4.2-7.4.3).
 */
export const toEpcisEvent = (event: EventEnvelope, places: EpcisPlaces = UTC): EpcisEventDocument | undefined => {
  const view = event.epcis
  if (view === undefined) return undefined
  const site = places.siteLocation ?? `${LOCATION_BASE}/site/${encodeURIComponent(event.siteId)}`
  const readPoint =
    places.readPoint ??
    `${LOCATION_BASE}/site/${encodeURIComponent(event.siteId)}/station/${encodeURIComponent(event.stationId)}`
  const aggregation = view.eventType === "AggregationEvent"
  const document: EpcisEventDocument = {
    type: view.eventType,
    eventID: `urn:uuid:${event.id}`,
    eventTime: new Date(event.eventTime.wallMs).toISOString(),
    eventTimeZoneOffset: timeZoneOffset(event.eventTime.wallMs, places.timeZone),
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
    readPoint: { id: readPoint },
    bizLocation: { id: site },
    "packbench:eventType": event.type,
    "packbench:station": event.stationId,
    "packbench:epoch": event.epoch,
    "packbench:seq": event.seq
  }
  return document
}

/**
 * The id of the event `event` declares erroneous, when it is a correction that names one: a cancelled return names
 * the `return.received` opened by mistake (`corrects`). Other events correct nothing.
 */
export const correctedEventId = (event: EventEnvelope): string | undefined => {
  if (event.type !== "return.cancelled") return undefined
  const corrects = (event.payload as { readonly corrects?: unknown } | null)?.corrects
  return typeof corrects === "string" && /^[0-9a-f-]{36}$/.test(corrects) ? corrects : undefined
}

/**
 * An EPCIS 2.0 error declaration (§7.4.1.2): the erroneous event as it was exported, same eventID, what, where and
 * when, with an `errorDeclaration` saying when the correction was made and why (CBV `incorrect_data`); its
 * recordTime and the Packbench members are the correction's, so it sorts and pages where the correction happened.
 */
export const toErrorDeclaration = (original: EpcisEventDocument, correction: EventEnvelope): EpcisEventDocument => ({
  ...original,
  recordTime: new Date(correction.recordTimeMs).toISOString(),
  errorDeclaration: {
    declarationTime: new Date(correction.eventTime.wallMs).toISOString(),
    reason: "incorrect_data",
    "packbench:correctedBy": `urn:uuid:${correction.id}`
  },
  "packbench:eventType": correction.type,
  "packbench:station": correction.stationId,
  "packbench:epoch": correction.epoch,
  "packbench:seq": correction.seq
})

/**
 * The EPCIS event of any Packbench event: its own view, or for a correction the error declaration of the event it
 * corrects (looked up by id, by the caller's store); undefined when it has neither.
 */
export const epcisEventOf = (
  event: EventEnvelope,
  places: EpcisPlaces,
  original: (eventId: string) => EpcisEventDocument | undefined
): EpcisEventDocument | undefined => {
  const own = toEpcisEvent(event, places)
  if (own !== undefined) return own
  const corrected = correctedEventId(event)
  if (corrected === undefined) return undefined
  const erroneous = original(corrected)
  return erroneous === undefined ? undefined : toErrorDeclaration(erroneous, event)
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
