import { Effect } from "effect"
import { expect, it } from "vitest"
import type { Order } from "../../../core/orders/Order.ts"
import { Broker, type BrokerMessage } from "../../../core/sync/Broker.ts"
import { sampleOrder } from "../../../fixtures/hub/HubRig.ts"
import { inboxMessage } from "../../../fixtures/inboxMessage.ts"
import type { HubProjection } from "./HubProjection.ts"
import { followShopOrders } from "./ShopOrderFeed.ts"

it("takes from the shop's stream only the orders the stations take: none a station's inbox refuses", async () => {
  const applied: Array<string> = []
  const projection = {
    applyShopOrder: (order: Order) => Effect.sync(() => void applied.push(order.orderId)).pipe(Effect.as("applied"))
  } as unknown as HubProjection["Service"]
  let deliver: ((message: BrokerMessage) => Effect.Effect<void>) | undefined
  const broker = {
    subscribe: (_filter: string, handler: (message: BrokerMessage) => Effect.Effect<void>) =>
      Effect.sync(() => {
        deliver = handler
      })
  } as unknown as Broker["Service"]
  const order = (orderId: string, change: Partial<Order> = {}) => ({
    ...sampleOrder(orderId, { email: "mia@example.test", locale: "de" }),
    ...change
  })
  const line = order("SO-1").lines[0]!
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        yield* followShopOrders(projection)
        const messages = [
          order("SO-1"),
          // The station's own statuses, and one line id on two lines: each station quarantines these.
          order("SO-2", { status: "packed" }),
          order("SO-3", { lines: [line, { ...line, sku: "ALP-SOCK-M" }] }),
          order("SO-4")
        ]
        for (const [index, payload] of messages.entries()) {
          yield* deliver!(inboxMessage(index + 1, "order.upsert", payload))
        }
      })
    ).pipe(Effect.provideService(Broker, broker))
  )
  expect(applied).toEqual(["SO-1", "SO-4"])
})
