import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { describe, expect, it } from "vitest"
import {
  appendScans,
  appliedEvents,
  committedEvents,
  consumerRigLayer,
  stationRigLayer,
  waitFor
} from "../../fixtures/mqtt/SyncRig.ts"
import type { TestStore } from "../../fixtures/postgres/TestStores.ts"
import { Sql } from "../store/Sql.ts"
import { Broker } from "./Broker.ts"
import { Consumer } from "./Consumer.ts"
import { checkDelivery } from "./DeliveryChecker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "./HighWaterMark.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { Outbox } from "./Outbox.ts"
import { Topics } from "./Topics.ts"

const tempDir = () => mkdtempSync(join(tmpdir(), "pb-outbox-"))

/**
 * The station's outbox against the consumer, whose database is the store under test (the station's own is always
 * SQLite): Outbox.test.ts runs it on SQLite, Outbox.integration.test.ts on PostgreSQL.
 */
export const outboxConsumerSuite = (store: TestStore) =>
  describe(`Outbox with Consumer over the in-memory broker, consumer on ${store.dialect}`, () => {
    const hubDatabase = () => Effect.promise(() => store.database())
    /** The consumer on the store under test, subscribed on the bus as "hub" and started. */
    const startedConsumer = (bus: Effect.Success<ReturnType<typeof makeMemoryBus>>) =>
      Effect.gen(function* () {
        const consumer = yield* Layer.build(
          consumerRigLayer({ database: yield* hubDatabase(), broker: Layer.effect(Broker, bus.client("hub")) })
        )
        yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))
        return consumer
      })
    it("delivers appended events once, in order, and confirms them by the consumer's ack", async () => {
      const dir = tempDir()
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const consumer = yield* startedConsumer(bus)
          const station = yield* Layer.build(
            stationRigLayer({
              filename: join(dir, "station.db"),
              broker: Layer.effect(Broker, bus.client("station")),
              highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark())
            })
          )
          yield* appendScans(120, 7).pipe(Effect.provide(station))
          yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
          const status = yield* waitFor(
            Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
            (s) => s.lastConfirmedSeq === 120,
            10_000
          )
          return {
            status,
            verdict: checkDelivery(
              yield* committedEvents.pipe(Effect.provide(station)),
              yield* appliedEvents.pipe(Effect.provide(consumer))
            )
          }
        }).pipe(Effect.scoped)
      )
      expect(result.verdict).toEqual({ lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] })
      expect(result.status).toMatchObject({ depth: 0, lastPublishedSeq: 120, oldestUndeliveredAgeMs: null })
    })

    it("writes the published and confirmed marks after the burst, both in one commit, and at a clean stop", async () => {
      const dir = tempDir()
      const marks = Effect.flatMap(Sql, (sql) =>
        sql.query<{ published_seq: number; confirmed_seq: number }>(
          "SELECT published_seq, confirmed_seq FROM sync_outbox_epochs"
        )
      )
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const consumer = yield* startedConsumer(bus)
          const highWaterMark = makeMemoryHighWaterMark()
          const stationLayer = (markDelayMs: number) =>
            stationRigLayer({
              filename: join(dir, "station.db"),
              broker: Layer.effect(Broker, bus.client("station")),
              highWaterMark: Layer.succeed(HighWaterMark, highWaterMark),
              outbox: { markDelayMs }
            })
          // A mark delay far beyond the test: nothing but the clean stop can write the marks.
          const beforeStop = yield* Effect.scoped(
            Effect.gen(function* () {
              const station = yield* Layer.build(stationLayer(600_000))
              yield* appendScans(50, 5).pipe(Effect.provide(station))
              yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
              yield* waitFor(
                Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
                (s) => s.lastConfirmedSeq === 50,
                10_000
              )
              return yield* marks.pipe(Effect.provide(station))
            })
          )
          // After the stop, a station started on the same file resumes from the marks, then moves them once more
          // after its own (short) delay.
          const afterStop = yield* Effect.scoped(
            Effect.gen(function* () {
              const station = yield* Layer.build(stationLayer(20))
              const written = yield* marks.pipe(Effect.provide(station))
              const resumed = yield* Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station))
              yield* appendScans(10, 5).pipe(Effect.provide(station))
              yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
              const moved = yield* waitFor(
                marks.pipe(Effect.provide(station)),
                (rows) => rows.some((row) => Number(row.confirmed_seq) === 60),
                10_000
              )
              return { written, resumed, moved }
            })
          )
          return {
            beforeStop,
            afterStop,
            verdict: checkDelivery(
              yield* Effect.scoped(
                Effect.flatMap(Layer.build(stationLayer(20)), (station) =>
                  committedEvents.pipe(Effect.provide(station))
                )
              ),
              yield* appliedEvents.pipe(Effect.provide(consumer))
            )
          }
        }).pipe(Effect.scoped)
      )
      expect(result.beforeStop.map((row) => [Number(row.published_seq), Number(row.confirmed_seq)])).toEqual([[0, 0]])
      expect(result.afterStop.written.map((row) => [Number(row.published_seq), Number(row.confirmed_seq)])).toEqual([
        [50, 50]
      ])
      expect(result.afterStop.resumed).toMatchObject({ lastConfirmedSeq: 50, lastPublishedSeq: 50, depth: 0 })
      expect(result.afterStop.moved.map((row) => [Number(row.published_seq), Number(row.confirmed_seq)])).toEqual([
        [60, 60]
      ])
      expect(result.verdict).toEqual({ lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] })
    })

    it("starts a new epoch when the database is behind the high-water mark (restored backup), numbered from 1", async () => {
      const dir = tempDir()
      const mark = makeMemoryHighWaterMark()
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const stationAt = () =>
            Layer.build(
              stationRigLayer({
                filename: join(dir, "station.db"),
                broker: Layer.effect(Broker, bus.client("station")),
                highWaterMark: Layer.succeed(HighWaterMark, mark)
              })
            )
          const oldEpoch = yield* Effect.scoped(
            Effect.gen(function* () {
              const station = yield* stationAt()
              yield* appendScans(5).pipe(Effect.provide(station))
              return (yield* committedEvents.pipe(Effect.provide(station)))[0]?.epoch ?? ""
            })
          )
          // The station had already sent up to 9 before the disk died; the backup holds 5.
          yield* mark.write({ epoch: oldEpoch, seq: 9 })
          const consumer = yield* startedConsumer(bus)
          const station = yield* stationAt()
          yield* appendScans(2).pipe(Effect.provide(station))
          yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
          yield* waitFor(
            Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
            (s) => s.lastConfirmedSeq === 8,
            10_000
          )
          const applied = yield* appliedEvents.pipe(Effect.provide(consumer))
          return {
            oldEpoch,
            applied,
            committed: yield* committedEvents.pipe(Effect.provide(station)),
            mark: yield* mark.read
          }
        }).pipe(Effect.scoped)
      )
      const newEpoch = result.committed[5]?.epoch
      expect(newEpoch).not.toBe(result.oldEpoch)
      expect(result.committed.map((event) => event.epoch === result.oldEpoch)).toEqual([
        true,
        true,
        true,
        true,
        true,
        false,
        false,
        false
      ])
      expect(result.applied.map((event) => [event.epoch === result.oldEpoch ? "old" : "new", event.seq])).toEqual([
        ["old", 1],
        ["old", 2],
        ["old", 3],
        ["old", 4],
        ["old", 5],
        ["new", 1],
        ["new", 2],
        ["new", 3]
      ])
      expect(result.mark).toEqual({ epoch: newEpoch, seq: 8 })
      expect(checkDelivery(result.committed, result.applied)).toEqual({
        lost: [],
        appliedTwice: [],
        unexpected: [],
        outOfOrder: []
      })
    })

    it("holds an event of an unknown version instead of dropping it, and applies it once the consumer knows it", async () => {
      const dir = tempDir()
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const hubFile = yield* hubDatabase()
          const held = yield* Effect.scoped(
            Effect.gen(function* () {
              const consumer = yield* Layer.build(
                consumerRigLayer({
                  database: hubFile,
                  broker: Layer.effect(Broker, bus.client("hub")),
                  knows: () => false
                })
              )
              yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))
              const station = yield* Layer.build(
                stationRigLayer({
                  filename: join(dir, "station.db"),
                  broker: Layer.effect(Broker, bus.client("station")),
                  highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark())
                })
              )
              yield* appendScans(3).pipe(Effect.provide(station))
              yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
              const sql = Effect.flatMap(Sql, (s) =>
                s.query<{ n: number }>("SELECT COUNT(*) AS n FROM sync_consumer_held")
              )
              return yield* waitFor(sql.pipe(Effect.provide(consumer)), (rows) => Number(rows[0]?.n) >= 1, 5_000)
            })
          )
          const upgraded = yield* Layer.build(
            consumerRigLayer({ database: hubFile, broker: Layer.effect(Broker, bus.client("hub")) })
          )
          const drained = (yield* Effect.flatMap(Consumer, (c) => c.drainHeld).pipe(Effect.provide(upgraded))).taken
          return { held: Number(held[0]?.n), drained, applied: yield* appliedEvents.pipe(Effect.provide(upgraded)) }
        }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
      )
      expect(result.held).toBeGreaterThanOrEqual(1)
      expect(result.drained).toBeGreaterThanOrEqual(1)
      expect(result.applied[0]?.seq).toBe(1)
    })

    it("applies at its start the events it held before a restart, though their station is gone, and acks them", async () => {
      const dir = tempDir()
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const hubFile = yield* hubDatabase()
          const stationFile = join(dir, "station.db")
          const stationLayer = stationRigLayer({
            filename: stationFile,
            broker: Layer.effect(Broker, bus.client("station")),
            highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark())
          })
          // A hub that does not know the events' version holds all three, unacked; then the station goes away.
          const held = yield* Effect.scoped(
            Effect.gen(function* () {
              const consumer = yield* Layer.build(
                consumerRigLayer({
                  database: hubFile,
                  broker: Layer.effect(Broker, bus.client("hub")),
                  knows: () => false
                })
              )
              yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))
              const station = yield* Layer.build(stationLayer)
              yield* appendScans(3).pipe(Effect.provide(station))
              yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
              const sql = Effect.flatMap(Sql, (s) =>
                s.query<{ n: number }>("SELECT COUNT(*) AS n FROM sync_consumer_held")
              )
              return yield* waitFor(sql.pipe(Effect.provide(consumer)), (rows) => Number(rows[0]?.n) === 3, 5_000)
            })
          )
          // The upgraded hub starts; nothing is sent to it.
          const acks: Array<unknown> = []
          const spy = yield* bus.client("spy")
          yield* spy.subscribe(Topics.acks("HAM1", "PACK-01"), (ack) =>
            Effect.sync(() => acks.push(JSON.parse(new TextDecoder().decode(ack.payload))))
          )
          const upgraded = yield* Layer.build(
            consumerRigLayer({ database: hubFile, broker: Layer.effect(Broker, bus.client("hub")) })
          )
          yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(upgraded))
          const applied = yield* waitFor(appliedEvents.pipe(Effect.provide(upgraded)), (all) => all.length >= 3, 5_000)
          yield* waitFor(
            Effect.sync(() => acks),
            (seen) => seen.length > 0,
            5_000
          )
          const committed = yield* Effect.scoped(
            Effect.flatMap(Layer.build(stationLayer), (station) => committedEvents.pipe(Effect.provide(station)))
          )
          return { held: Number(held[0]?.n), acks, verdict: checkDelivery(committed, applied) }
        }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))
      )
      expect(result.held).toBe(3)
      expect(result.acks).toEqual([expect.objectContaining({ seq: 3 })])
      expect(result.verdict).toEqual({ lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] })
    })

    /**
     * Two events before the first ack, then a backlog of 40 at once, then one more: each message the station sent in
     * each phase (its topic, events and bytes), and the delivery checker's verdict.
     */
    const sendInPhases = (hubBundleMax: number, bundleBytes: number) =>
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const consumer = yield* Layer.build(
          consumerRigLayer({
            database: yield* hubDatabase(),
            broker: Layer.effect(Broker, bus.client("hub")),
            bundleMax: hubBundleMax
          })
        )
        yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer))
        const sent: Array<{ readonly topic: string; readonly events: number; readonly bytes: number }> = []
        const spy = yield* bus.client("spy")
        yield* spy.subscribe(Topics.eventsOf("HAM1"), (message) =>
          Effect.sync(() => {
            const json: unknown = JSON.parse(new TextDecoder().decode(message.payload))
            sent.push({
              topic: message.topic,
              events: Array.isArray(json) ? json.length : 1,
              bytes: message.payload.length
            })
          })
        )
        const station = yield* Layer.build(
          stationRigLayer({
            filename: join(tempDir(), "station.db"),
            broker: Layer.effect(Broker, bus.client("station")),
            highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
            outbox: { bundleMax: 10, bundleBytes }
          })
        )
        const outbox = yield* Effect.provide(Effect.service(Outbox), station)
        const confirmed = (seq: number) => waitFor(outbox.status, (s) => s.lastConfirmedSeq === seq, 10_000)
        yield* appendScans(2, 2).pipe(Effect.provide(station))
        yield* outbox.start
        yield* confirmed(2)
        const beforeAck = sent.splice(0)
        yield* appendScans(40, 40).pipe(Effect.provide(station))
        yield* outbox.kick
        yield* confirmed(42)
        const backlog = sent.splice(0)
        yield* appendScans(1).pipe(Effect.provide(station))
        yield* outbox.kick
        yield* confirmed(43)
        return {
          beforeAck,
          backlog,
          lone: sent.splice(0),
          verdict: checkDelivery(
            yield* committedEvents.pipe(Effect.provide(station)),
            yield* appliedEvents.pipe(Effect.provide(consumer))
          )
        }
      }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"), Effect.runPromise)

    it("sends a backlog in bundles once the consumer's acks say it takes them, within both sides' limits; a lone event alone", async () => {
      const single = Topics.event("HAM1", "PACK-01", "test.scanned")
      const bundle = Topics.eventBundle("HAM1", "PACK-01")
      // The consumer's limit (4) below the station's (10), and bytes enough for more.
      const byCount = await sendInPhases(4, 100_000)
      // Room for 64 by either side's count, but 1,000 bytes hold only 3 of these envelopes (about 320 bytes each).
      const byBytes = await sendInPhases(64, 1_000)
      for (const [result, most, bytes] of [
        [byCount, 4, 100_000],
        [byBytes, 3, 1_000]
      ] as const) {
        // Before any ack the station cannot know the consumer takes bundles: the first two go one by one.
        expect(result.beforeAck.map((message) => message.topic)).toEqual([single, single])
        expect(result.backlog.reduce((sum, message) => sum + message.events, 0)).toBe(40)
        expect(Math.max(...result.backlog.map((message) => message.events))).toBe(most)
        for (const message of result.backlog) {
          expect(message.topic).toBe(message.events > 1 ? bundle : single)
          expect(message.bytes).toBeLessThanOrEqual(bytes)
        }
        expect(result.lone).toEqual([{ topic: single, events: 1, bytes: expect.any(Number) }])
        expect(result.verdict).toEqual({ lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] })
      }
    })
  })
