/** The events the station records about orders, with their EPCIS views. */
import { Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"
import { Address, Order } from "./Order.ts"

const orderTransaction = (orderId: string) => [{ type: "po", bizTransaction: `urn:packbench:order:${orderId}` }]

/** The station took an order from the shop (or a newer version of it); the hub learns the customer from it. */
export const OrderReceived = defineEvent({
  type: "order.received",
  version: 1,
  payload: Schema.Struct({ order: Order, replacedVersion: Schema.NullOr(Schema.Int) })
})

export const OrderCancelled = defineEvent({
  type: "order.cancelled",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    orderVersion: Schema.Int,
    previousStatus: Schema.String,
    /** The order was open on this bench when the cancellation arrived: the packer was interrupted. */
    interruptedPacking: Schema.Boolean
  }),
  epcis: (payload) => ({
    eventType: "TransactionEvent",
    action: "DELETE",
    bizStep: "void_shipping",
    bizTransactionList: orderTransaction(payload.orderId)
  })
})

export const OrderAddressCorrected = defineEvent({
  type: "order.address-corrected",
  version: 1,
  payload: Schema.Struct({
    orderId: Schema.String,
    orderVersion: Schema.Int,
    shipTo: Address,
    releasedHold: Schema.Boolean,
    /** The label was printed with the old address: it must be reprinted before the parcel leaves. */
    labelReprintRequired: Schema.Boolean
  })
})

export const InboundUpdateIgnored = defineEvent({
  type: "inbound.update-ignored",
  version: 1,
  payload: Schema.Struct({
    messageType: Schema.String,
    orderId: Schema.String,
    receivedVersion: Schema.Int,
    storedVersion: Schema.Int,
    reason: Schema.String
  })
})
