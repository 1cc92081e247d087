/** The events the pack bench records: items verified, parcels packed, voided and handed over, refusals, holds. */
import { Schema } from "effect"
import { Bounds } from "../bounds/Bounds.ts"
import { orderTransaction } from "../events/Epcis.ts"
import type { EpcisView } from "../events/Event.ts"
import { defineEvent } from "../events/EventDefinition.ts"
import { PackedPhoto } from "../evidence/PackedPhoto.ts"
import { type ItemQualifier, itemDigitalLink } from "../scan/gs1/formatDigitalLink.ts"
import { RefusalCode } from "./PackRefusal.ts"

/**
 * GS1 Digital Link URIs name items in EPCIS 2.0 without knowing the length of each brand's company prefix; they are
 * written by the GS1 writer (core/scan/gs1/formatDigitalLink.ts), so they read back with parseDigitalLink. A GTIN
 * that is no valid GTIN gives no URI (undefined): nothing GS1 names it, and the event's payload keeps it as it was.
 */
const itemUri = (gtin: string, qualifier?: ItemQualifier): string | undefined => {
  const link = itemDigitalLink(gtin, qualifier)
  return link.ok ? link.uri : undefined
}

/** Counts of one class per URI, summed, in first-seen order; classes without a URI are left out. */
const classCounts = (
  counts: ReadonlyArray<{ readonly epcClass: string | undefined; readonly quantity: number }>
): Array<{ readonly epcClass: string; readonly quantity: number }> => {
  const summed = new Map<string, number>()
  for (const { epcClass, quantity } of counts) {
    if (epcClass !== undefined && quantity > 0) summed.set(epcClass, (summed.get(epcClass) ?? 0) + quantity)
  }
  return [...summed].map(([epcClass, quantity]) => ({ epcClass, quantity }))
}

const AddressProblem = Schema.Struct({ field: Schema.String, code: Schema.String, message: Schema.String })

/** The address cannot be shipped to as it is: the order waits and the customer is asked to correct it. */
export const OrderAddressHold = defineEvent({
  type: "order.address-hold",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    customerEmail: Schema.String,
    customerLocale: Schema.String,
    carrier: Schema.String,
    problems: Schema.Array(AddressProblem),
    request: Schema.Literal("customer-correction")
  }),
  epcis: (payload): EpcisView => ({
    eventType: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "holding",
    disposition: "non_sellable_other",
    bizTransactionList: orderTransaction(payload.orderId)
  })
})

/**
 * Something the bench refused (wrong item, weight off, ...): the floor lead reviews these. A refused scan keeps its
 * first 256 characters (`raw`) and its whole length (`rawLength`), so a 1 MB "scan" costs the log and the hub 256.
 */
export const PackException = defineEvent({
  type: "pack.exception",
  version: 1,
  payload: Schema.Struct({
    code: RefusalCode,
    reason: Schema.String,
    raw: Schema.optional(Schema.String.check(Schema.isMaxLength(Bounds.maxRawScanChars))),
    rawLength: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
    orderId: Schema.optional(Schema.String),
    otherOrderId: Schema.optional(Schema.String)
  })
})

export const PackedItem = Schema.Struct({
  lineId: Schema.String,
  sku: Schema.String,
  gtin: Schema.String,
  quantity: Schema.Int,
  shortShipped: Schema.Int,
  serials: Schema.Array(Schema.String),
  lots: Schema.Array(Schema.Struct({ lot: Schema.String, quantity: Schema.Int }))
})

/** One parcel closed: what is in it, how heavy, in which box, with which carrier and number, packed by whom. */
export const ParcelPacked = defineEvent({
  type: "parcel.packed",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    sscc: Schema.optional(Schema.String),
    ssccUrn: Schema.optional(Schema.String),
    items: Schema.Array(PackedItem),
    shortShips: Schema.Array(Schema.Struct({ lineId: Schema.String, quantity: Schema.Int, reason: Schema.String })),
    weightGrams: Schema.Number,
    /** Read from the scale or typed by the packer; absent in events recorded before the station knew scales. */
    weightSource: Schema.optional(Schema.Literals(["typed", "scale"])),
    expectedWeightGrams: Schema.Number,
    boxId: Schema.String,
    carrier: Schema.String,
    trackingNumber: Schema.String,
    packer: Schema.Struct({ badgeId: Schema.String, name: Schema.String }),
    stationId: Schema.String,
    /** The evidence still taken at "packed"; absent without a camera and in events from before cameras. */
    photo: Schema.optional(PackedPhoto)
  }),
  epcis: (payload): EpcisView => {
    // Serialised items are all in epcList (each unit was scanned with its serial); the rest count by lot or GTIN. A
    // serial or lot the URI syntax cannot carry (too long, characters outside GS1's set) counts under the GTIN alone.
    const serialised = payload.items.flatMap((item) =>
      item.serials.flatMap((serial) => {
        const uri = itemUri(item.gtin, { ai: "21", value: serial })
        return uri === undefined ? [] : [uri]
      })
    )
    const quantities = classCounts(
      payload.items.flatMap((item) => {
        if (item.serials.length > 0) {
          const unnamed = item.serials.filter((serial) => itemUri(item.gtin, { ai: "21", value: serial }) === undefined)
          return [{ epcClass: itemUri(item.gtin), quantity: unnamed.length }]
        }
        const loose = item.quantity - item.lots.reduce((sum, lot) => sum + lot.quantity, 0)
        return [
          ...item.lots.map((lot) => ({
            epcClass: itemUri(item.gtin, { ai: "10", value: lot.lot }) ?? itemUri(item.gtin),
            quantity: lot.quantity
          })),
          { epcClass: itemUri(item.gtin), quantity: loose }
        ]
      })
    )
    return {
      eventType: "AggregationEvent",
      action: "ADD",
      bizStep: "packing",
      disposition: "in_progress",
      ...(payload.ssccUrn === undefined ? {} : { parentID: payload.ssccUrn }),
      epcList: serialised,
      quantityList: quantities,
      bizTransactionList: orderTransaction(payload.orderId)
    }
  }
})

/**
 * A parcel closed while its carrier's label service was out of reach: the packer moved on, the parcel waits at the
 * bench for its label. Deliberately no EPCIS view: the packing (AggregationEvent ADD) is recorded once, by the
 * `parcel.packed` the station appends when the carrier answers, with this event's time as its event time, so EPCIS
 * consumers and the hub see one packing per parcel, always with its tracking number, and no event is ever edited.
 */
export const ParcelLabelPending = defineEvent({
  type: "parcel.label-pending",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    carrier: Schema.String,
    reason: Schema.String,
    weightGrams: Schema.Number,
    boxId: Schema.String,
    packer: Schema.Struct({ badgeId: Schema.String, name: Schema.String }),
    stationId: Schema.String
  })
})

/**
 * The shop numbered the lines of a parcel's order anew over the same items (a new version whose lines have other ids,
 * or split an item over other lines, as Shopware's order edit does): the parcel may leave as it is, and from
 * `orderVersion` on its units count on the order's new lines. `moves` says which units of each line the parcel was
 * packed for count on which new line (`lineRenumbering`: per item, the first units to the first line the shop lists);
 * `items` is what the parcel holds now by the new lines, as `parcel.packed`'s items say it by the old ones (short-
 * shipped units left out). The parcel's `parcel.packed` is never rewritten: a reader that matches its units to the
 * order's lines (returns, the shop's fulfillments and refunds) applies this correction after it. No EPCIS view:
 * nothing physical changed, and EPCIS names the parcel's items by GTIN and serial, not by the shop's lines.
 */
export const ParcelLinesRenumbered = defineEvent({
  type: "parcel.lines-renumbered",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    orderVersion: Schema.Int,
    moves: Schema.Array(
      Schema.Struct({ fromLineId: Schema.String, toLineId: Schema.String, sku: Schema.String, quantity: Schema.Int })
    ),
    items: Schema.Array(Schema.Struct({ lineId: Schema.String, sku: Schema.String, quantity: Schema.Int }))
  })
})

/** A packed parcel taken apart again; its tracking number and SSCC are never used again. */
export const ParcelVoided = defineEvent({
  type: "parcel.voided",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    carrier: Schema.String,
    trackingNumber: Schema.String,
    ssccUrn: Schema.optional(Schema.String),
    reason: Schema.String
  }),
  epcis: (payload): EpcisView => ({
    eventType: "AggregationEvent",
    action: "DELETE",
    bizStep: "unpacking",
    ...(payload.ssccUrn === undefined ? {} : { parentID: payload.ssccUrn }),
    bizTransactionList: orderTransaction(payload.orderId)
  })
})

/**
 * A parcel that waited for its label, voided by a manager while no request for the label can have reached the
 * carrier: its pending request was withdrawn in the same commit, so no shipment and no tracking number exist for it.
 * Deliberately no EPCIS view: a parcel's packing (AggregationEvent ADD) is recorded only with its label (see
 * `parcel.label-pending`), so there is no aggregation to delete.
 */
export const ParcelVoidedBeforeLabel = defineEvent({
  type: "parcel.voided-before-label",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    carrier: Schema.String,
    ssccUrn: Schema.optional(Schema.String),
    reason: Schema.String
  })
})

/**
 * The carrier has no live shipment left for a parcel id the station asked it for a label under and will not use: a
 * voided parcel's, or one whose packing was left before its parcel committed (see `LabelReservations`). `cancelled`,
 * the carrier cancelled the shipment at the station's request; `not-found`, it had none to cancel under the number
 * (cancelled before, or never made); `none-made` (no tracking number), asked again under the id's key it refused the
 * request, so it never made one. Recorded when the carrier answered, which may be long after the void
 * (`parcel.voided`) while it was out of reach. No EPCIS view: the unpacking is `parcel.voided`'s, and a packing that
 * never committed packed nothing.
 */
export const ParcelShipmentCancelled = defineEvent({
  type: "parcel.shipment-cancelled",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    carrier: Schema.String,
    trackingNumber: Schema.optional(Schema.String),
    answer: Schema.Literals(["cancelled", "not-found", "none-made"]),
    /** Why the shipment was cancelled: the void's reason, or that the packing was not completed. */
    reason: Schema.String
  })
})

/**
 * A manager cancelled a voided parcel's shipment in the carrier's portal, as the station could not (the carrier is no
 * longer set up for the web service that made it: `carrier_cancellations.by_hand`), and said so at the station:
 * the cancellation ends here, with the manager as the actor. `trackingNumber` is absent when the station never
 * learnt the number (the manager looked the shipment up by the parcel id). `portalAnswer` is what the manager found
 * there: the shipment `cancelled`, with `reference` (the portal's cancellation number, or what it showed), or
 * `no-shipment` at the carrier at all, with the manager's `note` instead (where and how they looked); `reason`, why
 * the shipment was cancelled (the void's). The previous release wrote this version without `portalAnswer`, always
 * with a `reference`: absent, it is `cancelled` (the only answer then), so a log holding both reads as one. Never
 * edited: a correction is a new event (`parcel.shipment-by-hand-reopened`). No EPCIS view, as for
 * `parcel.shipment-cancelled`.
 */
export const ParcelShipmentCancelledByHand = defineEvent({
  type: "parcel.shipment-cancelled-by-hand",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    carrier: Schema.String,
    trackingNumber: Schema.optional(Schema.String),
    portalAnswer: Schema.optional(Schema.Literals(["cancelled", "no-shipment"])),
    reference: Schema.optional(Schema.String),
    note: Schema.optional(Schema.String),
    reason: Schema.String
  })
})

/**
 * A manager took back a close of a by-hand cancellation (`parcel.shipment-cancelled-by-hand`) entered by mistake: the
 * shipment may still be live at the carrier, so its cancellation waits again for a person (or for the station, once the
 * carrier's web service is set up again), with the manager as the actor. `closedAtMs` names the close taken back (a
 * parcel may be closed and reopened more than once); `reason` is the manager's why. The close stays recorded as it
 * was: this is the correction, never an edit of it. No EPCIS view, as for the close.
 */
export const ParcelShipmentByHandReopened = defineEvent({
  type: "parcel.shipment-by-hand-reopened",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    parcelId: Schema.String,
    carrier: Schema.String,
    trackingNumber: Schema.optional(Schema.String),
    closedAtMs: Schema.Number,
    reason: Schema.String
  })
})

/** The carrier's driver took the parcel; the event time is when it was scanned into the handover batch. */
export const ParcelHandedToCarrier = defineEvent({
  type: "parcel.handed-to-carrier",
  version: 1,
  payload: Schema.Struct({
    batchId: Schema.String,
    parcelId: Schema.String,
    orderId: Schema.String,
    carrier: Schema.String,
    trackingNumber: Schema.String,
    ssccUrn: Schema.optional(Schema.String)
  }),
  epcis: (payload): EpcisView => ({
    eventType: "ObjectEvent",
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    ...(payload.ssccUrn === undefined ? {} : { epcList: [payload.ssccUrn] }),
    bizTransactionList: orderTransaction(payload.orderId)
  })
})

const ScannedUnit = {
  orderId: Schema.String,
  lineId: Schema.String,
  sku: Schema.String,
  /** As the catalog holds it (8, 12, 13 or 14 digits). */
  gtin: Schema.String,
  serial: Schema.optional(Schema.String),
  lot: Schema.optional(Schema.String)
}

/**
 * The unit by its serial, else its class by lot where known, else by GTIN alone (also when the serial or lot cannot
 * be carried in a Digital Link URI); nothing when the GTIN is no GTIN.
 */
const observedWhat = (payload: {
  readonly gtin: string
  readonly serial?: string | undefined
  readonly lot?: string | undefined
  readonly quantity: number
}) => {
  const unit = payload.serial === undefined ? undefined : itemUri(payload.gtin, { ai: "21", value: payload.serial })
  if (unit !== undefined) return { epcList: [unit] }
  const lotClass = payload.lot === undefined ? undefined : itemUri(payload.gtin, { ai: "10", value: payload.lot })
  const epcClass = lotClass ?? itemUri(payload.gtin)
  return epcClass === undefined ? {} : { quantityList: [{ epcClass, quantity: payload.quantity }] }
}

/** What a scan at the bench saw, as EPCIS: the unit by serial, else its class (by lot where known) and count. */
const observedAtBench = (payload: {
  readonly orderId: string
  readonly gtin: string
  readonly serial?: string | undefined
  readonly lot?: string | undefined
  readonly quantity: number
}): EpcisView => ({
  eventType: "ObjectEvent",
  action: "OBSERVE",
  bizStep: "packing",
  disposition: "in_progress",
  ...observedWhat(payload),
  bizTransactionList: orderTransaction(payload.orderId)
})

/**
 * The bench took a scanned unit for an order line: what was scanned (its first 256 characters), what it was
 * identified as, by which device, at the device's time (the envelope's event time, with its NTP offset). With the
 * refusals (`pack.exception`) and the parcel, the log answers "the parcel was missing an item" scan by scan.
 */
export const PackItemVerified = defineEvent({
  type: "pack.item-verified",
  version: 1,
  payload: Schema.Struct({
    ...ScannedUnit,
    quantity: Schema.Int,
    raw: Schema.String,
    deviceId: Schema.optional(Schema.String)
  }),
  epcis: observedAtBench
})

/**
 * "Scan once, type 12": the packer said the last scan stands for `quantity` identical units (was `previous`). No
 * EPCIS view: a count can go down as well as up, and the parcel's `parcel.packed` counts what went in.
 */
export const PackQuantitySet = defineEvent({
  type: "pack.quantity-set",
  version: 1,
  payload: Schema.Struct({ ...ScannedUnit, quantity: Schema.Int, previous: Schema.Int })
})

/**
 * The packer took the last scan back (the unit went back to the shelf). A correction of the `pack.item-verified`
 * before it, so no EPCIS view of its own: the parcel's `parcel.packed` says what was packed in the end.
 */
export const PackScanUndone = defineEvent({
  type: "pack.scan-undone",
  version: 1,
  payload: Schema.Struct({ ...ScannedUnit, quantity: Schema.Int })
})
