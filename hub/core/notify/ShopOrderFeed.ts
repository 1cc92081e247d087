/** Follows the shop's order stream to the stations, the hub's source of customer contact data. */
import { Effect, Schema, type Scope } from "effect"
import { jsonBoundsProblem } from "../../../core/bounds/JsonBounds.ts"
import { ShopOrder } from "../../../core/orders/Order.ts"
import { Broker, type BrokerError, type BrokerMessage } from "../../../core/sync/Broker.ts"
import { InboxMessage } from "../../../core/sync/Inbox.ts"
import { decodeJson, parseTopic } from "../../../core/sync/Topics.ts"
import type { HubProjection } from "./HubProjection.ts"

/** The shop's messages to every station's inbox, its own stream (one level per type: never the hub's `inbox/hub/…`). */
export const SHOP_INBOX_FILTER = "packbench/v1/+/+/inbox/+"

const decodeMessage = Schema.decodeUnknownEffect(InboxMessage)
const decodeOrder = Schema.decodeUnknownEffect(ShopOrder)

/**
 * Follows the shop's own order stream, the one source the hub takes customer data (e-mail, name, language) and paid
 * amounts from: the broker lets only the shop side publish there. Stations' events still tell the hub of orders it
 * has not heard of, but never change what it knows. What does not read as an order the shop may send (`ShopOrder`, the
 * stations' own reading) is left to the stations' inboxes, which quarantine it where a manager sees it: the hub takes
 * no customer data or paid amounts from an order no station took.
 */
export const followShopOrders = (
  projection: HubProjection["Service"]
): Effect.Effect<void, BrokerError, Broker | Scope.Scope> =>
  Effect.gen(function* () {
    const broker = yield* Broker
    const apply = (message: BrokerMessage) =>
      Effect.gen(function* () {
        const topic = parseTopic(message.topic)
        if (topic === undefined || topic.kind !== "inbox" || topic.rest !== "order.upsert") return
        const json = decodeJson(message.payload)
        if (!json.ok || jsonBoundsProblem(json.value) !== undefined) return
        const inbound = yield* decodeMessage(json.value).pipe(Effect.option)
        if (inbound._tag === "None" || inbound.value.type !== "order.upsert") return
        const order = yield* decodeOrder(inbound.value.payload).pipe(Effect.option)
        if (order._tag === "None") return
        yield* projection.applyShopOrder(order.value, topic.siteId, topic.stationId)
      }).pipe(
        Effect.catchCause((cause) => Effect.logWarning("hub: taking an order from the shop's stream failed", cause))
      )
    yield* broker.subscribe(SHOP_INBOX_FILTER, apply)
  })
