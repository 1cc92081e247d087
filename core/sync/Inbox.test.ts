import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { stationMigrations } from "../station/migrations/index.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { migrate } from "../store/Migrations.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { Inbox } from "./Inbox.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { encodeJson } from "./Topics.ts"

const message = (topic: string, body: unknown): BrokerMessage => ({
  topic,
  payload: typeof body === "string" ? new Uint8Array([0xff, 0xfe]) : encodeJson(body),
  userProperties: {}
})
const TOPIC = "packbench/v1/HAM1/PACK-01/inbox/order.cancelled"
const SITE_TOPIC = "packbench/v1/HAM1/all/inbox/order.cancelled"
const cancel = (seq: number, orderId: string, msgId = `m${seq}`) => ({
  msgId,
  seq,
  type: "order.cancelled",
  version: 1,
  payload: { orderId }
})

const inboxLayer = (bus: Effect.Success<ReturnType<typeof makeMemoryBus>>) => {
  const base = Layer.mergeAll(
    layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-inbox-")), "station.db") }),
    StationClock.manual(1_767_225_600_000).layer
  )
  const identity = Layer.effect(
    StationIdentity,
    Effect.gen(function* () {
      yield* migrate(stationMigrations)
      return StationIdentity.of({ siteId: "HAM1", stationId: "PACK-01", epoch: "e1" })
    })
  )
  return Inbox.layer.pipe(
    Layer.provideMerge(Layer.effect(Broker, bus.client("station"))),
    Layer.provideMerge(identity),
    Layer.provideMerge(base)
  )
}

describe("Inbox", () => {
  it("applies each message once in stream order, holds gaps, quarantines bad input with a reason", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(inboxLayer(bus))
        return yield* Effect.gen(function* () {
          const inbox = yield* Inbox
          const sql = yield* Sql
          yield* sql.execute("CREATE TABLE cancelled (order_id TEXT, seq INTEGER, stream TEXT)")
          yield* inbox.register("order.cancelled", Schema.Struct({ orderId: Schema.String }), (payload, meta) =>
            payload.orderId === "BOOM"
              ? Effect.fail("order store refused")
              : sql.execute("INSERT INTO cancelled VALUES (?, ?, ?)", [payload.orderId, meta.seq, meta.stream])
          )
          const outcomes = [
            yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
            yield* inbox.receive(message(TOPIC, cancel(3, "C"))),
            yield* inbox.receive(message(TOPIC, cancel(2, "B"))),
            yield* inbox.receive(message(TOPIC, cancel(2, "B"))),
            yield* inbox.receive(message(TOPIC, cancel(4, "D", "m1"))),
            yield* inbox.receive(message(TOPIC, "garbage")),
            yield* inbox.receive(message(TOPIC, { ...cancel(4, "D"), payload: { orderId: 7 } })),
            yield* inbox.receive(message(TOPIC, cancel(5, "BOOM"))),
            yield* inbox.receive(
              message("packbench/v1/HAM1/PACK-01/inbox/price.changed", { ...cancel(6, "X"), type: "price.changed" })
            ),
            yield* inbox.receive(message(SITE_TOPIC, cancel(1, "S", "s1")))
          ]
          const applied = yield* sql.query<{ order_id: string; stream: string }>(
            "SELECT order_id, stream FROM cancelled"
          )
          const quarantined = yield* sql.query<{ reason: string }>(
            "SELECT reason FROM sync_inbox_quarantine ORDER BY id"
          )
          return { outcomes, applied, quarantined }
        }).pipe(Effect.provide(context))
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
    )
    expect(result.outcomes).toEqual([
      "applied",
      "held",
      "applied",
      "duplicate",
      "duplicate",
      "quarantined",
      "quarantined",
      "failed",
      "quarantined",
      "applied"
    ])
    expect(result.applied).toEqual([
      { order_id: "A", stream: "station" },
      { order_id: "B", stream: "station" },
      { order_id: "C", stream: "station" },
      { order_id: "S", stream: "site" }
    ])
    expect(result.quarantined.map((row) => row.reason)).toEqual([
      "not UTF-8: malformed byte at offset 0",
      expect.stringContaining("payload does not fit order.cancelled"),
      "handler for order.cancelled failed: order store refused",
      "unknown message type price.changed"
    ])
  })
})
