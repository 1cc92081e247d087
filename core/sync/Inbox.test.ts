import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Logger, References, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { stationMigrations } from "../station/migrations/index.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { migrate } from "../store/Migrations.ts"
import { Sql, StoreError } from "../store/Sql.ts"
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

/**
 * `body` against an inbox whose `order.cancelled` handler records each cancellation in a table, but fails with what
 * `refuse` gives for it (the handler's own refusal or the store's), when it gives anything.
 */
const run = <A>(
  body: (inbox: Inbox["Service"], sql: Sql["Service"]) => Effect.Effect<A, unknown>,
  refuse: (orderId: string) => string | StoreError | undefined = () => undefined
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      const context = yield* Layer.build(inboxLayer(bus))
      return yield* Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        yield* sql.execute("CREATE TABLE cancelled (order_id TEXT, seq INTEGER, stream TEXT)")
        yield* inbox.register("order.cancelled", Schema.Struct({ orderId: Schema.String }), (payload, meta) => {
          const refusal = refuse(payload.orderId)
          return refusal !== undefined
            ? Effect.fail(refusal)
            : sql.execute("INSERT INTO cancelled VALUES (?, ?, ?)", [payload.orderId, meta.seq, meta.stream])
        })
        return yield* body(inbox, sql)
      }).pipe(Effect.provide(context))
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
  )

describe("Inbox", () => {
  it("applies each message once in stream order, holds gaps, quarantines bad input with a reason", async () => {
    const result = await run(
      (inbox, sql) =>
        Effect.gen(function* () {
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
        }),
      (orderId) => (orderId === "BOOM" ? "order store refused" : undefined)
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

describe("Inbox: nothing real is dropped for a fake, bad input stops at the edge", () => {
  it("takes the shop's real message at a number a junk message took for a conflict: quarantined, counted, raised", async () => {
    const raised: Array<unknown> = []
    const result = await run((inbox, sql) =>
      Effect.gen(function* () {
        yield* inbox.onConflict((conflict) => Effect.sync(() => raised.push(conflict)))
        const outcomes = [
          yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
          yield* inbox.receive(message(TOPIC, cancel(2, "JUNK", "junk-2"))),
          yield* inbox.receive(message(TOPIC, cancel(2, "B"))),
          yield* inbox.receive(message(TOPIC, cancel(2, "B"))),
          yield* inbox.receive(message(TOPIC, cancel(4, "D"))),
          yield* inbox.receive(message(TOPIC, cancel(4, "FAKE", "fake-4"))),
          yield* inbox.receive(message(TOPIC, cancel(3, "C")))
        ]
        const conflicts = yield* sql.query(
          "SELECT source, kind, seq, refused_id, kept_id, seen FROM sync_conflicts ORDER BY id"
        )
        const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine")
        const applied = yield* sql.query("SELECT order_id FROM cancelled ORDER BY seq")
        return { outcomes, conflicts, quarantined, applied }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied", "conflict", "conflict", "held", "conflict", "applied"])
    expect(result.conflicts).toEqual([
      { source: "inbox:station", kind: "conflict", seq: 2, refused_id: "m2", kept_id: "junk-2", seen: 2 },
      { source: "inbox:station", kind: "conflict", seq: 4, refused_id: "fake-4", kept_id: "m4", seen: 1 }
    ])
    expect(result.quarantined.map((row) => row.reason)).toEqual([
      expect.stringMatching(/^conflict: seq 2 of the station stream is already taken by junk-2; m2 is quarantined/),
      expect.stringMatching(/^conflict: seq 4 of the station stream is already taken by m4; fake-4 is quarantined/)
    ])
    expect(result.applied).toEqual([{ order_id: "A" }, { order_id: "JUNK" }, { order_id: "C" }, { order_id: "D" }])
    expect(raised).toHaveLength(2)
  })

  it("logs a conflict on one line: a forged message's id cannot start a log line of its own", async () => {
    const logged: Array<string> = []
    const forged = "fake-1\ntimestamp=2026-12-06T12:00:00Z level=INFO message=inbox healthy"
    const outcomes = await run((inbox) =>
      Effect.gen(function* () {
        return [
          yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
          yield* inbox.receive(message(TOPIC, cancel(1, "B", forged)))
        ]
      }).pipe(
        Effect.provide(Logger.layer([Logger.make((entry) => void logged.push(String(entry.message)))])),
        Effect.provideService(References.MinimumLogLevel, "All")
      )
    )
    expect(outcomes).toEqual(["applied", "conflict"])
    const reason =
      "seq 1 of the station stream is already taken by m1; fake-1 timestamp=2026-12-06T12:00:00Z level=INFO message=inbox healthy is quarantined, not taken for a repeat"
    expect(logged).toEqual([
      `sync inbox: quarantined a message on ${TOPIC}: conflict: ${reason}`,
      `sync inbox: conflict: ${reason}`
    ])
  })

  it("refuses a held message's id at another number: the stream goes on with the real messages", async () => {
    const raised: Array<unknown> = []
    const result = await run((inbox, sql) =>
      Effect.gen(function* () {
        yield* inbox.onConflict((conflict) => Effect.sync(() => raised.push(conflict)))
        const outcomes = [
          yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
          yield* inbox.receive(message(TOPIC, cancel(3, "C"))),
          yield* inbox.receive(message(TOPIC, cancel(2, "FAKE", "m3"))),
          yield* inbox.receive(message(TOPIC, cancel(5, "FAKE", "m3"))),
          yield* inbox.receive(message(TOPIC, cancel(2, "B"))),
          yield* inbox.receive(message(TOPIC, cancel(4, "D")))
        ]
        const applied = yield* sql.query("SELECT order_id FROM cancelled ORDER BY seq")
        const conflicts = yield* sql.query("SELECT seq, refused_id, kept_id, reason FROM sync_conflicts ORDER BY id")
        const cursor = yield* sql.query("SELECT last_seq FROM sync_inbox_cursor WHERE stream = 'station'")
        return { outcomes, applied, conflicts, cursor }
      })
    )
    expect(result.outcomes).toEqual(["applied", "held", "conflict", "conflict", "applied", "applied"])
    expect(result.applied).toEqual([{ order_id: "A" }, { order_id: "B" }, { order_id: "C" }, { order_id: "D" }])
    expect(result.conflicts).toEqual([
      {
        seq: 2,
        refused_id: "m3",
        kept_id: "m3",
        reason: "m3 is held at seq 3 of the station stream; the same id at seq 2 is quarantined, not taken for it"
      },
      {
        seq: 5,
        refused_id: "m3",
        kept_id: "m3",
        reason: "m3 is held at seq 3 of the station stream; the same id at seq 5 is quarantined, not taken for it"
      }
    ])
    expect(result.cursor).toEqual([{ last_seq: 4 }])
    expect(raised).toHaveLength(2)
  })

  it("refuses numbers that are not finite, over-long ids and nested types; holds only near the cursor; keeps 4 KB", async () => {
    const result = await run((inbox, sql) =>
      Effect.gen(function* () {
        const infinite = new TextEncoder().encode(
          JSON.stringify(cancel(1, "A")).replace('"version":1', '"version":1,"sentAtMs":1e400')
        )
        const outcomes = [
          yield* inbox.receive({ topic: TOPIC, payload: infinite, userProperties: {} }),
          yield* inbox.receive(message(TOPIC, cancel(1, "A", "m".repeat(500)))),
          yield* inbox.receive(message(`${TOPIC}/deeper`, cancel(1, "A"))),
          yield* inbox.receive(message(TOPIC, { ...cancel(1, "A"), payload: { orderId: "x".repeat(300_000) } })),
          yield* inbox.receive(message(TOPIC, cancel(1_001, "FAR"))),
          yield* inbox.receive(message(TOPIC, cancel(1_000, "NEAR")))
        ]
        const quarantined = yield* sql.query<{ reason: string; payload: string; payload_bytes: number }>(
          "SELECT reason, payload, payload_bytes FROM sync_inbox_quarantine ORDER BY id"
        )
        const held = yield* sql.query("SELECT seq FROM sync_inbox_held")
        return { outcomes, quarantined, held }
      })
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined", "quarantined", "quarantined", "deferred", "held"])
    expect(result.quarantined.map((row) => row.reason)).toEqual([
      "out of bounds: $.sentAtMs is not a finite number",
      expect.stringContaining("not an inbox message"),
      "not one message type in its topic",
      "out of bounds: $.payload.orderId is longer than 16384 characters (300000)"
    ])
    expect(result.quarantined[3]?.payload.length).toBe(4_096)
    expect(result.quarantined[3]?.payload_bytes).toBeGreaterThan(300_000)
    expect(result.held).toEqual([{ seq: 1_000 }])
  })
})

describe("Inbox: a held message that fails costs only itself", () => {
  it("keeps the message that filled the gap when the held message after it fails, and moves the stream on", async () => {
    const result = await run(
      (inbox, sql) =>
        Effect.gen(function* () {
          const outcomes = [
            yield* inbox.receive(message(TOPIC, cancel(2, "BOOM"))),
            yield* inbox.receive(message(TOPIC, cancel(3, "C"))),
            yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
            yield* inbox.receive(message(TOPIC, cancel(4, "D")))
          ]
          const applied = yield* sql.query("SELECT order_id, seq FROM cancelled ORDER BY seq")
          const recorded = yield* sql.query("SELECT msg_id, seq, outcome, reason FROM sync_inbox ORDER BY seq")
          const quarantined = yield* sql.query<{ topic: string; reason: string; payload: string }>(
            "SELECT topic, reason, payload FROM sync_inbox_quarantine ORDER BY id"
          )
          const held = yield* sql.query("SELECT seq FROM sync_inbox_held")
          const cursor = yield* sql.query("SELECT stream, last_seq FROM sync_inbox_cursor")
          return { outcomes, applied, recorded, quarantined, held, cursor }
        }),
      (orderId) => (orderId === "BOOM" ? "order BOOM is not known at this station" : undefined)
    )
    expect(result.outcomes).toEqual(["held", "held", "applied", "applied"])
    expect(result.applied).toEqual([
      { order_id: "A", seq: 1 },
      { order_id: "C", seq: 3 },
      { order_id: "D", seq: 4 }
    ])
    const reason = "handler for order.cancelled failed: order BOOM is not known at this station"
    expect(result.recorded).toEqual([
      { msg_id: "m1", seq: 1, outcome: "applied", reason: null },
      { msg_id: "m2", seq: 2, outcome: "failed", reason },
      { msg_id: "m3", seq: 3, outcome: "applied", reason: null },
      { msg_id: "m4", seq: 4, outcome: "applied", reason: null }
    ])
    expect(result.quarantined).toHaveLength(1)
    expect(result.quarantined[0]?.reason).toBe(reason)
    expect(result.quarantined[0]?.payload).toContain('"BOOM"')
    expect(result.held).toEqual([])
    expect(result.cursor).toEqual([{ stream: "station", last_seq: 4 }])
  })
})

describe("Inbox: a store that cannot write now does not cost the message", () => {
  it("leaves a message whose handler met a busy or full database unrecorded, and applies it when it comes again", async () => {
    const refusals: Array<StoreError> = [
      new StoreError({ reason: "Busy", message: "database is locked" }),
      new StoreError({ reason: "DiskFull", message: "database or disk is full" })
    ]
    const result = await run(
      (inbox, sql) =>
        Effect.gen(function* () {
          const outcomes = [
            yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
            yield* inbox.receive(message(TOPIC, cancel(1, "A"))),
            yield* inbox.receive(message(TOPIC, cancel(1, "A")))
          ]
          const applied = yield* sql.query("SELECT order_id FROM cancelled")
          const recorded = yield* sql.query("SELECT msg_id, outcome FROM sync_inbox")
          const quarantined = yield* sql.query("SELECT reason FROM sync_inbox_quarantine")
          return { outcomes, applied, recorded, quarantined }
        }),
      () => refusals.shift()
    )
    expect(result.outcomes).toEqual(["failed", "failed", "applied"])
    expect(result.applied).toEqual([{ order_id: "A" }])
    expect(result.recorded).toEqual([{ msg_id: "m1", outcome: "applied" }])
    expect(result.quarantined).toEqual([])
  })
})
