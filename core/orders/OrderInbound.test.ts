import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { epcisSchemaValidator } from "../../fixtures/epcis/epcisSchema.ts"
import { inboxScenario, shopMessage } from "../../fixtures/InboxScenario.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import { epcisDocumentHead, toEpcisEvent } from "../events/Epcis.ts"
import { decodePayload } from "../events/EventDefinition.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import type { BrokerMessage } from "../sync/Broker.ts"
import { Inbox } from "../sync/Inbox.ts"
import { encodeJson } from "../sync/Topics.ts"
import type { Order } from "./Order.ts"
import { OrderAddressCorrected, OrderCancelled, withExportedView } from "./OrderEvents.ts"
import { registerOrderInbound } from "./OrderInbound.ts"

const orders = fixture("orders.json") as Array<Order>
const order = (id: string) => orders.find((candidate) => candidate.orderId === id)!

const inbound = (type: string, payload: unknown) => shopMessage(type, payload)

/** `body` with the order handlers registered; the order `openOrder` is open on the bench, and interrupts are kept. */
const scenario = <A>(
  openOrder: string | undefined,
  body: (interrupts: Array<string>, changed: Array<string>) => Effect.Effect<A, unknown, Inbox | Sql | EventLog>
) => {
  const interrupts: Array<string> = []
  const changed: Array<string> = []
  return inboxScenario(
    (inbox) =>
      registerOrderInbound(
        inbox,
        {
          isOpen: (orderId) => Effect.succeed(orderId === openOrder),
          interrupt: (orderId, reason) => Effect.sync(() => void interrupts.push(`${orderId}:${reason}`))
        },
        (orderId) => Effect.sync(() => void changed.push(orderId))
      ),
    body(interrupts, changed)
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

/** The hub's correction `correction` of an order, on its own stream to PACK-01, as the station's inbox receives it. */
const hubCorrection = (payload: {
  readonly orderId: string
  readonly correction: number
  readonly shipTo: Order["shipTo"]
  readonly previousShipTo?: Order["shipTo"]
}): BrokerMessage => ({
  topic: "packbench/v1/HAM1/PACK-01/inbox/hub/order.hub-address-correction",
  payload: encodeJson({
    msgId: `h${payload.correction}`,
    seq: payload.correction,
    type: "order.hub-address-correction",
    version: payload.correction,
    payload
  }),
  userProperties: {}
})

/** SO-100001 and the customer's correction 1 of its address to Hauptstraße 14 through the hub. */
const correctedToHauptstrasse14 = (() => {
  const source = order("SO-100001")
  const corrected = { ...source.shipTo, street1: "Hauptstraße 14" }
  const correction = hubCorrection({
    orderId: "SO-100001",
    correction: 1,
    shipTo: corrected,
    previousShipTo: source.shipTo
  })
  return { source, corrected, correction }
})()

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

  it("tells what waits on an order of every change it applied, and of none it ignored as stale", async () => {
    const result = await scenario(undefined, (_interrupts, changed) =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const shipTo = { ...order("SO-100001").shipTo, street1: "Torstraße 7" }
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 2 }))
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100001", version: 3 }))
        yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100001", version: 4, shipTo }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 3 }))
        return { changed }
      })
    )
    expect(result.changed).toEqual(["SO-100001", "SO-100001", "SO-100001"])
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

  it("refuses an order that names one line id on two lines: each line's count and price are known by its id", async () => {
    // Two lines "1" would share what was scanned for them (a sock scanned would count for the mugs too, and the parcel
    // leave without them) and one price (a refund of a sock paid as a mug).
    const twice = {
      ...order("SO-100001"),
      orderId: "SO-200003",
      lines: [
        { lineId: "1", sku: "ALP-MUG-01", quantity: 2, unitPrice: 12.9 },
        { lineId: "1", sku: "ALP-SOCK-M", quantity: 1, unitPrice: 16.5 }
      ]
    }
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const outcome = yield* inbox.receive(inbound("order.upsert", twice))
        const reasons = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        const unknown = yield* sql.query("SELECT 1 FROM orders WHERE order_id = 'SO-200003'")
        return { outcome, reasons, unknown, events: yield* eventTypes }
      })
    )
    expect(result.outcome).toBe("quarantined")
    expect(result.reasons.map((row) => row.reason)).toEqual([
      expect.stringContaining('line id "1" is on lines 1 and 2; each line needs an id of its own')
    ])
    expect(result.unknown).toEqual([])
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
      [
        "order.cancelled",
        {
          orderId: "SO-100001",
          orderVersion: 2,
          previousStatus: "open",
          interruptedPacking: true,
          parcelHeld: false
        }
      ]
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

  it("cancels a packed order whose parcel is still here, and keeps a shipped order shipped: a return follows", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const inbox = yield* Inbox
        yield* sql.execute("UPDATE orders SET status = 'packed' WHERE order_id IN ('SO-100002', 'SO-100003')")
        yield* sql.execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100004'")
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100002", version: 5 }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100003"), version: 2, status: "cancelled" }))
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100004", version: 2 }))
        return {
          statuses: [yield* stored("SO-100002"), yield* stored("SO-100003"), yield* stored("SO-100004")].map((row) => [
            row.status,
            row.order.status,
            row.version
          ]),
          cancellations: (yield* eventTypes).flatMap(([type, payload]) => (type === "order.cancelled" ? [payload] : []))
        }
      })
    )
    expect(result.statuses).toEqual([
      ["cancelled", "cancelled", 5],
      ["cancelled", "cancelled", 2],
      ["shipped", "shipped", 2]
    ])
    expect(result.cancellations).toEqual([
      { orderId: "SO-100002", orderVersion: 5, previousStatus: "packed", interruptedPacking: false, parcelHeld: true },
      { orderId: "SO-100003", orderVersion: 2, previousStatus: "packed", interruptedPacking: false, parcelHeld: true },
      { orderId: "SO-100004", orderVersion: 2, previousStatus: "shipped", interruptedPacking: false, parcelHeld: false }
    ])
  })

  it("records a cancellation that comes as a new version of the order as order.cancel records one, once", async () => {
    const result = await scenario("SO-100001", (interrupts) =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const inbox = yield* Inbox
        yield* sql.execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100004'")
        const cancelledVersion = (id: string, version: number) =>
          inbound("order.upsert", { ...order(id), version, status: "cancelled" })
        yield* inbox.receive(cancelledVersion("SO-100001", 2))
        // A later version still cancelled (the shop changed a note) cancels nothing more; a stale one is ignored.
        yield* inbox.receive(cancelledVersion("SO-100001", 4))
        yield* inbox.receive(cancelledVersion("SO-100001", 3))
        yield* inbox.receive(cancelledVersion("SO-100004", 2))
        // The shop placed and cancelled an order before this station heard of it.
        yield* inbox.receive(
          inbound("order.upsert", { ...order("SO-100005"), orderId: "SO-200005", status: "cancelled" })
        )
        return {
          events: (yield* eventTypes).map(([type, payload]) =>
            type === "order.received" ? [type, (payload as { order: Order }).order.orderId] : [type, payload]
          ),
          statuses: [yield* stored("SO-100001"), yield* stored("SO-100004"), yield* stored("SO-200005")].map(
            (row) => row.status
          ),
          interrupts
        }
      })
    )
    expect(result.statuses).toEqual(["cancelled", "shipped", "cancelled"])
    expect(result.interrupts).toEqual(["SO-100001:cancelled", "SO-100001:cancelled"])
    expect(result.events).toEqual([
      ["order.received", "SO-100001"],
      [
        "order.cancelled",
        { orderId: "SO-100001", orderVersion: 2, previousStatus: "open", interruptedPacking: true, parcelHeld: false }
      ],
      ["order.received", "SO-100001"],
      [
        "inbound.update-ignored",
        expect.objectContaining({ messageType: "order.upsert", receivedVersion: 3, storedVersion: 4 })
      ],
      ["order.received", "SO-100004"],
      [
        "order.cancelled",
        {
          orderId: "SO-100004",
          orderVersion: 2,
          previousStatus: "shipped",
          interruptedPacking: false,
          parcelHeld: false
        }
      ],
      ["order.received", "SO-200005"],
      [
        "order.cancelled",
        { orderId: "SO-200005", orderVersion: 1, previousStatus: "new", interruptedPacking: false, parcelHeld: false }
      ]
    ])
  })

  it("records that the shop took a cancellation back, by a newer version only, and what the order is here again", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const inbox = yield* Inbox
        // SO-100002 was packed here and its parcel is still here.
        yield* sql.execute("UPDATE orders SET status = 'packed' WHERE order_id = 'SO-100002'")
        yield* sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, box_id, weight_grams, data, packed_at_ms)
           VALUES ('P-1', 'SO-100002', 'packed', 'dhl-paket', 'B-1', 900, '{}', 0)`
        )
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100001", version: 2 }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100002"), version: 2, status: "cancelled" }))
        const log = yield* EventLog
        const before = (yield* log.read(0, 100)).length
        // A stale version is ignored: the order stays cancelled.
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 2 }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 3, status: "on-hold" }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100002"), version: 3 }))
        // A newer version of an order not cancelled takes nothing back.
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 4 }))
        return {
          events: (yield* log.read(0, 100)).slice(before).map((event) => [event.type, event.payload] as const),
          statuses: [(yield* stored("SO-100001")).status, (yield* stored("SO-100002")).status]
        }
      })
    )
    expect(result.statuses).toEqual(["open", "packed"])
    expect(result.events.map(([type]) => type)).toEqual([
      "inbound.update-ignored",
      "order.received",
      "order.reinstated",
      "order.received",
      "order.reinstated",
      "order.received"
    ])
    expect(result.events.filter(([type]) => type === "order.reinstated").map(([, payload]) => payload)).toEqual([
      { orderId: "SO-100001", orderVersion: 3, status: "on-hold" },
      { orderId: "SO-100002", orderVersion: 3, status: "packed" }
    ])
  })

  it("exports each reinstatement once, as the hub does: a TransactionEvent ADD of the order after its void", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100001", version: 2 }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 3 }))
        // A newer version of the order reinstated, and a stale one, take nothing back again.
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 4 }))
        yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 3 }))
        const events = yield* (yield* EventLog).read(0, 100)
        return events.flatMap((event) => toEpcisEvent(withExportedView(event)) ?? [])
      })
    )
    const transactions = result.filter((document) => document.type === "TransactionEvent")
    expect(transactions.map((document) => [document.action, document["packbench:eventType"]])).toEqual([
      ["DELETE", "order.cancelled"],
      ["ADD", "order.reinstated"]
    ])
    expect(transactions[1]).toMatchObject({
      action: "ADD",
      bizStep: "other",
      epcList: [],
      bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-100001" }]
    })
    expect(transactions[1]).not.toHaveProperty("disposition")
    const validate = epcisSchemaValidator()
    expect(
      validate({ ...epcisDocumentHead(0), epcisBody: { eventList: result } }),
      JSON.stringify(validate.errors)
    ).toBe(true)
  })

  it("records the shop taking back a shipped order's cancellation, once, by a newer version only, and exports it", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const log = yield* EventLog
        yield* (yield* Sql).execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100004'")
        const before = (yield* log.read(0, 100)).length
        const version = (number: number, status: Order["status"] = "open") =>
          inbound("order.upsert", { ...order("SO-100004"), version: number, status })
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100004", version: 2 }))
        yield* inbox.receive(version(3))
        // The same reinstatement again, and a cancellation older than it arriving late, record nothing new.
        yield* inbox.receive(version(3))
        yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100004", version: 2 }))
        // A newer version not cancelled takes nothing back again; a newer cancellation is taken back by a newer one.
        yield* inbox.receive(version(4))
        yield* inbox.receive(version(5, "cancelled"))
        yield* inbox.receive(version(4))
        yield* inbox.receive(version(6, "on-hold"))
        const events = (yield* log.read(0, 100)).slice(before)
        return {
          events: events.map((event) => [event.type, event.type === "order.reinstated" ? event.payload : undefined]),
          exported: events.flatMap((event) => toEpcisEvent(withExportedView(event)) ?? []),
          row: yield* stored("SO-100004")
        }
      })
    )
    expect(result.row).toMatchObject({ status: "shipped", version: 6 })
    expect(result.events).toEqual([
      ["order.cancelled", undefined],
      ["order.received", undefined],
      ["order.reinstated", { orderId: "SO-100004", orderVersion: 3, status: "shipped" }],
      ["inbound.update-ignored", undefined],
      ["inbound.update-ignored", undefined],
      ["order.received", undefined],
      ["order.received", undefined],
      ["order.cancelled", undefined],
      ["inbound.update-ignored", undefined],
      ["order.received", undefined],
      ["order.reinstated", { orderId: "SO-100004", orderVersion: 6, status: "shipped" }]
    ])
    const transactions = result.exported.filter((document) => document.type === "TransactionEvent")
    expect(transactions.map((document) => [document.action, document["packbench:eventType"]])).toEqual([
      ["DELETE", "order.cancelled"],
      ["ADD", "order.reinstated"],
      ["DELETE", "order.cancelled"],
      ["ADD", "order.reinstated"]
    ])
  })

  it("exports one void per cancellation in force: a repeated cancellation, shipped or not, adds none", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const log = yield* EventLog
        const sql = yield* Sql
        yield* sql.execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100004'")
        const before = (yield* log.read(0, 100)).length
        const cancel = (orderId: string, number: number) => inbound("order.cancel", { orderId, version: number })
        const version = (number: number, status: Order["status"]) =>
          inbound("order.upsert", { ...order("SO-100004"), version: number, status })
        yield* inbox.receive(cancel("SO-100004", 2))
        // The shop cancels the shipped order again, by order.cancel and by a version whose status is cancelled.
        yield* inbox.receive(cancel("SO-100004", 3))
        yield* inbox.receive(version(4, "cancelled"))
        // The same version again, and an older one: stale.
        yield* inbox.receive(cancel("SO-100004", 4))
        yield* inbox.receive(cancel("SO-100004", 3))
        yield* inbox.receive(version(5, "open"))
        yield* inbox.receive(cancel("SO-100004", 6))
        yield* inbox.receive(cancel("SO-100004", 7))
        // An open order cancelled twice.
        yield* inbox.receive(cancel("SO-100001", 2))
        yield* inbox.receive(cancel("SO-100001", 3))
        const events = (yield* log.read(0, 100)).slice(before)
        const repeats = new Set(
          (yield* sql.query<{ event_id: string }>("SELECT event_id FROM repeated_cancellations")).map(
            (row) => row.event_id
          )
        )
        return {
          cancellations: events.filter((event) => event.type === "order.cancelled").length,
          exported: events.flatMap(
            (event) => toEpcisEvent(withExportedView(event, (eventId) => repeats.has(eventId))) ?? []
          )
        }
      })
    )
    // Each is recorded (the hub hears of every version), but exported once per cancellation in force.
    expect(result.cancellations).toBe(7)
    const transactions = result.exported.filter((document) => document.type === "TransactionEvent")
    expect(
      transactions.map((document) => [
        document.action,
        document["packbench:eventType"],
        document.bizTransactionList?.[0]?.bizTransaction
      ])
    ).toEqual([
      ["DELETE", "order.cancelled", "urn:packbench:order:SO-100004"],
      ["ADD", "order.reinstated", "urn:packbench:order:SO-100004"],
      ["DELETE", "order.cancelled", "urn:packbench:order:SO-100004"],
      ["DELETE", "order.cancelled", "urn:packbench:order:SO-100001"]
    ])
  })

  it("still reads a cancellation recorded before the event said whether the parcel was held", async () => {
    const stored = { orderId: "SO-100002", orderVersion: 5, previousStatus: "packed", interruptedPacking: false }
    expect(await Effect.runPromise(decodePayload(OrderCancelled, stored))).toEqual(stored)
  })

  it("releases an address hold with the corrected address, and says when a label was made for the old one", async () => {
    const shipTo = { ...order("SO-100009").shipTo, postalCode: "80331" }
    const labelled = order("SO-100001").shipTo
    const moved = { ...labelled, street1: "Torstraße 7", postalCode: "10119" }
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const sql = yield* Sql
        const inbox = yield* Inbox
        yield* sql.execute("UPDATE orders SET status = 'address-hold' WHERE order_id = 'SO-100009'")
        yield* sql.execute("UPDATE orders SET status = 'packed' WHERE order_id = 'SO-100001'")
        yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100009", version: 2, shipTo }))
        // The shop sends the address the order already had, then a new one.
        yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100001", version: 2, shipTo: labelled }))
        yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100001", version: 3, shipTo: moved }))
        return { held: yield* stored("SO-100009"), packed: yield* stored("SO-100001"), events: yield* eventTypes }
      })
    )
    expect(result.held).toMatchObject({ status: "open", version: 2, order: { shipTo: { postalCode: "80331" } } })
    expect(result.packed).toMatchObject({ status: "packed", version: 3, order: { shipTo: moved } })
    expect(result.events.map(([, payload]) => payload)).toEqual([
      {
        orderId: "SO-100009",
        orderVersion: 2,
        shipTo,
        previousShipTo: order("SO-100009").shipTo,
        releasedHold: true,
        labelReprintRequired: false,
        parcelAlreadyHandedOver: false
      },
      {
        orderId: "SO-100001",
        orderVersion: 2,
        shipTo: labelled,
        previousShipTo: labelled,
        releasedHold: false,
        labelReprintRequired: false,
        parcelAlreadyHandedOver: false
      },
      {
        orderId: "SO-100001",
        orderVersion: 3,
        shipTo: moved,
        previousShipTo: labelled,
        releasedHold: false,
        labelReprintRequired: true,
        parcelAlreadyHandedOver: false
      }
    ])
  })

  it("takes the hub's corrections by their own number, keeps the source's address they replace, and refuses hostile ones", async () => {
    const source = order("SO-100001")
    const first = { ...source.shipTo, street1: "Hauptstraße 14" }
    const second = { ...source.shipTo, street1: "Hauptstraße 16" }
    const own = { ...source.shipTo, street1: "Torstraße 7", postalCode: "10119" }
    let hubSeq = 0
    /** The hub's correction on its own stream to PACK-01, numbered there from 1. */
    const correct = (correction: number, shipTo: unknown, previousShipTo?: unknown): BrokerMessage => {
      hubSeq += 1
      const type = "order.hub-address-correction"
      const payload = {
        orderId: "SO-100001",
        correction,
        shipTo,
        ...(previousShipTo === undefined ? {} : { previousShipTo })
      }
      return {
        topic: `packbench/v1/HAM1/PACK-01/inbox/hub/${type}`,
        payload: encodeJson({ msgId: `h${hubSeq}`, seq: hubSeq, type, version: correction, payload }),
        userProperties: {}
      }
    }
    const result = await scenario("SO-100001", (interrupts, changed) =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const outcomes = [
          yield* inbox.receive(correct(1, first, source.shipTo)),
          // The customer corrects the correction (a second hold): still the source's address is what it replaces.
          yield* inbox.receive(correct(2, second, first)),
          // An older correction, a number past any a sender can have given, none at all, an address the station refuses.
          yield* inbox.receive(correct(1, first)),
          yield* inbox.receive(correct(1e15, first)),
          yield* inbox.receive(correct(0, first)),
          yield* inbox.receive(correct(3, { ...first, country: "Germany" }))
        ]
        // The same correction on the shop's stream is no hub's.
        outcomes.push(
          yield* inbox.receive(
            inbound("order.hub-address-correction", { orderId: "SO-100001", correction: 9, shipTo: own })
          )
        )
        const afterCorrections = yield* stored("SO-100001")
        const changedByCorrections = [...changed]
        outcomes.push(yield* inbox.receive(inbound("order.upsert", { ...source, version: 2, serviceLevel: "express" })))
        const keptBySource = yield* stored("SO-100001")
        // The source sets an address itself: the order's again, and its later versions keep it.
        outcomes.push(
          yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100001", version: 3, shipTo: own }))
        )
        outcomes.push(yield* inbox.receive(inbound("order.upsert", { ...source, version: 4, shipTo: own })))
        const reasons = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        return {
          outcomes,
          afterCorrections,
          changedByCorrections,
          keptBySource,
          final: yield* stored("SO-100001"),
          reasons: reasons.map((row) => row.reason),
          events: yield* eventTypes,
          interrupts
        }
      })
    )
    expect(result.outcomes).toEqual([
      "applied",
      "applied",
      "applied",
      "failed",
      "quarantined",
      "quarantined",
      "failed",
      "applied",
      "applied",
      "applied"
    ])
    expect(result.afterCorrections).toMatchObject({ version: 1, order: { version: 1, shipTo: second } })
    // Each correction applied is told, so a label withheld for the order's hold is looked at again at once.
    expect(result.changedByCorrections).toEqual(["SO-100001", "SO-100001"])
    expect(result.keptBySource).toMatchObject({ version: 2, order: { serviceLevel: "express", shipTo: second } })
    expect(result.final).toMatchObject({ version: 4, order: { shipTo: own } })
    expect(result.reasons).toEqual([
      expect.stringContaining(
        "handler for order.hub-address-correction failed: order SO-100001 correction: version 1000000000000000 is beyond any a sender can have given"
      ),
      expect.stringContaining("payload does not fit order.hub-address-correction"),
      expect.stringContaining("payload does not fit order.hub-address-correction"),
      expect.stringContaining("order.hub-address-correction comes from the hub's stream only")
    ])
    expect(result.events.map(([type]) => type)).toEqual([
      "order.address-corrected",
      "order.address-corrected",
      "inbound.update-ignored",
      "order.received",
      "order.address-corrected",
      "order.received"
    ])
    expect(result.events[1]![1]).toEqual({
      orderId: "SO-100001",
      orderVersion: 1,
      shipTo: second,
      previousShipTo: first,
      releasedHold: false,
      labelReprintRequired: false,
      parcelAlreadyHandedOver: false,
      correction: 2
    })
    expect(result.events[2]![1]).toMatchObject({
      messageType: "order.hub-address-correction",
      receivedVersion: 1,
      storedVersion: 2,
      reason: "correction 1 is not newer than correction 2 taken before",
      cause: "not-newer"
    })
    expect(result.events[3]![1]).toMatchObject({ order: { version: 2, shipTo: second } })
    expect(result.interrupts).toEqual([
      "SO-100001:address-corrected",
      "SO-100001:address-corrected",
      "SO-100001:changed",
      "SO-100001:address-corrected",
      "SO-100001:changed"
    ])
  })

  it("does not apply the hub's correction of an order whose parcel was handed over, and says why in a word the hub reads", async () => {
    const source = order("SO-100002")
    const corrected = { ...source.shipTo, street1: "Neue Gasse 3" }
    const correctionMessage = (correction: number, previousShipTo = source.shipTo) =>
      hubCorrection({ orderId: "SO-100002", correction, shipTo: corrected, previousShipTo })
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        yield* (yield* Sql).execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100002'")
        const outcome = yield* (yield* Inbox).receive(correctionMessage(1))
        return { outcome, row: yield* stored("SO-100002"), events: yield* eventTypes }
      })
    )
    expect(result.outcome).toBe("applied")
    expect(result.row).toMatchObject({ status: "shipped", order: { shipTo: source.shipTo } })
    expect(result.events).toEqual([
      [
        "inbound.update-ignored",
        {
          messageType: "order.hub-address-correction",
          orderId: "SO-100002",
          receivedVersion: 1,
          storedVersion: 1,
          reason:
            "the order's parcel was handed to the carrier before the customer's correction 1 arrived: it travels to the address it was labelled for, and the correction is not applied",
          cause: "handed-to-carrier",
          keptShipTo: source.shipTo
        }
      ]
    ])
  })

  it("keeps an order the customer's correction released open when its source holds the replaced address again, and holds it for an address the source sets itself", async () => {
    const { source, correction } = correctedToHauptstrasse14
    const other = { ...source.shipTo, street1: "Torstraße 7", postalCode: "10119" }
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const upsert = (version: number, shipTo = source.shipTo) =>
          inbox.receive(inbound("order.upsert", { ...source, version, status: "address-hold", shipTo }))
        const seen: Array<unknown> = []
        const look = Effect.map(stored("SO-100001"), (row) => seen.push([row.status, row.order.shipTo.street1]))
        // The source holds the order for its address; the customer corrects it through the hub.
        yield* upsert(2)
        yield* look
        yield* inbox.receive(correction)
        yield* look
        // The source, which never hears of the hub's correction, sends the same hold again with its next versions.
        yield* upsert(3)
        yield* look
        yield* upsert(4)
        yield* look
        // An address the source sets itself is the order's again, and so is its hold of it.
        yield* upsert(5, other)
        yield* look
        return { seen, events: yield* eventTypes }
      })
    )
    expect(result.seen).toEqual([
      ["address-hold", source.shipTo.street1],
      ["open", "Hauptstraße 14"],
      ["open", "Hauptstraße 14"],
      ["open", "Hauptstraße 14"],
      ["address-hold", "Torstraße 7"]
    ])
    const received = result.events.filter(([type]) => type === "order.received")
    expect(received.map(([, payload]) => (payload as { order: Order }).order.status)).toEqual([
      "address-hold",
      "open",
      "open",
      "address-hold"
    ])
  })

  it("keeps the customer's correction when the source echoes the replaced or the corrected address in its own form", async () => {
    const { source, corrected, correction } = correctedToHauptstrasse14
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const upsert = (version: number, shipTo: Order["shipTo"]) =>
          inbox.receive(inbound("order.upsert", { ...source, version, shipTo }))
        const seen: Array<unknown> = []
        const look = Effect.map(stored("SO-100001"), (row) => seen.push(row.order.shipTo))
        yield* inbox.receive(correction)
        // The source's next version with the address the correction replaced, in capitals and a region of its own.
        yield* upsert(2, { ...source.shipTo, name: "ANNA SCHMIDT", street1: "HAUPTSTRASSE 12 ", region: "BE" })
        yield* look
        // The shop took the hub's push of the corrected address and echoes it in its own form.
        yield* upsert(3, { ...corrected, street1: "hauptstrasse  14", city: "BERLIN" })
        yield* look
        yield* inbox.receive(
          inbound("order.address-corrected", {
            orderId: "SO-100001",
            version: 4,
            shipTo: { ...corrected, street1: "HAUPTSTRASSE 14" }
          })
        )
        yield* look
        // The correction still holds: the source's address it replaced is kept out again.
        yield* upsert(5, source.shipTo)
        yield* look
        const superseded = yield* sql.query<{ superseded_at_version: number | null }>(
          "SELECT superseded_at_version FROM order_hub_corrections WHERE order_id = 'SO-100001'"
        )
        // The source holds the corrected address it took: a hold of the customer's address, not the one the
        // correction answered, so it stands.
        yield* inbox.receive(
          inbound("order.upsert", {
            ...source,
            version: 6,
            status: "address-hold",
            shipTo: { ...corrected, city: "BERLIN" }
          })
        )
        const held = yield* stored("SO-100001")
        return {
          seen,
          superseded: superseded.map((row) => row.superseded_at_version),
          held: [held.status, held.order.shipTo]
        }
      })
    )
    expect(result.seen).toEqual([corrected, corrected, corrected, corrected])
    expect(result.superseded).toEqual([null])
    expect(result.held).toEqual(["address-hold", corrected])
  })

  it("applies the hub's correction of an address the source holds in its own form of the one the customer corrected", async () => {
    const { source, corrected, correction } = correctedToHauptstrasse14
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        yield* inbox.receive(
          inbound("order.upsert", { ...source, version: 2, shipTo: { ...source.shipTo, city: "BERLIN", region: "BE" } })
        )
        yield* inbox.receive(correction)
        return { row: yield* stored("SO-100001"), events: yield* eventTypes }
      })
    )
    expect(result.row.order.shipTo).toEqual(corrected)
    expect(result.events.map(([type]) => type)).toEqual(["order.received", "order.address-corrected"])
  })

  it("takes the order open on the bench off it when its address moves, not when the shop sends the same one", async () => {
    const open = order("SO-100001").shipTo
    const interrupts = await scenario("SO-100001", (interrupts) =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        yield* inbox.receive(inbound("order.address-corrected", { orderId: "SO-100001", version: 2, shipTo: open }))
        yield* inbox.receive(
          inbound("order.address-corrected", { orderId: "SO-100001", version: 3, shipTo: { ...open, city: "Potsdam" } })
        )
        return interrupts
      })
    )
    expect(interrupts).toEqual(["SO-100001:address-corrected"])
  })

  it("records that the parcel of a shipped order left with the address the correction replaces", async () => {
    const previous = order("SO-100002").shipTo
    const moved = { ...previous, street1: "Neue Gasse 3" }
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        yield* (yield* Sql).execute("UPDATE orders SET status = 'shipped' WHERE order_id = 'SO-100002'")
        yield* (yield* Inbox).receive(
          inbound("order.address-corrected", { orderId: "SO-100002", version: 2, shipTo: moved })
        )
        return { row: yield* stored("SO-100002"), events: yield* eventTypes }
      })
    )
    expect(result.row).toMatchObject({ status: "shipped", version: 2, order: { shipTo: moved } })
    expect(result.events).toEqual([
      [
        "order.address-corrected",
        {
          orderId: "SO-100002",
          orderVersion: 2,
          shipTo: moved,
          previousShipTo: previous,
          releasedHold: false,
          labelReprintRequired: false,
          parcelAlreadyHandedOver: true
        }
      ]
    ])
  })

  it("still reads an address correction recorded before the event named the previous address", async () => {
    const stored = {
      orderId: "SO-100001",
      orderVersion: 2,
      shipTo: order("SO-100001").shipTo,
      releasedHold: false,
      labelReprintRequired: true
    }
    expect(await Effect.runPromise(decodePayload(OrderAddressCorrected, stored))).toEqual(stored)
  })

  it("refuses a version no sender can have given, saying why, and takes the order's next genuine change", async () => {
    const forged = [1e15, Number.MAX_SAFE_INTEGER]
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const open = order("SO-100001")
        const outcomes = [
          yield* inbox.receive(inbound("order.upsert", { ...open, version: forged[0], serviceLevel: "economy" })),
          yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100001", version: forged[1] })),
          yield* inbox.receive(
            inbound("order.address-corrected", {
              orderId: "SO-100001",
              version: forged[0],
              shipTo: { ...open.shipTo, city: "Potsdam" }
            })
          ),
          yield* inbox.receive(inbound("order.upsert", { ...open, version: 2, serviceLevel: "express" })),
          // A shop that versions by its change time in ms: the station's clock now is no later than such a version.
          yield* inbox.receive(inbound("order.upsert", { ...order("SO-100002"), version: 1_767_225_600_000 }))
        ]
        const inboxRows = yield* sql.query<{ outcome: string; reason: string | null }>(
          "SELECT outcome, reason FROM sync_inbox ORDER BY seq"
        )
        const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        return {
          outcomes,
          inboxRows,
          quarantined,
          row: yield* stored("SO-100001"),
          byChangeTime: yield* stored("SO-100002"),
          events: yield* eventTypes
        }
      })
    )
    expect(result.outcomes).toEqual(["failed", "failed", "failed", "applied", "applied"])
    const refusal = (version: number) =>
      `handler for %s failed: order SO-100001: version ${version} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's 1767225600000 ms plus 86400000 ms`
    expect(result.inboxRows.slice(0, 3)).toEqual([
      { outcome: "failed", reason: refusal(forged[0]!).replace("%s", "order.upsert") },
      { outcome: "failed", reason: refusal(forged[1]!).replace("%s", "order.cancel") },
      { outcome: "failed", reason: refusal(forged[0]!).replace("%s", "order.address-corrected") }
    ])
    expect(result.quarantined.map((row) => row.reason)).toEqual(result.inboxRows.slice(0, 3).map((row) => row.reason))
    expect(result.row).toMatchObject({ version: 2, status: "open", order: { serviceLevel: "express" } })
    expect(result.row.order.shipTo).toEqual(order("SO-100001").shipTo)
    expect(result.byChangeTime).toMatchObject({ version: 1_767_225_600_000, status: "open" })
    expect(result.events.map(([type]) => type)).toEqual(["order.received", "order.received"])
  })

  it("takes the next genuine change of an order whose stored version no sender can have given", async () => {
    const result = await scenario(undefined, () =>
      Effect.gen(function* () {
        const inbox = yield* Inbox
        // As a station stored a forged version before it checked them.
        yield* (yield* Sql).execute("UPDATE orders SET version = ? WHERE order_id = 'SO-100001'", [1e15])
        const outcomes = [
          yield* inbox.receive(inbound("order.cancel", { orderId: "SO-100001", version: 2 })),
          yield* inbox.receive(inbound("order.upsert", { ...order("SO-100001"), version: 2 }))
        ]
        return { outcomes, row: yield* stored("SO-100001"), events: yield* eventTypes }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied"])
    expect(result.row).toMatchObject({ version: 2, status: "cancelled" })
    expect(result.events.map(([type]) => type)).toEqual(["order.cancelled", "inbound.update-ignored"])
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
