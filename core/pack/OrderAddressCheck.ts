/** Checks an opened order's address against its carrier and holds the order when it cannot ship. */
import { Effect } from "effect"
import { findCarrier } from "../address/AddressCarrier.ts"
import { checkAddress } from "../address/checkAddress.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { EventLog } from "../events/EventLog.ts"
import type { Order } from "../orders/Order.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { OrderAddressHold } from "./PackEvents.ts"
import type { AddressCheckView } from "./PackView.ts"

/**
 * The address check of an order the bench opens, against its carrier's rules, and the hold that stops an order whose
 * address would not carry: the order goes to `address-hold` and the customer is asked for a correction, in one
 * transaction.
 */
export const makeOrderAddressCheck = (originCountry: string) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock
    const carriers = yield* Carriers

    const check = (order: Order): AddressCheckView => {
      const addressCarrier = carriers.profile(order.carrier)?.addressCarrier
      const carrier = addressCarrier === undefined ? undefined : findCarrier(addressCarrier)
      const result = checkAddress(order.shipTo, {
        locale: order.customer.locale,
        originCountry,
        ...(carrier === undefined ? {} : { carrier })
      })
      return { ok: result.ok, errors: result.errors, formatted: result.formatted }
    }

    const hold = (order: Order, checked: AddressCheckView, operator: Operator, at: Timestamp) =>
      Effect.gen(function* () {
        const now = yield* clock.now
        yield* sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute(
              "UPDATE orders SET status = 'address-hold', data = json_set(data, '$.status', 'address-hold'), updated_at_ms = ? WHERE order_id = ?",
              [now.wallMs, order.orderId]
            )
            yield* log.append(
              OrderAddressHold,
              {
                orderId: order.orderId,
                customerEmail: order.customer.email,
                customerLocale: order.customer.locale,
                carrier: order.carrier,
                problems: checked.errors,
                request: "customer-correction"
              },
              { eventTime: at, actor: actorOf(operator) }
            )
          })
        )
      })

    return { check, hold }
  })
