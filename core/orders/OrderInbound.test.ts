import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { inboxScenario, shopMessage } from "../../fixtures/InboxScenario.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { Inbox } from "../sync/Inbox.ts"
import type { Order } from "./Order.ts"
import { registerOrderInbound } from "./OrderInbound.ts"

const orders = fixture("orders.json") as Array<Order>
const order = (id: string) => orders.find((candidate) => candidate.orderId === id)!

const inbound = (type: string, payload: unknown) => shopMessage(type, payload)

/** `body` with the order handlers registered; the order `openOrder` is open on the bench, and interrupts are kept. */
const scenario = <A>(
  openOrder: string | undefined,
  body: (interrupts: Array<string>) => Effect.Effect<A, unknown, Inbox | Sql | EventLog>
) => {
  const interrupts: Array<string> = []
  return inboxScenario(
    (inbox) =>
      registerOrderInbound(inbox, {
        isOpen: (orderId) => Effect.succeed(orderId === openOrder),
        interrupt: (orderId, reason) => Effect.sync(() => void interrupts.push(`${orderId}:${reason}`))
      }),
    body(interrupts)
  )
}

const stored = (orderId: string) =>
  Effect.flatMap(Effect.service(Sql), (sql) =>
    sql.query<{ version: number; status: string; data: string }>(
      "SELECT version, status, data FROM orders WHERE order_id = ?",
      [orderId]
    )
  ).pipe(
    Effect.map((rows) => ({
      version: Number(rows[0]!.version),
      status: rows[0]!.status,
      order: JSON.parse(rows[0]!.data) as Order
    }))
  )

const eventTypes = Effect.flatMap(Effect.service(EventLog), (log) => log.read(0, 100)).pipe(
  Effect.map((events) => events.map((event) => [event.type, event.payload] as const))
)

describe("orders from the shop", () => {
  it("takes a new order and a newer version, and ignores a stale one without touching the stored order", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const fresh = { ...order("SO-100001"), orderId: "SO-200001" }
        const outcomes = [
          yield* inbox.receive(inbound("order.upsert", fresh)),
          yield* inbox.receive(inbound("order.upsert", { ...fresh, version: 3, serviceLevel: "express" })),
          yield* inbox.receive(inbound("order.upsert", { ...fresh, version: 2, serviceLevel: "economy" }))
        ]
        return { outcomes, row: yield* stored("SO-200001"), events: yield* eventTypes }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied", "applied"])
    expect(result.row).toMatchObject({ version: 3, order: { serviceLevel: "express" } })
    expect(result.events.map(([type]) => type)).toEqual(["order.received", "order.received", "inbound.update-ignored"])
    expect(result.events[2]![1]).toMatchObject({ receivedVersion: 2, storedVersion: 3 })
  })

  it("refuses an order whose status says packed or shipped: only the station packs and hands over", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const outcomes = [
          yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 2, status: "packed" })),
          yield* inbox.receive(
            inbound("order.upsert", { ...order("SO-100002"), orderId: "SO-200002", status: "shipped" })
          )
        ]
        const reasons = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        const unknown = yield* sql.query("SELECT 1 FROM orders WHERE order_id = 'SO-200002'")
        return { outcomes, row: yield* stored("SO-100001"), reasons, unknown, events: yield* eventTypes }
      })
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined"])
    expect(result.row).toMatchObject({ version: 1, status: "open" })
    expect(result.unknown).toEqual([])
    expect(result.reasons.map((row) => row.reason)).toEqual([
      expect.stringContaining('status "packed" is the station\'s own'),
      expect.stringContaining('status "shipped" is the station\'s own')
    ])
    expect(result.events).toEqual([])
  })

  it("cancels the order open on the bench and interrupts the packer at once", async () => {
    const result = await scenario("SO-100001", (interrupts) =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100001", version: 2 }))
        return { row: yield* stored("SO-100001"), events: yield* eventTypes, interrupts }
      })
    )
    expect(result.row.status).toBe("cancelled")
    expect(result.interrupts).toEqual(["SO-100001:cancelled"])
    expect(result.events).toEqual([
      ["order.cancelled", { orderId: "SO-100001", orderVersion: 2, previousStatus: "open", interruptedPacking: true }]
    ])
  })

  it("takes the order open on the bench off it when the shop sends a new version of it, and says why", async () => {
    const result = await scenario("SO-100001", (interrupts) =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const open = order("SO-100001")
        const fewer = { ...open, version: 2, lines: open.lines.slice(0, 1) }
        yield* inbox.receive(inbound("order.upsert", fewer))
        yield* inbox.receive(inbound("order.upsert", { ...open, version: 2 }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100002"), version: 2 }))
        yield* inbox.receive(inbound("order.upsert", { ...open, version: 3, status: "cancelled" }))
        return { row: yield* stored("SO-100001"), interrupts }
      })
    )
    expect(result.row).toMatchObject({ version: 3, status: "cancelled" })
    expect(result.interrupts).toEqual(["SO-100001:changed", "SO-100001:cancelled"])
  })

  it("keeps a packed order packed when its cancellation comes too late, and records it", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* sql.execute("UPDATE orders SET status = 'packed' WHERE order_id = 'SO-100002'")
        yield* (yield* Inbox).receive(inbound("order.cancel", { orderId: "SO-100002", version: 5 }))
        return { row: yield* stored("SO-100002"), events: yield* eventTypes }
      })
    )
    expect(result.row).toMatchObject({ status: "packed", version: 5 })
    expect(result.events[0]).toEqual([
      "order.cancelled",
      { orderId: "SO-100002", orderVersion: 5, previousStatus: "packed", interruptedPacking: false }
    ])
  })

  it("releases an address hold with the corrected address, and asks for a reprint after the label printed", async () => {
    const shipTo = { ...order("SO-100009").shipTo, postalCode: "80331" }
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const inbox = yield* Inbox
        yield* sql.execute("UPDATE orders SET status = 'address-hold' WHERE order_id = 'SO-100009'")
        yield* sql.execute("UPDATE orders SET status = 'packed' WHERE order_id = 'SO-100001'")
        yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100009", version: 2, shipTo }))
        yield* inbox.receive(
          inbound("order.address-corrected", { orderId: "SO-100001", version: 2, shipTo: order("SO-100001").shipTo })
        )
        return { held: yield* stored("SO-100009"), packed: yield* stored("SO-100001"), events: yield* eventTypes }
      })
    )
    expect(result.held).toMatchObject({ status: "open", version: 2, order: { shipTo: { postalCode: "80331" } } })
    expect(result.packed.status).toBe("packed")
    expect(result.events.map(([, payload]) => payload)).toMatchObject([
      { orderId: "SO-100009", releasedHold: true, labelReprintRequired: false },
      { orderId: "SO-100001", releasedHold: false, labelReprintRequired: true }
    ])
  })

  it("quarantines a cancellation of an order the station does not know, and moves on", async () => {
    const outcome = await scenario(undefined, () =>
      Effect.flatMap(Effect.service(Inbox), (inbox) =>
        inbox.receive(inbound("order.cancel", { orderId: "SO-999999", version: 2 }))
      )
    )
    expect(outcome).toBe("failed")
  })
})
