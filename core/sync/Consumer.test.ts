import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Deferred, Effect, Fiber, Layer, Logger, References, type Scope } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { openSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import {
  appliedEvents,
  type ConsumerRigOptions,
  consumerRigLayer,
  refusedInPlace,
  waitFor
} from "../../fixtures/mqtt/SyncRig.ts"
import { heldSyncSql } from "../../fixtures/sqlite/HeldSyncs.ts"
import type { EventEnvelope } from "../events/Event.ts"
import { Sql } from "../store/Sql.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { Consumer, EventRefused, type StreamAlert } from "./Consumer.ts"
import { checkDelivery } from "./DeliveryChecker.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { encodeJson, Topics } from "./Topics.ts"

const envelope = (seq: number): EventEnvelope => ({
  id: `ev-${seq}`,
  type: "test.scanned",
  version: 1,
  siteId: "HAM1",
  stationId: "PACK-01",
  epoch: "e1",
  seq,
  eventTime: { wallMs: 1_700_000_000_000 + seq, monoNs: String(seq) },
  recordTimeMs: 1_700_000_000_000 + seq,
  actor: { role: "system" },
  payload: { n: seq, code: `C${seq}` }
})

const message = (seq: number): BrokerMessage => ({
  topic: Topics.event("HAM1", "PACK-01", "test.scanned"),
  payload: encodeJson(envelope(seq)),
  userProperties: {}
})

const committed = (count: number) => Array.from({ length: count }, (_, index) => envelope(index + 1))

const withConsumer = <A, E>(
  refuse: (event: EventEnvelope) => string | undefined,
  body: (consumer: Consumer["Service"]) => Effect.Effect<A, E, Sql>
) =>
  Effect.gen(function* () {
    const bus = yield* makeMemoryBus()
    const context = yield* Layer.build(
      consumerRigLayer({ filename: ":memory:", broker: Layer.effect(Broker, bus.client("hub")), refuse })
    )
    return yield* Effect.flatMap(Consumer, body).pipe(Effect.provide(context))
  }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))

const heldSeqs = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ seq: number; reason: string }>(
    "SELECT seq, reason FROM sync_consumer_held ORDER BY seq"
  )
  return rows.map((row) => ({ seq: Number(row.seq), reason: row.reason }))
})

describe("Consumer batch window", () => {
  /**
   * A consumer whose lanes wait `batchWindowMs`; `body` sends messages and waits until so many are applied. With
   * `testClock`, the consumer's clock is the test's and stands still unless moved: a window a lane waited out would
   * not end. The waits are on real time either way.
   */
  const withWindow = <A, E>(
    batchWindowMs: number,
    body: (
      send: (seq: number) => Effect.Effect<unknown, unknown>,
      appliedCount: (count: number) => Effect.Effect<unknown, unknown>
    ) => Effect.Effect<A, E>,
    options: { readonly testClock?: boolean } = {}
  ) =>
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      const station = yield* bus.client("station")
      const batches: Array<ReadonlyArray<number>> = []
      const context = yield* Layer.build(
        consumerRigLayer({
          filename: ":memory:",
          broker: Layer.effect(Broker, bus.client("hub")),
          batchWindowMs,
          onBatch: (events) => batches.push(events.map((event) => event.seq))
        })
      )
      yield* Effect.flatMap(Consumer, (consumer) => consumer.start).pipe(Effect.provide(context))
      const send = (seq: number) => {
        const { topic, payload } = message(seq)
        return station.publish(topic, payload, { qos: 1, timeoutMs: 1_000 })
      }
      const appliedCount = (count: number) =>
        Effect.gen(function* () {
          const deadline = Date.now() + 10_000
          while ((yield* Effect.provide(appliedEvents, context)).length < count) {
            if (Date.now() > deadline) return yield* Effect.die(`${count} events were not applied within 10 s`)
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
          }
        })
      yield* body(send, appliedCount)
      return batches
    }).pipe(
      Effect.scoped,
      options.testClock === true ? Effect.provide(TestClock.layer()) : (effect) => effect,
      Effect.provideService(References.MinimumLogLevel, "None"),
      Effect.runPromise
    )

  it("gathers the messages that come close together into the batch a lane waits for (one transaction)", async () => {
    // Far longer than the test needs: the window must still be open when the rest come.
    const batches = await withWindow(2_000, (send, appliedCount) =>
      Effect.gen(function* () {
        // The first after a quiet lane goes at once; the next, right behind it, waits for company.
        yield* send(1)
        yield* appliedCount(1)
        yield* send(2)
        yield* Effect.sleep(200)
        for (const seq of [3, 4, 5]) yield* send(seq)
        yield* appliedCount(5)
      })
    )
    // The lone first event is a batch of its own, at once; the four behind it came together.
    expect(batches).toEqual([[1], [2, 3, 4, 5]])
  })

  it("applies a message that comes to a quiet lane at once, without waiting out the window", async () => {
    // A window of a minute: the message is applied within the 10 s `appliedCount` waits only if it did not wait.
    const batches = await withWindow(60_000, (send, appliedCount) =>
      Effect.gen(function* () {
        yield* send(1)
        yield* appliedCount(1)
      })
    )
    expect(batches).toEqual([[1]])
  })

  it("applies a message that met another by chance in a slow stream at once, without waiting out the window", async () => {
    const batches = await withWindow(
      3,
      (send, appliedCount) =>
        Effect.gen(function* () {
          // 100 a second: each applied on its own, at once.
          for (const seq of [1, 2, 3, 4]) {
            yield* send(seq)
            yield* appliedCount(seq)
            yield* TestClock.adjust(10)
          }
          // The fifth comes 10 ms after the fourth, the sixth in the same millisecond, as the lane finishes the fifth.
          yield* send(5)
          yield* appliedCount(5)
          yield* send(6)
          yield* appliedCount(6)
        }),
      { testClock: true }
    )
    expect(batches).toEqual([[1], [2], [3], [4], [5], [6]])
  })
})

describe("Consumer gap requests", () => {
  const MARKER = "the requests before this one have come"
  const resendRequests = (gapGraceMs: number, waitMs: number) =>
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      const requests: Array<string> = []
      const station = yield* bus.client("station")
      yield* station.subscribe(Topics.resend("HAM1", "PACK-01"), (request) =>
        Effect.sync(() => {
          requests.push(new TextDecoder().decode(request.payload))
        })
      )
      const context = yield* Layer.build(
        consumerRigLayer({
          filename: ":memory:",
          broker: Layer.effect(Broker, bus.client("hub")),
          resendIntervalMs: 1,
          gapGraceMs
        })
      )
      const consumer = Context.get(context, Consumer)
      yield* consumer.receive(message(1))
      yield* consumer.receive(message(3))
      yield* Effect.sleep(waitMs)
      yield* consumer.receive(message(4))
      // The bus hands the station its messages in the order they were published: once a marker published now has
      // come, so has every request the consumer published before it.
      const probe = yield* bus.client("probe")
      yield* probe.publish(Topics.resend("HAM1", "PACK-01"), new TextEncoder().encode(MARKER), {
        qos: 1,
        timeoutMs: 1_000
      })
      yield* waitFor(
        Effect.sync(() => requests),
        (seen) => seen.includes(MARKER),
        10_000
      )
      return requests.filter((request) => request !== MARKER)
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))

  it("asks for a gap at once without a grace, and only once the gap has stood for the grace with one", async () => {
    const atOnce = await Effect.runPromise(resendRequests(0, 0))
    expect(atOnce[0]).toBe(JSON.stringify({ epoch: "e1", fromSeq: 2 }))
    // Behind a shared subscription: the gap at 3 is left to the group for the grace, then asked for at 4.
    const stillGraced = await Effect.runPromise(resendRequests(60_000, 0))
    expect(stillGraced).toEqual([])
    const afterGrace = await Effect.runPromise(resendRequests(100, 150))
    expect(afterGrace).toEqual([JSON.stringify({ epoch: "e1", fromSeq: 2 })])
  })
})

describe("Consumer batches", () => {
  it("applies a batch in order in one pass: duplicates dropped, an early successor held until its gap fills", async () => {
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const outcomes = yield* consumer.receiveBatch([1, 2, 2, 4, 3, 5].map(message))
            return { outcomes, applied: yield* appliedEvents, held: yield* heldSeqs }
          })
      )
    )
    expect(result.outcomes).toEqual(["applied", "applied", "duplicate", "held", "applied", "applied"])
    expect(result.applied.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5])
    expect(result.held).toEqual([])
    expect(checkDelivery(committed(5), result.applied)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
  })

  it("applies a batch whose applied id is somehow there already one message at a time, each event once", async () => {
    // A batch writes its applied ids without ON CONFLICT (each is above the cursor it read): a row there all the same
    // fails the batch, and the events go one per transaction, whose single-row insert keeps the row there.
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const sql = yield* Sql
            yield* sql.execute(
              "INSERT INTO sync_consumer_applied (site_id, station_id, epoch, seq, event_id) VALUES (?, ?, ?, ?, ?)",
              ["HAM1", "PACK-01", "e1", 2, "ev-2"]
            )
            const outcomes = yield* consumer.receiveBatch([1, 2, 3].map(message))
            const cursor = yield* rowsOf<{ last_seq: number }>("SELECT last_seq FROM sync_consumer_cursor")
            const ids = yield* rowsOf<{ seq: number; event_id: string }>(
              "SELECT seq, event_id FROM sync_consumer_applied ORDER BY seq"
            )
            return { outcomes, applied: yield* appliedEvents, cursor, ids }
          })
      )
    )
    expect(result.outcomes).toEqual(["applied", "applied", "applied"])
    expect(checkDelivery(committed(3), result.applied)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
    expect(result.cursor.map((row) => Number(row.last_seq))).toEqual([3])
    expect(result.ids.map((row) => [Number(row.seq), row.event_id])).toEqual([
      [1, "ev-1"],
      [2, "ev-2"],
      [3, "ev-3"]
    ])
  })

  it("a failing effect in a batch keeps the events before it applied and holds itself and its successors", async () => {
    let broken = true
    const result = await Effect.runPromise(
      withConsumer(
        (event) => (broken && event.seq === 3 ? "label service down" : undefined),
        (consumer) =>
          Effect.gen(function* () {
            const outcomes = yield* consumer.receiveBatch([1, 2, 3, 4, 5, 6].map(message))
            const appliedWhileBroken = yield* appliedEvents
            const heldWhileBroken = yield* heldSeqs
            broken = false
            // The station resends from the gap; 3 now applies and pulls its held successors after it.
            const resent = yield* consumer.receive(message(3))
            return { outcomes, appliedWhileBroken, heldWhileBroken, resent, applied: yield* appliedEvents }
          })
      )
    )
    expect(result.outcomes).toEqual(["applied", "applied", "failed", "held", "held", "held"])
    expect(result.appliedWhileBroken.map((event) => event.seq)).toEqual([1, 2])
    expect(result.heldWhileBroken).toEqual([
      { seq: 3, reason: "apply failed: label service down" },
      { seq: 4, reason: "gap: waiting for 3" },
      { seq: 5, reason: "gap: waiting for 3" },
      { seq: 6, reason: "gap: waiting for 3" }
    ])
    expect(result.resent).toBe("applied")
    expect(checkDelivery(committed(6), result.applied)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
  })

  it("quarantines a malformed message inside a batch without holding back the valid ones", async () => {
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const garbage: BrokerMessage = { ...message(2), payload: encodeJson({ not: "an envelope" }) }
            const outcomes = yield* consumer.receiveBatch([message(1), garbage, message(2), message(3)])
            const sql = yield* Sql
            const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_consumer_quarantine")
            return { outcomes, quarantined, applied: yield* appliedEvents }
          })
      )
    )
    expect(result.outcomes).toEqual(["applied", "quarantined", "applied", "applied"])
    expect(result.quarantined).toHaveLength(1)
    expect(result.quarantined[0]?.reason).toContain("not an event envelope")
    expect(result.applied.map((event) => event.seq)).toEqual([1, 2, 3])
  })
})

const envelopeText = (seq: number, overrides: Partial<EventEnvelope> = {}) =>
  JSON.stringify({ ...envelope(seq), ...overrides })
const raw = (text: string, topic = Topics.event("HAM1", "PACK-01", "test.scanned")): BrokerMessage => ({
  topic,
  payload: new TextEncoder().encode(text),
  userProperties: {}
})

const rowsOf = <Row>(sqlText: string) => Effect.flatMap(Sql, (sql) => sql.query<Row>(sqlText))

const quarantineReasons = Effect.map(
  rowsOf<{ reason: string }>("SELECT reason FROM sync_consumer_quarantine ORDER BY id"),
  (rows) => rows.map((row) => row.reason)
)

describe("Consumer: nothing real is dropped for a fake", () => {
  it("takes a second event at a number already applied, with another id, for a conflict: quarantined, counted, raised", async () => {
    const alerts: Array<unknown> = []
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(
          consumerRigLayer({
            filename: ":memory:",
            broker: Layer.effect(Broker, bus.client("hub")),
            onAlert: (alert) => Effect.sync(() => alerts.push(alert))
          })
        )
        return yield* Effect.gen(function* () {
          const consumer = yield* Consumer
          const forged = raw(envelopeText(2, { id: "forged-2" }))
          const outcomes = yield* consumer.receiveBatch([message(1), forged, message(2), message(2), message(3)])
          const conflicts = yield* rowsOf<{
            kind: string
            seq: number
            event_id: string
            held_by: string
            seen: number
          }>("SELECT kind, seq, event_id, held_by, seen FROM sync_consumer_conflicts")
          return { outcomes, conflicts, applied: yield* appliedEvents }
        }).pipe(Effect.provide(context))
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
    )
    expect(result.outcomes).toEqual(["applied", "applied", "conflict", "conflict", "applied"])
    expect(result.applied.map((event) => event.id)).toEqual(["ev-1", "forged-2", "ev-3"])
    expect(result.conflicts).toEqual([{ kind: "conflict", seq: 2, event_id: "ev-2", held_by: "forged-2", seen: 2 }])
    expect(alerts).toEqual([
      expect.objectContaining({ kind: "conflict", seq: 2, eventId: "ev-2", heldBy: "forged-2", stationId: "PACK-01" })
    ])
  })

  it("takes a second event for a number already held for another id for a conflict, and keeps the first", async () => {
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const outcomes = yield* consumer.receiveBatch([message(1), message(3), raw(envelopeText(3, { id: "x-3" }))])
            const held = yield* rowsOf<{ event_id: string }>("SELECT event_id FROM sync_consumer_held")
            const then = yield* consumer.receive(message(2))
            return { outcomes, held, then, applied: yield* appliedEvents }
          })
      )
    )
    expect(result.outcomes).toEqual(["applied", "held", "conflict"])
    expect(result.held).toEqual([{ event_id: "ev-3" }])
    expect(result.then).toBe("applied")
    expect(result.applied.map((event) => event.id)).toEqual(["ev-1", "ev-2", "ev-3"])
  })
})

describe("Consumer: bad input stops at the edge, and the stream goes on", () => {
  it("quarantines an event with Infinity (1e400) in its place, so the events after it are applied", async () => {
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const infinite = raw(envelopeText(2).replace(/"wallMs":\d+/, '"wallMs":1e400'))
            const outcomes = yield* consumer.receiveBatch([message(1), infinite, message(3)])
            const quarantined = yield* rowsOf<{ reason: string }>("SELECT reason FROM sync_consumer_quarantine")
            const cursor = yield* rowsOf<{ last_seq: number }>("SELECT last_seq FROM sync_consumer_cursor")
            return { outcomes, quarantined, cursor, applied: yield* appliedEvents }
          })
      )
    )
    expect(result.outcomes).toEqual(["applied", "quarantined", "applied"])
    expect(result.quarantined[0]?.reason).toBe(
      "refused in sequence (seq 2): out of bounds: $.eventTime.wallMs is not a finite number"
    )
    expect(result.applied.map((event) => event.seq)).toEqual([1, 3])
    expect(result.cursor).toEqual([{ last_seq: 3 }])
  })

  it("refuses in its place an event the projection cannot apply, and one dated more than a day ahead", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(
          consumerRigLayer({
            filename: ":memory:",
            broker: Layer.effect(Broker, bus.client("hub")),
            refuse: (event) => (event.seq === 2 ? new EventRefused({ reason: "payload does not decode" }) : undefined)
          })
        )
        return yield* Effect.gen(function* () {
          const consumer = yield* Consumer
          const ahead = raw(envelopeText(3, { recordTimeMs: Date.now() + 2 * 86_400_000 }))
          const outcomes = yield* consumer.receiveBatch([message(1), message(2), ahead, message(4)])
          const quarantined = yield* rowsOf<{ reason: string }>(
            "SELECT reason FROM sync_consumer_quarantine ORDER BY id"
          )
          return { outcomes, quarantined, applied: yield* appliedEvents }
        }).pipe(Effect.provide(context))
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
    )
    expect(result.outcomes).toEqual(["applied", "quarantined", "quarantined", "applied"])
    expect(result.quarantined.map((row) => row.reason)).toEqual([
      "refused in sequence (seq 2): payload does not decode",
      expect.stringMatching(/^refused in sequence \(seq 3\): recordTimeMs is 28\d\d min ahead of the hub's clock$/)
    ])
    expect(result.applied.map((event) => event.seq)).toEqual([1, 4])
  })

  it("tells why a message is not taken in the same order whatever else is wrong with it: place, sender, bounds, envelope", async () => {
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const outcomes = yield* consumer.receiveBatch([
              // No place (seq 0), and out of bounds too.
              raw(envelopeText(0).replace(/"wallMs":\d+/, '"wallMs":1e400')),
              // Another station's, and out of bounds too.
              raw(envelopeText(1, { stationId: "PACK-02" }).replace(/"wallMs":\d+/, '"wallMs":1e400')),
              // In its place, out of bounds, and no whole envelope (no version).
              raw(
                envelopeText(1)
                  .replace('"version":1,', "")
                  .replace(/"wallMs":\d+/, '"wallMs":1e400')
              ),
              // In its place, no whole envelope.
              raw(envelopeText(2, { actor: { role: "robot" } as unknown as EventEnvelope["actor"] })),
              message(3)
            ])
            return { outcomes, reasons: yield* quarantineReasons, applied: yield* appliedEvents }
          })
      )
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined", "quarantined", "quarantined", "applied"])
    expect(result.reasons).toEqual([
      expect.stringMatching(/^not an event envelope: .*seq/s),
      "envelope (HAM1/PACK-02, test.scanned) does not match its topic and sender (HAM1/PACK-01, test.scanned)",
      "refused in sequence (seq 1): out of bounds: $.eventTime.wallMs is not a finite number",
      expect.stringMatching(/^refused in sequence \(seq 2\): not an event envelope: .*role/s)
    ])
    expect(result.applied.map((event) => event.seq)).toEqual([3])
  })

  it("names a topic, envelope and sender that disagree, and keeps 4 KB and the SHA-256 of a large payload", async () => {
    const result = await Effect.runPromise(
      withConsumer(
        () => undefined,
        (consumer) =>
          Effect.gen(function* () {
            const foreign = raw(envelopeText(1, { stationId: "PACK-02" }))
            const big = raw(`{"junk":"${"x".repeat(200_000)}"}`)
            const outcomes = yield* consumer.receiveBatch([foreign, big])
            const rows = yield* rowsOf<{
              reason: string
              payload: string
              payload_bytes: number
              payload_sha256: string
            }>("SELECT reason, payload, payload_bytes, payload_sha256 FROM sync_consumer_quarantine ORDER BY id")
            return { outcomes, rows }
          })
      )
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined"])
    expect(result.rows[0]?.reason).toBe(
      "envelope (HAM1/PACK-02, test.scanned) does not match its topic and sender (HAM1/PACK-01, test.scanned)"
    )
    expect(result.rows[1]?.payload.length).toBe(4_096)
    expect(result.rows[1]?.payload_bytes).toBe(200_011)
    expect(result.rows[1]?.payload_sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it("holds early events only within the window above the cursor, and keeps the quarantine at its limit", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(
          consumerRigLayer({
            filename: ":memory:",
            broker: Layer.effect(Broker, bus.client("hub")),
            holdWindow: 10,
            quarantineLimit: 20
          })
        )
        return yield* Effect.gen(function* () {
          const consumer = yield* Consumer
          const outcomes = yield* consumer.receiveBatch([message(1), message(11), message(12), message(1_000_000)])
          const junk = Array.from({ length: 300 }, (_, index) => raw(`not json ${index}`))
          yield* consumer.receiveBatch(junk)
          const quarantine = yield* rowsOf<{ n: number }>("SELECT COUNT(*) AS n FROM sync_consumer_quarantine")
          const evicted = yield* rowsOf<{ value: number }>("SELECT value FROM sync_consumer_counters")
          const held = yield* rowsOf<{ seq: number }>("SELECT seq FROM sync_consumer_held ORDER BY seq")
          return { outcomes, quarantine, evicted, held }
        }).pipe(Effect.provide(context))
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
    )
    expect(result.outcomes).toEqual(["applied", "held", "deferred", "deferred"])
    expect(result.held).toEqual([{ seq: 11 }])
    expect(result.quarantine[0]?.n).toBeLessThanOrEqual(20)
    expect(Number(result.evicted[0]?.value) + Number(result.quarantine[0]?.n)).toBe(300)
  })
})

describe("Consumer: an event refused behind a gap is refused in its own place", () => {
  /** The projection refuses these seqs of PACK-01 for good, each with its own reason (as a forged order version is). */
  const refusing = (seqs: ReadonlyArray<number>) => (event: EventEnvelope) =>
    event.stationId === "PACK-01" && seqs.includes(event.seq)
      ? new EventRefused({ reason: `forged order version at seq ${event.seq}` })
      : undefined
  const refusal = (seq: number) => `forged order version at seq ${seq}`

  /** A consumer whose projection refuses `seqs`, knows every version while `known.now` holds, and keeps its alerts. */
  const withRefusals = <A, E>(
    seqs: ReadonlyArray<number>,
    body: (consumer: Consumer["Service"], known: { now: boolean }) => Effect.Effect<A, E, Sql>
  ) =>
    Effect.gen(function* () {
      const alerts: Array<StreamAlert> = []
      const known = { now: true }
      const bus = yield* makeMemoryBus()
      const context = yield* Layer.build(
        consumerRigLayer({
          filename: ":memory:",
          broker: Layer.effect(Broker, bus.client("hub")),
          refuse: refusing(seqs),
          knows: () => known.now,
          onAlert: (alert) => Effect.sync(() => alerts.push(alert))
        })
      )
      const result = yield* Effect.flatMap(Consumer, (consumer) => body(consumer, known)).pipe(Effect.provide(context))
      return { ...result, alerts }
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"), Effect.runPromise)

  /** What the stream looks like at the consumer: applied, quarantined, recorded as refused, the cursor, held. */
  const streamNow = Effect.gen(function* () {
    const quarantined = yield* rowsOf<{ reason: string }>("SELECT reason FROM sync_consumer_quarantine ORDER BY id")
    const recorded = yield* rowsOf<{ kind: string; station_id: string; seq: number; event_id: string; reason: string }>(
      "SELECT kind, station_id, seq, event_id, reason FROM sync_consumer_conflicts ORDER BY id"
    )
    const cursors = yield* rowsOf<{ station_id: string; last_seq: number }>(
      "SELECT station_id, last_seq FROM sync_consumer_cursor ORDER BY station_id"
    )
    return {
      applied: (yield* appliedEvents).map((event) => `${event.stationId}#${event.seq}`),
      quarantined: quarantined.map((row) => row.reason),
      recorded: recorded.map((row) => [row.kind, row.station_id, Number(row.seq), row.event_id, row.reason]),
      cursors: cursors.map((row) => [row.station_id, Number(row.last_seq)]),
      held: (yield* heldSeqs).map((row) => row.seq)
    }
  })

  type Delivery = "one by one" | "batched"
  const deliver = (consumer: Consumer["Service"], delivery: Delivery, seqs: ReadonlyArray<number>) =>
    delivery === "batched"
      ? consumer.receiveBatch(seqs.map(message))
      : Effect.forEach(seqs, (seq) => consumer.receive(message(seq)))

  for (const delivery of ["one by one", "batched"] as const) {
    it(`applies the gap's event, then refuses the held event after it in its place with its reason, and goes on (${delivery})`, async () => {
      const result = await withRefusals([3], (consumer) =>
        Effect.gen(function* () {
          const outcomes = [
            yield* deliver(consumer, delivery, [1]),
            yield* deliver(consumer, delivery, [3, 4]),
            // The genuine 2 fills the gap: 3, held, is the one refused; 4 comes after it.
            yield* deliver(consumer, delivery, [2]),
            yield* deliver(consumer, delivery, [5])
          ]
          return { outcomes, ...(yield* streamNow) }
        })
      )
      expect(result.outcomes).toEqual([["applied"], ["held", "held"], ["applied"], ["applied"]])
      expect(result.applied).toEqual(["PACK-01#1", "PACK-01#2", "PACK-01#4", "PACK-01#5"])
      expect(result.quarantined).toEqual([`refused in sequence (seq 3): ${refusal(3)}`])
      expect(result.recorded).toEqual([["refused", "PACK-01", 3, "ev-3", refusal(3)]])
      // The station is told of 3, once, never of 2.
      expect(result.alerts).toEqual([
        expect.objectContaining({ kind: "refused", stationId: "PACK-01", seq: 3, eventId: "ev-3", reason: refusal(3) })
      ])
      expect(result.cursors).toEqual([["PACK-01", 5]])
      expect(result.held).toEqual([])
    })

    it(`refuses two held events behind one gap, each in its place with its own reason (${delivery})`, async () => {
      const result = await withRefusals([3, 4], (consumer) =>
        Effect.gen(function* () {
          const outcomes = [
            yield* deliver(consumer, delivery, [1, 3, 4, 5]),
            yield* deliver(consumer, delivery, [2]),
            yield* deliver(consumer, delivery, [6])
          ]
          return { outcomes, ...(yield* streamNow) }
        })
      )
      expect(result.outcomes).toEqual([["applied", "held", "held", "held"], ["applied"], ["applied"]])
      expect(result.applied).toEqual(["PACK-01#1", "PACK-01#2", "PACK-01#5", "PACK-01#6"])
      expect(result.quarantined).toEqual([
        `refused in sequence (seq 3): ${refusal(3)}`,
        `refused in sequence (seq 4): ${refusal(4)}`
      ])
      expect(result.recorded).toEqual([
        ["refused", "PACK-01", 3, "ev-3", refusal(3)],
        ["refused", "PACK-01", 4, "ev-4", refusal(4)]
      ])
      // Told once each, by the try that commits: not by the one rolled back once 4 was refused too.
      expect(result.alerts.map((alert) => `${alert.kind} ${alert.seq} ${alert.eventId} ${alert.reason}`)).toEqual([
        `refused 3 ev-3 ${refusal(3)}`,
        `refused 4 ev-4 ${refusal(4)}`
      ])
      expect(result.cursors).toEqual([["PACK-01", 6]])
      expect(result.held).toEqual([])
    })
  }

  it("drains held events after an upgrade: a refused one in its place with its reason, the rest applied, every stream", async () => {
    const other = (seq: number) =>
      raw(
        envelopeText(seq, { id: `other-${seq}`, stationId: "PACK-02" }),
        Topics.event("HAM1", "PACK-02", "test.scanned")
      )
    const result = await withRefusals([2], (consumer, known) =>
      Effect.gen(function* () {
        yield* consumer.receive(message(1))
        // A version this consumer does not know yet: held at the cursor, and what comes after it behind it.
        known.now = false
        const whileUnknown = yield* consumer.receiveBatch([message(2), message(3), other(1), other(2)])
        known.now = true
        const drained = yield* consumer.drainHeld
        return { whileUnknown, drained, ...(yield* streamNow) }
      })
    )
    expect(result.whileUnknown).toEqual(["held", "held", "held", "held"])
    // Two held events took their place in each stream: PACK-01's 2 (refused) and 3, PACK-02's 1 and 2.
    expect(result.drained).toEqual({ taken: 4, failed: [] })
    const ofStation = (stationId: string) => result.applied.filter((event) => event.startsWith(`${stationId}#`))
    expect(ofStation("PACK-01")).toEqual(["PACK-01#1", "PACK-01#3"])
    expect(ofStation("PACK-02")).toEqual(["PACK-02#1", "PACK-02#2"])
    expect(result.quarantined).toEqual([`refused in sequence (seq 2): ${refusal(2)}`])
    expect(result.recorded).toEqual([["refused", "PACK-01", 2, "ev-2", refusal(2)]])
    expect(result.alerts).toEqual([
      expect.objectContaining({ kind: "refused", stationId: "PACK-01", seq: 2, eventId: "ev-2", reason: refusal(2) })
    ])
    expect(result.cursors).toEqual([
      ["PACK-01", 3],
      ["PACK-02", 2]
    ])
    expect(result.held).toEqual([])
  })
})

/**
 * What the projection does to events, by station and seq ("PACK-01#3"), switchable while a test runs: refuse them
 * for good (`EventRefused`), fail them for a passing reason (a store that is busy), or not know their version at all.
 */
interface Faults {
  readonly refused: Set<string>
  readonly failing: Set<string>
  known: boolean
}
const placeOf = (event: { readonly stationId: string; readonly seq: number }) => `${event.stationId}#${event.seq}`
const busy = (at: string) => `store busy at ${at}`
const forged = (at: string) => `forged order version at ${at}`

type Bus = Effect.Success<ReturnType<typeof makeMemoryBus>>

/**
 * A consumer on `filename` (SQLite) with `faults` in its projection; its alerts and warnings are kept. `onApply` sees
 * each try to apply an event (its place, "PACK-01#3"); `testClock` runs it all on a clock the test moves
 * (`TestClock.adjust`).
 */
const withFaults = <A, E>(
  body: (consumer: Consumer["Service"], faults: Faults, bus: Bus) => Effect.Effect<A, E, Sql | Scope.Scope>,
  options: {
    readonly filename?: string
    readonly faults?: Faults
    readonly rig?: Pick<ConsumerRigOptions, "heldRetryMs" | "heldRetryMaxMs">
    readonly onApply?: (at: string) => void
    readonly testClock?: boolean
  } = {}
) => {
  const alerts: Array<StreamAlert> = []
  const logged: Array<string> = []
  const faults: Faults = options.faults ?? { refused: new Set(), failing: new Set(), known: true }
  return Effect.gen(function* () {
    const bus = yield* makeMemoryBus()
    const context = yield* Layer.build(
      consumerRigLayer({
        filename: options.filename ?? ":memory:",
        broker: Layer.effect(Broker, bus.client("hub")),
        ...options.rig,
        refuse: (event) => {
          const at = placeOf(event)
          options.onApply?.(at)
          if (faults.refused.has(at)) return new EventRefused({ reason: forged(at) })
          return faults.failing.has(at) ? busy(at) : undefined
        },
        knows: () => faults.known,
        onAlert: (alert) => Effect.sync(() => alerts.push(alert))
      })
    )
    const result = yield* Effect.flatMap(Consumer, (consumer) => body(consumer, faults, bus)).pipe(
      Effect.provide(context)
    )
    return { ...result, alerts, logged }
  }).pipe(
    Effect.scoped,
    options.testClock === true ? Effect.provide(TestClock.layer()) : (effect) => effect,
    Effect.provide(
      Logger.layer([
        Logger.make((entry) => {
          if (entry.logLevel === "Warn" || entry.logLevel === "Error") logged.push([entry.message].flat().join(" "))
        })
      ])
    ),
    Effect.runPromise
  )
}

/** A message of another station's stream (PACK-02, PACK-03…), numbered as PACK-01's. */
const messageOf = (stationId: string, seq: number) =>
  raw(envelopeText(seq, { id: `${stationId}-${seq}`, stationId }), Topics.event("HAM1", stationId, "test.scanned"))

/** The stream at the consumer: applied and refused in place (for the checker), held with reasons, cursors. */
const streamState = Effect.gen(function* () {
  const held = yield* rowsOf<{ station_id: string; seq: number; reason: string }>(
    "SELECT station_id, seq, reason FROM sync_consumer_held ORDER BY station_id, seq"
  )
  const cursors = yield* rowsOf<{ station_id: string; last_seq: number }>(
    "SELECT station_id, last_seq FROM sync_consumer_cursor ORDER BY station_id"
  )
  return {
    applied: yield* appliedEvents,
    refused: yield* refusedInPlace,
    held: held.map((row) => `${row.station_id}#${Number(row.seq)}: ${row.reason}`),
    cursors: cursors.map((row) => `${row.station_id}#${Number(row.last_seq)}`)
  }
})

describe("Consumer: a held event whose apply fails behind a gap fails in its own place", () => {
  const deliver = (consumer: Consumer["Service"], delivery: "one by one" | "batched", seqs: ReadonlyArray<number>) =>
    delivery === "batched"
      ? consumer.receiveBatch(seqs.map(message))
      : Effect.forEach(seqs, (seq) => consumer.receive(message(seq)))

  for (const delivery of ["one by one", "batched"] as const) {
    it(`commits the gap's event and the held ones before the failing one, which stays held with its own reason and log (${delivery})`, async () => {
      const result = await withFaults((consumer, faults) =>
        Effect.gen(function* () {
          faults.failing.add("PACK-01#4")
          const outcomes = [
            yield* deliver(consumer, delivery, [1]),
            yield* deliver(consumer, delivery, [3, 4, 5]),
            // The genuine 2 fills the gap: it and 3 can commit; 4's store is busy.
            yield* deliver(consumer, delivery, [2])
          ]
          const whileBusy = yield* streamState
          faults.failing.clear()
          // The station sends 4 again (it is unconfirmed: the ack is 3): it is applied, and 5 after it.
          outcomes.push(yield* deliver(consumer, delivery, [4]))
          return { outcomes, whileBusy, after: yield* streamState }
        })
      )
      expect(result.outcomes).toEqual([["applied"], ["held", "held", "held"], ["applied"], ["applied"]])
      expect(result.whileBusy.applied.map((event) => event.seq)).toEqual([1, 2, 3])
      expect(result.whileBusy.cursors).toEqual(["PACK-01#3"])
      expect(result.whileBusy.held).toEqual([
        `PACK-01#4: apply failed: ${busy("PACK-01#4")}`,
        // As it was held: its reason is written when it is held.
        "PACK-01#5: gap: waiting for 2"
      ])
      // The log names the event that failed, with its reason; never the one that filled the gap.
      expect(result.logged.filter((line) => line.includes("failed"))).toEqual([
        `sync consumer: applying test.scanned seq 4 of HAM1/PACK-01 epoch e1 (held) failed: ${busy("PACK-01#4")}; it stays held, and its transaction is redone up to it`
      ])
      expect(result.after.held).toEqual([])
      expect(result.after.cursors).toEqual(["PACK-01#5"])
      expect(checkDelivery(committed(5), result.after.applied)).toEqual({
        lost: [],
        appliedTwice: [],
        unexpected: [],
        outOfOrder: []
      })
    })
  }

  it("refuses one held event in its place and stops before a failing one behind the same gap; told once; the checker counts the refused one", async () => {
    const result = await withFaults((consumer, faults) =>
      Effect.gen(function* () {
        faults.refused.add("PACK-01#3")
        faults.failing.add("PACK-01#5")
        yield* consumer.receive(message(1))
        yield* consumer.receiveBatch([3, 4, 5, 6].map(message))
        const filled = yield* consumer.receive(message(2))
        const whileBusy = yield* streamState
        faults.failing.clear()
        const resent = yield* consumer.receiveBatch([5, 6].map(message))
        return { filled, whileBusy, resent, after: yield* streamState }
      })
    )
    expect(result.filled).toBe("applied")
    expect(result.whileBusy.applied.map((event) => event.seq)).toEqual([1, 2, 4])
    expect(result.whileBusy.held).toEqual([
      `PACK-01#5: apply failed: ${busy("PACK-01#5")}`,
      "PACK-01#6: gap: waiting for 2"
    ])
    expect(result.resent).toEqual(["applied", "duplicate"])
    // 3 is told once, by the try that committed: neither by the one that found it refused nor by the one 5 failed.
    expect(result.alerts.map((alert) => [alert.kind, alert.seq, alert.eventId, alert.reason])).toEqual([
      ["refused", 3, "ev-3", forged("PACK-01#3")]
    ])
    expect(result.after.refused).toEqual([{ id: "ev-3", stationId: "PACK-01", epoch: "e1", seq: 3 }])
    expect(checkDelivery(committed(6), result.after.applied, result.after.refused)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
  })

  it("tells an alert once when the batch that recorded it fails after it and is replayed one message at a time", async () => {
    const result = await withFaults((consumer, faults) =>
      Effect.gen(function* () {
        faults.failing.add("PACK-01#3")
        const outcomes = yield* consumer.receiveBatch([
          message(1),
          message(2),
          raw(envelopeText(2, { id: "forged-2" })),
          message(3)
        ])
        const seen = yield* rowsOf<{ seen: number }>("SELECT seen FROM sync_consumer_conflicts")
        return { outcomes, seen: seen.map((row) => Number(row.seen)) }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied", "conflict", "failed"])
    expect(result.alerts.map((alert) => [alert.kind, alert.seq, alert.eventId])).toEqual([["conflict", 2, "forged-2"]])
    expect(result.seen).toEqual([1])
  })
})

describe("Consumer: held events drained", () => {
  it("drains every stream, goes on past one whose held event fails, refuses in its place one whose held row cannot be read, and reports each once", async () => {
    const result = await withFaults((consumer, faults) =>
      Effect.gen(function* () {
        // PACK-01: 1 applied, then 2 and 3 held (a version not known yet); PACK-02: 1 and 2 held; PACK-03: 1 held;
        // PACK-04: 1 and 2 held, 1's row then damaged.
        yield* consumer.receive(message(1))
        faults.known = false
        yield* consumer.receiveBatch([
          message(2),
          message(3),
          messageOf("PACK-02", 1),
          messageOf("PACK-02", 2),
          messageOf("PACK-03", 1),
          messageOf("PACK-04", 1),
          messageOf("PACK-04", 2)
        ])
        const sql = yield* Sql
        yield* sql.execute("UPDATE sync_consumer_held SET envelope = '{' WHERE station_id = 'PACK-04' AND seq = 1")
        // The upgrade: every version known; PACK-01's 3 and PACK-03's 1 meet a busy store.
        faults.known = true
        faults.failing.add("PACK-01#3")
        faults.failing.add("PACK-03#1")
        const drained = yield* consumer.drainHeld
        const whileBusy = yield* streamState
        const quarantinedFirst = yield* quarantineReasons
        faults.failing.clear()
        const again = yield* consumer.drainHeld
        const after = yield* streamState
        return { drained, whileBusy, quarantinedFirst, again, after, quarantined: yield* quarantineReasons }
      })
    )
    // PACK-01's 2, PACK-02's two and PACK-04's two took their place (its 1 refused in it); PACK-01 stopped at 3,
    // PACK-03 at 1.
    expect(result.drained.taken).toBe(5)
    expect(result.drained.failed).toEqual([
      { siteId: "HAM1", stationId: "PACK-01", epoch: "e1", seq: 3, reason: busy("PACK-01#3") },
      { siteId: "HAM1", stationId: "PACK-03", epoch: "e1", seq: 1, reason: busy("PACK-03#1") }
    ])
    expect(result.whileBusy.cursors).toEqual(["PACK-01#2", "PACK-02#2", "PACK-04#2"])
    expect(result.whileBusy.held).toEqual([
      `PACK-01#3: apply failed: ${busy("PACK-01#3")}`,
      `PACK-03#1: apply failed: ${busy("PACK-03#1")}`
    ])
    expect(result.again).toEqual({ taken: 2, failed: [] })
    expect(result.after.cursors).toEqual(["PACK-01#3", "PACK-02#2", "PACK-03#1", "PACK-04#2"])
    expect(result.after.held).toEqual([])
    const ofStation = (stationId: string) =>
      result.after.applied.filter((event) => event.stationId === stationId).map((event) => event.seq)
    expect([ofStation("PACK-01"), ofStation("PACK-02"), ofStation("PACK-03"), ofStation("PACK-04")]).toEqual([
      [1, 2, 3],
      [1, 2],
      [1],
      [2]
    ])
    // PACK-04's 1 moved from the held rows to the quarantine with its reason, once; its station is told once.
    const unreadable = expect.stringMatching(/^its held copy cannot be read: not JSON: /)
    expect(result.quarantined).toEqual([
      expect.stringMatching(/^refused in sequence \(seq 1\): its held copy cannot be read: not JSON: /)
    ])
    expect(result.after.refused).toEqual([{ id: "PACK-04-1", stationId: "PACK-04", epoch: "e1", seq: 1 }])
    expect(result.alerts.map((alert) => [alert.kind, alert.stationId, alert.seq, alert.eventId, alert.reason])).toEqual(
      [["refused", "PACK-04", 1, "PACK-04-1", unreadable]]
    )
    expect(result.quarantinedFirst).toEqual(result.quarantined)
    const appliedOf04 = result.after.applied.filter((event) => event.stationId === "PACK-04")
    expect(checkDelivery([{ id: "PACK-04-1" }, { id: "PACK-04-2" }], appliedOf04, result.after.refused)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
    expect(result.logged).toContain(
      `sync consumer: applying test.scanned seq 3 of HAM1/PACK-01 epoch e1 (held) failed: ${busy("PACK-01#3")}; it stays held, and its transaction is redone up to it`
    )
  })

  it("refuses in its place each held row that cannot be read or is of the wrong shape, once the gap before it fills, and the stream goes on", async () => {
    const result = await withFaults((consumer) =>
      Effect.gen(function* () {
        yield* consumer.receive(message(1))
        yield* consumer.receiveBatch([3, 4, 5, 6, 7].map(message))
        // Rows as a broken or older version may have left them: not JSON; JSON but no envelope; another stream's
        // envelope under 5's place; an old row (no id column) whose envelope is JSON null.
        const sql = yield* Sql
        yield* sql.execute("UPDATE sync_consumer_held SET envelope = '{' WHERE seq = 3")
        yield* sql.execute(`UPDATE sync_consumer_held SET envelope = '{"id":"ev-4"}' WHERE seq = 4`)
        yield* sql.execute("UPDATE sync_consumer_held SET envelope = ? WHERE seq = 5", [
          envelopeText(9, { id: "other-9", stationId: "PACK-02" })
        ])
        yield* sql.execute("UPDATE sync_consumer_held SET envelope = 'null', event_id = NULL WHERE seq = 6")
        // The genuine 2 fills the gap.
        const filled = yield* consumer.receive(message(2))
        const state = yield* streamState
        const quarantined = yield* quarantineReasons
        const drained = yield* consumer.drainHeld
        return { filled, state, quarantined, drained, quarantinedAfterDrain: yield* quarantineReasons }
      })
    )
    expect(result.filled).toBe("applied")
    expect(result.state.applied.map((event) => event.seq)).toEqual([1, 2, 7])
    expect(result.state.cursors).toEqual(["PACK-01#7"])
    expect(result.state.held).toEqual([])
    const reasons = [
      expect.stringMatching(/^its held copy cannot be read: not JSON: /),
      expect.stringMatching(/^its held copy cannot be read: not an event envelope: /),
      "its held copy cannot be read: it holds HAM1/PACK-02 epoch e1 seq 9 (other-9), not HAM1/PACK-01 epoch e1 seq 5 (ev-5)",
      expect.stringMatching(/^its held copy cannot be read: not an event envelope: /)
    ]
    expect(result.state.refused).toEqual([
      { id: "ev-3", stationId: "PACK-01", epoch: "e1", seq: 3 },
      { id: "ev-4", stationId: "PACK-01", epoch: "e1", seq: 4 },
      { id: "ev-5", stationId: "PACK-01", epoch: "e1", seq: 5 },
      { id: "(unreadable)", stationId: "PACK-01", epoch: "e1", seq: 6 }
    ])
    expect(result.alerts.map((alert) => [alert.kind, alert.seq, alert.eventId, alert.reason])).toEqual([
      ["refused", 3, "ev-3", reasons[0]],
      ["refused", 4, "ev-4", reasons[1]],
      ["refused", 5, "ev-5", reasons[2]],
      ["refused", 6, "(unreadable)", reasons[3]]
    ])
    expect(result.quarantined).toHaveLength(4)
    expect(result.quarantined[2]).toBe(`refused in sequence (seq 5): ${reasons[2]}`)
    // Nothing is left to report: a drain after finds nothing, and quarantines nothing again.
    expect(result.drained).toEqual({ taken: 0, failed: [] })
    expect(result.quarantinedAfterDrain).toEqual(result.quarantined)
  })

  it("takes the station's resend of an unreadable held row that named no event, refused in its place, as a repeat, not a conflict", async () => {
    const result = await withFaults((consumer) =>
      Effect.gen(function* () {
        yield* consumer.receive(message(1))
        yield* consumer.receiveBatch([3, 4].map(message))
        const sql = yield* Sql
        // An old row (no id column) whose text is no JSON: nothing in it names its event.
        yield* sql.execute("UPDATE sync_consumer_held SET envelope = '{', event_id = NULL WHERE seq = 3")
        const filled = yield* consumer.receive(message(2))
        const quarantinedBefore = yield* quarantineReasons
        // The station sends 3 and 4 again (its ack timeout, or a resend request).
        const resent = [yield* consumer.receive(message(3)), yield* consumer.receiveBatch([message(3), message(4)])]
        const conflicts = yield* rowsOf<{ kind: string }>("SELECT kind FROM sync_consumer_conflicts ORDER BY id")
        return { filled, quarantinedBefore, resent, conflicts, quarantined: yield* quarantineReasons }
      })
    )
    expect(result.filled).toBe("applied")
    expect(result.quarantinedBefore).toEqual([
      expect.stringMatching(/^refused in sequence \(seq 3\): its held copy cannot be read: not JSON: /)
    ])
    expect(result.resent).toEqual(["duplicate", ["duplicate", "duplicate"]])
    expect(result.conflicts.map((row) => row.kind)).toEqual(["refused"])
    expect(result.quarantined).toEqual(result.quarantinedBefore)
    expect(result.alerts.map((alert) => alert.kind)).toEqual(["refused"])
  })

  it("moves a held row that cannot be read and names no event (an old row) to the quarantine when its event comes again, and takes that event", async () => {
    const result = await withFaults((consumer) =>
      Effect.gen(function* () {
        yield* consumer.receive(message(1))
        yield* consumer.receive(message(3))
        const sql = yield* Sql
        yield* sql.execute("UPDATE sync_consumer_held SET envelope = '{', event_id = NULL WHERE seq = 3")
        const outcomes = [yield* consumer.receive(message(3)), yield* consumer.receive(message(2))]
        return { outcomes, state: yield* streamState, quarantined: yield* quarantineReasons }
      })
    )
    expect(result.outcomes).toEqual(["held", "applied"])
    expect(result.quarantined).toEqual([
      expect.stringMatching(/^a held copy of seq 3 that cannot be read \(not JSON: .*\) gave way to ev-3, sent for it$/)
    ])
    expect(result.state.applied.map((event) => event.seq)).toEqual([1, 2, 3])
    expect(result.state.held).toEqual([])
  })

  it("applies at start, before anything arrives, what it held before a restart, and acks it: its station need not send it again", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-consumer-")), "hub.db")
    const faults: Faults = { refused: new Set(), failing: new Set(), known: false }
    // Before the upgrade: PACK-01's first events arrive in a version this hub does not know, and are held.
    const before = await withFaults(
      (consumer) =>
        Effect.gen(function* () {
          const outcomes = yield* consumer.receiveBatch([1, 2, 3].map(message))
          return { outcomes, state: yield* streamState }
        }),
      { filename, faults }
    )
    expect(before.outcomes).toEqual(["held", "held", "held"])
    expect(before.state.cursors).toEqual([])
    // After it, a hub that knows the version starts on the same database; no station sends anything.
    faults.known = true
    const after = await withFaults(
      (consumer, _faults, bus) =>
        Effect.gen(function* () {
          const station = yield* bus.client("station")
          const acks: Array<unknown> = []
          yield* station.subscribe(Topics.acks("HAM1", "PACK-01"), (ack) =>
            Effect.sync(() => acks.push(JSON.parse(new TextDecoder().decode(ack.payload))))
          )
          yield* consumer.start
          yield* waitFor(
            Effect.sync(() => acks),
            (seen) => seen.length > 0,
            10_000
          )
          return { acks, state: yield* streamState }
        }),
      { filename, faults }
    )
    expect(after.acks).toEqual([{ epoch: "e1", seq: 3, bundleMax: 64 }])
    expect(after.state.held).toEqual([])
    expect(checkDelivery(committed(3), after.state.applied)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
  })
})

describe("Consumer: a held event whose apply failed is tried again by the consumer itself", () => {
  const CLEAN = { lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] }
  /** Each place's tries to apply, counted. */
  const counting = () => {
    const tries = new Map<string, number>()
    return { tries, onApply: (at: string) => void tries.set(at, (tries.get(at) ?? 0) + 1) }
  }

  it("tries a held event that failed behind a gap again after 1, 2, 4, then every 4 s of its clock until its store is free; then it and those after it are applied in order, once", async () => {
    const { tries, onApply } = counting()
    const result = await withFaults(
      (consumer, faults) =>
        Effect.gen(function* () {
          yield* consumer.start
          faults.failing.add("PACK-01#4")
          yield* consumer.receive(message(1))
          yield* consumer.receiveBatch([3, 4, 5].map(message))
          // 2 fills the gap: 2 and 3 commit, 4's store is busy, 4 and 5 stay held. The station sends nothing more.
          yield* consumer.receive(message(2))
          const triesOf4 = () => tries.get("PACK-01#4") ?? 0
          const atFailure = triesOf4()
          // The clock is moved to a millisecond short of each try, then onto it: the tries made by then.
          const seen: Array<number> = []
          for (const waitMs of [1_000, 2_000, 4_000, 4_000]) {
            yield* TestClock.adjust(waitMs - 1)
            seen.push(triesOf4() - atFailure)
            yield* TestClock.adjust(1)
            seen.push(triesOf4() - atFailure)
          }
          const whileBusy = yield* streamState
          faults.failing.clear()
          yield* TestClock.adjust(4_000)
          const recovered = yield* streamState
          const triesWhenApplied = new Map(tries)
          // Nothing is left to try: an hour on, nothing was tried again.
          yield* TestClock.adjust(3_600_000)
          const triesAnHourOn = new Map(tries)
          // The station's resend, when it comes, finds both applied.
          const resent = yield* consumer.receiveBatch([4, 5].map(message))
          return { seen, whileBusy, recovered, triesWhenApplied, triesAnHourOn, resent, after: yield* streamState }
        }),
      { rig: { heldRetryMs: 1_000, heldRetryMaxMs: 4_000 }, onApply, testClock: true }
    )
    expect(result.seen).toEqual([0, 1, 1, 2, 2, 3, 3, 4])
    expect(result.whileBusy.cursors).toEqual(["PACK-01#3"])
    expect(result.whileBusy.held).toEqual([
      `PACK-01#4: apply failed: ${busy("PACK-01#4")}`,
      "PACK-01#5: gap: waiting for 2"
    ])
    expect(result.recovered.cursors).toEqual(["PACK-01#5"])
    expect(result.recovered.held).toEqual([])
    expect(result.triesAnHourOn).toEqual(result.triesWhenApplied)
    expect(result.resent).toEqual(["duplicate", "duplicate"])
    expect(checkDelivery(committed(5), result.after.applied)).toEqual(CLEAN)
  })

  it("tries again an event that failed in its own turn, and a held one whose drain at start failed", async () => {
    const result = await withFaults(
      (consumer, faults) =>
        Effect.gen(function* () {
          // PACK-02's events came in a version this hub learns only now; its first meets a busy store at start.
          faults.known = false
          yield* consumer.receiveBatch([messageOf("PACK-02", 1), messageOf("PACK-02", 2)])
          faults.known = true
          faults.failing.add("PACK-02#1")
          yield* consumer.start
          // PACK-01's 2 fails in its own turn and is held; 3 waits behind it.
          faults.failing.add("PACK-01#2")
          const outcomes = yield* Effect.forEach([1, 2, 3], (seq) => consumer.receive(message(seq)))
          const whileBusy = yield* streamState
          faults.failing.clear()
          yield* TestClock.adjust(1_000)
          return { outcomes, whileBusy, after: yield* streamState }
        }),
      { rig: { heldRetryMs: 1_000, heldRetryMaxMs: 4_000 }, testClock: true }
    )
    expect(result.outcomes).toEqual(["applied", "failed", "held"])
    expect(result.whileBusy.held).toEqual([
      `PACK-01#2: apply failed: ${busy("PACK-01#2")}`,
      "PACK-01#3: gap: waiting for 2",
      `PACK-02#1: apply failed: ${busy("PACK-02#1")}`,
      "PACK-02#2: gap: waiting for 1"
    ])
    expect(result.after.held).toEqual([])
    expect(result.after.cursors).toEqual(["PACK-01#3", "PACK-02#2"])
    const ofStation = (stationId: string) =>
      result.after.applied.filter((event) => event.stationId === stationId).map((event) => event.seq)
    expect([ofStation("PACK-01"), ofStation("PACK-02")]).toEqual([
      [1, 2, 3],
      [1, 2]
    ])
  })

  it("backs off each stream on its own: PACK-02's failure is tried again 1 s later while PACK-01 is tried once a minute", async () => {
    const { tries, onApply } = counting()
    const result = await withFaults(
      (consumer, faults) =>
        Effect.gen(function* () {
          yield* consumer.start
          // PACK-01's 2 keeps failing: tried after 1, 2, 4, 8, 16, 32 s, then every 60 s.
          faults.failing.add("PACK-01#2")
          yield* Effect.forEach([1, 2], (seq) => consumer.receive(message(seq)))
          yield* TestClock.adjust(1_000 + 2_000 + 4_000 + 8_000 + 16_000 + 32_000)
          const triesOf = (at: string) => tries.get(at) ?? 0
          const pack01AtMinute = triesOf("PACK-01#2")
          // PACK-01 was just tried; its next try is 60 s away. Now PACK-02's 2 fails once.
          faults.failing.add("PACK-02#2")
          yield* Effect.forEach([1, 2], (seq) => consumer.receive(messageOf("PACK-02", seq)))
          faults.failing.delete("PACK-02#2")
          const pack02AtFailure = triesOf("PACK-02#2")
          yield* TestClock.adjust(999)
          const pack02Before = triesOf("PACK-02#2") - pack02AtFailure
          yield* TestClock.adjust(1)
          const pack02After = triesOf("PACK-02#2") - pack02AtFailure
          const pack02State = yield* streamState
          // PACK-01 is tried a minute after its last try, as before, and PACK-02 was not tried since it succeeded.
          yield* TestClock.adjust(59_000 - 1)
          const pack01Before = triesOf("PACK-01#2") - pack01AtMinute
          yield* TestClock.adjust(1)
          const pack01After = triesOf("PACK-01#2") - pack01AtMinute
          return {
            pack02: [pack02Before, pack02After],
            pack01: [pack01Before, pack01After],
            pack02Tries: triesOf("PACK-02#2") - pack02AtFailure,
            pack02State
          }
        }),
      { rig: { heldRetryMs: 1_000, heldRetryMaxMs: 60_000 }, onApply, testClock: true }
    )
    expect(result.pack02).toEqual([0, 1])
    expect(result.pack02State.cursors).toEqual(["PACK-01#1", "PACK-02#2"])
    expect(result.pack02State.held).toEqual([`PACK-01#2: apply failed: ${busy("PACK-01#2")}`])
    expect(result.pack01).toEqual([0, 1])
    expect(result.pack02Tries).toBe(1)
  })
})

describe("Consumer: asking at start", () => {
  it("asks a stream it holds events of but applied none of from its start, not only the streams it has a cursor for", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-consumer-")), "hub.db")
    // PACK-01's first event never came; its second and third did, and are held.
    const before = await withFaults(
      (consumer) =>
        Effect.gen(function* () {
          const outcomes = yield* consumer.receiveBatch([2, 3].map(message))
          return { outcomes, state: yield* streamState }
        }),
      { filename }
    )
    expect(before.outcomes).toEqual(["held", "held"])
    expect(before.state.cursors).toEqual([])
    const requests = await withFaults(
      (consumer, _faults, bus) =>
        Effect.gen(function* () {
          const station = yield* bus.client("station")
          const seen: Array<unknown> = []
          yield* station.subscribe(Topics.resend("HAM1", "PACK-01"), (request) =>
            Effect.sync(() => seen.push(JSON.parse(new TextDecoder().decode(request.payload))))
          )
          yield* consumer.start
          yield* waitFor(
            Effect.sync(() => seen),
            (asked) => asked.length > 0,
            10_000
          )
          return { seen }
        }),
      { filename }
    )
    expect(requests.seen[0]).toEqual({ epoch: "e1", fromSeq: 1 })
  })
})

describe("Consumer: bundles of events", () => {
  const bundle = (texts: ReadonlyArray<string>, stationId = "PACK-01") =>
    raw(`[${texts.join(",")}]`, Topics.eventBundle("HAM1", stationId))
  const run = <A, E>(body: (consumer: Consumer["Service"]) => Effect.Effect<A, E, Sql>) =>
    Effect.runPromise(withConsumer(() => undefined, body))

  it("opens a bundle into its events, applied in its order in the batch, one outcome each", async () => {
    const result = await run((consumer) =>
      Effect.gen(function* () {
        const outcomes = yield* consumer.receiveBatch([
          message(1),
          bundle([envelopeText(2), envelopeText(3), envelopeText(2), envelopeText(4)]),
          message(5)
        ])
        const cursor = yield* rowsOf<{ last_seq: number }>("SELECT last_seq FROM sync_consumer_cursor")
        return { outcomes, cursor, applied: yield* appliedEvents }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied", "applied", "duplicate", "applied", "applied"])
    expect(result.applied.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5])
    expect(result.cursor).toEqual([{ last_seq: 5 }])
  })

  it("takes a bundle alone through `receive`, in its own transaction", async () => {
    const result = await run((consumer) =>
      Effect.gen(function* () {
        const first = yield* consumer.receive(bundle([envelopeText(1), envelopeText(2)]))
        const second = yield* consumer.receive(bundle([envelopeText(2), envelopeText(3)]))
        return { first, second, applied: yield* appliedEvents }
      })
    )
    expect(result).toMatchObject({ first: "applied", second: "duplicate" })
    expect(result.applied.map((event) => event.seq)).toEqual([1, 2, 3])
  })

  it("checks each event of a bundle as if it came alone: another station's is quarantined, a bad one refused in its place", async () => {
    const result = await run((consumer) =>
      Effect.gen(function* () {
        const outcomes = yield* consumer.receiveBatch([
          bundle([
            envelopeText(1),
            envelopeText(2).replace(/"wallMs":\d+/, '"wallMs":1e400'),
            envelopeText(3),
            envelopeText(4, { stationId: "PACK-02" }),
            envelopeText(4)
          ])
        ])
        const quarantined = yield* rowsOf<{ topic: string; reason: string; payload: string }>(
          "SELECT topic, reason, payload FROM sync_consumer_quarantine ORDER BY id"
        )
        return { outcomes, quarantined, applied: yield* appliedEvents }
      })
    )
    expect(result.outcomes).toEqual(["applied", "quarantined", "applied", "quarantined", "applied"])
    // As for single messages, what cannot be placed is quarantined on admission, before the batch is applied.
    expect(result.quarantined.map((row) => [row.topic, row.reason])).toEqual([
      [
        Topics.event("HAM1", "PACK-01", "test.scanned"),
        "envelope (HAM1/PACK-02, test.scanned) does not match its topic and sender (HAM1/PACK-01, a bundle)"
      ],
      [
        Topics.event("HAM1", "PACK-01", "test.scanned"),
        "refused in sequence (seq 2): out of bounds: $.eventTime.wallMs is not a finite number"
      ]
    ])
    // Each record keeps the event it is about, not the whole bundle.
    expect(JSON.parse(result.quarantined[0]!.payload)).toMatchObject({ seq: 4, stationId: "PACK-02" })
    // As the station sent it: parsed and encoded again, 1e400 would read null.
    expect(result.quarantined[1]!.payload).toBe(envelopeText(2).replace(/"wallMs":\d+/, '"wallMs":1e400'))
    expect(result.applied.map((event) => event.seq)).toEqual([1, 3, 4])
  })

  it("quarantines whole a bundle that is not a non-empty array of envelopes, or larger than it takes", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(
          consumerRigLayer({ filename: ":memory:", broker: Layer.effect(Broker, bus.client("hub")), bundleMax: 3 })
        )
        return yield* Effect.gen(function* () {
          const consumer = yield* Consumer
          const outcomes = yield* consumer.receiveBatch([
            bundle([envelopeText(1), envelopeText(2), envelopeText(3), envelopeText(4)]),
            raw(envelopeText(1), Topics.eventBundle("HAM1", "PACK-01")),
            bundle([]),
            raw("[1,", Topics.eventBundle("HAM1", "PACK-01")),
            bundle(["7"])
          ])
          const quarantined = yield* rowsOf<{ reason: string }>(
            "SELECT reason FROM sync_consumer_quarantine ORDER BY id"
          )
          return { outcomes, quarantined, applied: yield* appliedEvents }
        }).pipe(Effect.provide(context))
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined", "quarantined", "quarantined", "quarantined"])
    expect(result.quarantined.map((row) => row.reason)).toEqual([
      "a bundle of 4 events: this consumer takes at most 3",
      "a bundle is a non-empty JSON array of event envelopes",
      "a bundle is a non-empty JSON array of event envelopes",
      expect.stringMatching(/^not JSON: /),
      expect.stringMatching(/^not an event envelope: /)
    ])
    expect(result.applied).toEqual([])
  })

  it("tells in its acks how many events a bundle may carry", async () => {
    const acks = await Effect.runPromise(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const station = yield* bus.client("station")
        const received: Array<unknown> = []
        yield* station.subscribe(Topics.acks("HAM1", "PACK-01"), (ack) =>
          Effect.sync(() => received.push(JSON.parse(new TextDecoder().decode(ack.payload))))
        )
        const context = yield* Layer.build(
          consumerRigLayer({ filename: ":memory:", broker: Layer.effect(Broker, bus.client("hub")), bundleMax: 9 })
        )
        yield* Effect.flatMap(Consumer, (consumer) => consumer.start).pipe(Effect.provide(context))
        const { topic, payload } = bundle([envelopeText(1), envelopeText(2)])
        yield* station.publish(topic, payload, { qos: 1, timeoutMs: 1_000 })
        yield* waitFor(
          Effect.sync(() => received),
          (all) => all.length > 0,
          10_000
        )
        return received
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
    )
    expect(acks[0]).toEqual({ epoch: "e1", seq: 2, bundleMax: 9 })
  })
})

describe("Consumer on a store that syncs its log itself (the hub's SQLite)", () => {
  it("applies a batch while an earlier commit's sync runs, and answers only once its own sync is done", async () => {
    const seen = await Effect.runPromise(
      Effect.gen(function* () {
        const db = yield* Effect.acquireRelease(
          Effect.sync(() => openSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-consumer-")), "hub.db") })),
          (db) => Effect.sync(() => db.close())
        )
        const { sql, syncs } = yield* heldSyncSql(db, { holding: false })
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(
          consumerRigLayer({ store: Layer.succeed(Sql, sql), broker: Layer.effect(Broker, bus.client("hub")) })
        )
        const consumer = Context.get(context, Consumer)
        const appliedRows = () => (db.prepare("SELECT COUNT(*) AS n FROM applied").get() as { n: number }).n
        syncs.holding = true
        // Another writer's durable commit (the hub sender's verdicts), its sync still running.
        const other = yield* Effect.forkChild(sql.transaction(sql.execute("CREATE TABLE verdicts (v TEXT)")))
        for (let turn = 0; turn < 5 && syncs.held.length === 0; turn++) yield* Effect.yieldNow
        expect(syncs.held).toHaveLength(1)
        const receiving = yield* Effect.forkChild(consumer.receiveBatch([message(1)]))
        for (let turn = 0; turn < 20 && appliedRows() === 0; turn++) yield* Effect.yieldNow
        const seen = [`applied during the other sync: ${appliedRows()}`]
        // Its own sync waits for the other's; it has not answered.
        expect(syncs.held).toHaveLength(1)
        expect(receiving.pollUnsafe()).toBeUndefined()
        yield* Deferred.succeed(syncs.held[0]!, undefined)
        yield* Fiber.join(other)
        for (let turn = 0; turn < 5 && syncs.held.length < 2; turn++) yield* Effect.yieldNow
        expect(syncs.held).toHaveLength(2)
        expect(receiving.pollUnsafe()).toBeUndefined()
        yield* Deferred.succeed(syncs.held[1]!, undefined)
        seen.push(`answered: ${(yield* Fiber.join(receiving)).join(", ")}`)
        return seen
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
    )
    expect(seen).toEqual(["applied during the other sync: 1", "answered: applied"])
  })
})
