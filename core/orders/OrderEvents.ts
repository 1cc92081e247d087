/** The events the station records about orders, with their EPCIS views. */
import { Schema } from "effect"
import { IdText } from "../bounds/Bounds.ts"
import { orderTransaction } from "../events/Epcis.ts"
import type { EpcisView, EventEnvelope } from "../events/Event.ts"
import { defineEvent } from "../events/EventDefinition.ts"
import { Address, Order, OrderStatus } from "./Order.ts"

/** The station took an order from the shop (or a newer version of it); the hub learns the customer from it. */
export const OrderReceived = defineEvent({
  type: "order.received",
  version: 1,
  payload: Schema.Struct({ order: Order, replacedVersion: Schema.NullOr(Schema.Int) })
})

/**
 * The shop cancelled the order, by `order.cancel` or by a version of it whose status is cancelled (recorded after that
 * version's `order.received`). `parcelHeld` came later: optional, so the events recorded before it still decode (at
 * version 1: a hub that does not know it reads the rest as before).
 */
export const OrderCancelled = defineEvent({
  type: "order.cancelled",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    orderVersion: Schema.Int,
    /** The order's status at this station before, or `new`: it arrived cancelled, never known here before. */
    previousStatus: Schema.String,
    /** The order was open on this bench when the cancellation arrived: the packer was interrupted. */
    interruptedPacking: Schema.Boolean,
    /**
     * The order was packed and its parcel is still at the station: it does not leave (handover refuses it), a
     * manager voids it and the order ends cancelled. Absent from stations that let such a parcel ship.
     */
    parcelHeld: Schema.optional(Schema.Boolean)
  }),
  epcis: (payload) => ({
    eventType: "TransactionEvent",
    action: "DELETE",
    bizStep: "void_shipping",
    bizTransactionList: orderTransaction(payload.orderId)
  })
})

/**
 * The EPCIS view of an order's reinstatement, in the station's export and the hub's alike: the shop took back the
 * cancellation whose void (`order.cancelled`'s view) is in force, so the order is a business transaction again. GS1
 * EPCIS 2.0 (Release 2.0, Jun 2022, §7.4.5 TransactionEvent; the action's meaning as EPCglobal's TransactionEventType
 * defines it): ADD says objects "have been associated to the business transaction(s) during this event", which
 * "includes situations where the transaction(s) is created for the first time"; DELETE without objects, the void,
 * ended it. GS1's EPCIS 2.0 JSON Schema (gs1/EPCIS, JSON-Schema/EPCIS-JSON-Schema.json, the copy in fixtures/epcis)
 * lets only a DELETE go without both, and takes an ADD with an `epcList` that is empty: it names no objects, as the
 * void named none (and the hub keeps no order's lines); the goods come back to the order with the packing events that
 * name it, as for any order. CBV 2.0 has no business step for an order taken back (its steps are about goods:
 * `void_shipping` is the void's), so the step is CBV's `other`; no disposition, as no object's condition changes
 * (EPCIS 2.0: an omitted disposition is unchanged).
 */
export const reinstatementView = (orderId: string): EpcisView => ({
  eventType: "TransactionEvent",
  action: "ADD",
  bizStep: "other",
  epcList: [],
  bizTransactionList: orderTransaction(orderId)
})

/**
 * The shop took a cancellation back: a newer version of an order cancelled at this station, whose status is not
 * cancelled (recorded after that version's `order.received`). `status` is what the order is here again: the shop's
 * status, packed when its parcel is still here, or shipped when it had left (the order stayed shipped, and its
 * cancellation's void is taken back all the same). The hub no longer counts the order cancelled, unless it has heard
 * of a newer cancellation. The station's EPCIS export gives it `reinstatementView` (`withExportedView`); the event
 * carries no view itself, so the hub, which exports a reinstatement once however many stations tell of it, never
 * takes one as a station's own (a hub of the release before stored each station's view, and refused one where it
 * exported the reinstatement itself).
 */
export const OrderReinstated = defineEvent({
  type: "order.reinstated",
  version: 1,
  payload: Schema.Struct({ orderId: Schema.String, orderVersion: Schema.Int, status: OrderStatus })
})

/**
 * An event as the station's EPCIS export reads it: `order.reinstated` with `reinstatementView`, whenever it was
 * recorded; an `order.cancelled` recorded while the order's cancellation was in force (`isRepeat`, station migration
 * 0111's `repeated_cancellations`) with no view, as the hub exports one void per cancellation in force; every other
 * event as recorded.
 */
export const withExportedView = (
  event: EventEnvelope,
  isRepeat: (eventId: string) => boolean = () => false
): EventEnvelope => {
  if (event.type === OrderCancelled.type && event.epcis !== undefined && isRepeat(event.id)) {
    const { epcis: _, ...withoutView } = event
    return withoutView
  }
  if (event.type !== OrderReinstated.type || event.epcis !== undefined) return event
  const orderId = (event.payload as { readonly orderId?: unknown } | null)?.orderId
  return typeof orderId === "string" ? { ...event, epcis: reinstatementView(orderId) } : event
}

/**
 * The order's address was corrected: by its source (the shop, or the hub's shop side for a connector's order), or by
 * the customer on the hub's page for an order no connector brought (`correction`). `previousShipTo`,
 * `parcelAlreadyHandedOver` and `correction` came later: optional, so the events recorded before them still decode (at
 * version 1: a hub that does not know them reads the rest as before).
 */
export const OrderAddressCorrected = defineEvent({
  type: "order.address-corrected",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    orderVersion: Schema.Int,
    shipTo: Address,
    releasedHold: Schema.Boolean,
    /**
     * The order's parcel is still here with a label made for the old address: it must not leave with it. Handover
     * and reprint refuse it until a manager voids it and it is packed again (the name is older than that way out).
     */
    labelReprintRequired: Schema.Boolean,
    /** The address the correction replaces. */
    previousShipTo: Schema.optional(Address),
    /** The parcel was with the carrier already: it travels to `previousShipTo`, whatever the order says now. */
    parcelAlreadyHandedOver: Schema.optional(Schema.Boolean),
    /**
     * The hub's number of a customer's correction (the hold it answers): the correction is a fact on top of the order,
     * which keeps its source's version (`orderVersion`, unchanged by it). Absent for a correction from the source.
     */
    correction: Schema.optional(Schema.Int)
  })
})

/**
 * Why the station did not apply the hub's correction of an order's address (`order.hub-address-correction`), in a word
 * the hub acts on. The hub tells the customer one outcome per correction, decided from every station's word, not from
 * one station's: `handed-to-carrier` is told at once (the parcel travels to the address it was labelled for, whatever
 * the other stations did); `source-changed` only once no station keeps the correction and every station has answered
 * (or the hub's wait for answers is over), and not while a parcel of the order is known to have left; `not-newer` (a
 * correction older than one already taken: the customer's newer one holds) tells nothing and counts as keeping it.
 */
export const HubCorrectionIgnoredCause = Schema.Literals(["not-newer", "source-changed", "handed-to-carrier"])
export type HubCorrectionIgnoredCause = typeof HubCorrectionIgnoredCause.Type

/**
 * An inbound message the station did not apply, and why (`reason`, for people). `cause` came later, for the hub's
 * corrections (`HubCorrectionIgnoredCause`, with `receivedVersion` the correction's number): optional, so events
 * recorded before it still decode, and any id, so a hub that does not know a newer station's word is not made to
 * refuse the event for it (such a word tells the customer nothing by itself: the hub counts the station as not keeping
 * the correction, and waits out its wait for answers before it tells the source's address). `keptShipTo` came with it.
 */
export const InboundUpdateIgnored = defineEvent({
  type: "inbound.update-ignored",
  version: 1,
  payload: Schema.Struct({
    messageType: Schema.String,
    orderId: Schema.String,
    receivedVersion: Schema.Int,
    storedVersion: Schema.Int,
    reason: Schema.String,
    cause: Schema.optional(IdText),
    /**
     * For a hub correction not applied for `source-changed` or `handed-to-carrier`: the address the order keeps (the
     * one its parcel travels to), so the hub's copy of the order, which took the correction when the customer made
     * it, goes back to it.
     */
    keptShipTo: Schema.optional(Address)
  })
})
