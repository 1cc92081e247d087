/** Records the order and return facts from station events that the hub's customer metrics need. */
import { Effect } from "effect"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { decodePayload } from "../../../core/events/EventDefinition.ts"
import { OrderReceived } from "../../../core/orders/OrderEvents.ts"
import { ReturnCancelled, ReturnReceived } from "../../../core/returns/ReturnsEvents.ts"
import { Sql } from "../../../core/store/Sql.ts"

/**
 * What the customer metrics need from station events beyond the hub's own state: when an order was placed (the
 * repurchase rate) and which orders came back (the return rate, without the returns a clerk voided). Runs inside the consumer's transaction with the
 * rest of the projection; first sight wins, so a redelivered or re-versioned event changes nothing.
 */
export const recordMetricsFacts = Effect.fnUntraced(function* (event: EventEnvelope) {
  const sql = yield* Sql
  switch (event.type) {
    case OrderReceived.type: {
      const { order } = yield* decodePayload(OrderReceived, event.payload)
      const placedAtMs = Date.parse(order.placedAt)
      yield* sql.write(
        `INSERT INTO hub_metrics_orders (order_id, customer_id, placed_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (order_id) DO NOTHING`,
        // An unreadable placement time counts the order when the hub first saw it rather than losing it.
        [order.orderId, order.customer.customerId, Number.isNaN(placedAtMs) ? event.eventTime.wallMs : placedAtMs]
      )
      return
    }
    case ReturnReceived.type: {
      const received = yield* decodePayload(ReturnReceived, event.payload)
      // A parcel the station could not match to an order says nothing about any order's return rate.
      if (received.orderId === null) return
      yield* sql.execute(
        `INSERT INTO hub_metrics_returns (return_id, order_id, parcel_id, received_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (return_id) DO NOTHING`,
        [received.returnId, received.orderId, received.parcelId, event.eventTime.wallMs]
      )
      return
    }
    case ReturnCancelled.type: {
      // The clerk voided a return opened by mistake: it stays on record but no longer counts as a return.
      const cancelled = yield* decodePayload(ReturnCancelled, event.payload)
      yield* sql.execute(
        "UPDATE hub_metrics_returns SET voided_at_ms = ? WHERE return_id = ? AND voided_at_ms IS NULL",
        [event.eventTime.wallMs, cancelled.returnId]
      )
      return
    }
    default:
      return
  }
})
