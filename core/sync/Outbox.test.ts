import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { expect, it } from "vitest"
import { appendScans, stationRigLayer, waitFor } from "../../fixtures/mqtt/SyncRig.ts"
import { sqliteTestStore } from "../../fixtures/postgres/TestStores.ts"
import { Broker } from "./Broker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "./HighWaterMark.ts"
import { type MemoryBus, makeMemoryBus } from "./MemoryBroker.ts"
import { outboxConsumerSuite } from "./Outbox.suite.ts"
import { Outbox, type OutboxOptions } from "./Outbox.ts"
import { BUNDLE_LEAF, encodeJson, parseTopic, Topics } from "./Topics.ts"

outboxConsumerSuite(sqliteTestStore)

/**
 * A hand-made hub on the bus: acks cumulatively what it takes. `takesBundles` on: it takes bundles and says so in
 * its acks; off, it is a hub from before bundles: one event a message, no word on bundles, and a bundle is nothing
 * it can apply (the real one quarantines it). `received` lists each message's last topic level.
 */
const handMadeHub = (bus: MemoryBus) =>
  Effect.gen(function* () {
    const hub = yield* bus.client("hub")
    const self = { takesBundles: false, received: [] as Array<string> }
    yield* hub.subscribe(Topics.eventsOf("HAM1"), (message) =>
      Effect.gen(function* () {
        const leaf = parseTopic(message.topic)?.rest ?? message.topic
        self.received.push(leaf)
        if (leaf === BUNDLE_LEAF && !self.takesBundles) return
        const json: unknown = JSON.parse(new TextDecoder().decode(message.payload))
        const last = (Array.isArray(json) ? json.at(-1) : json) as { epoch: string; seq: number }
        const ack = { epoch: last.epoch, seq: last.seq, ...(self.takesBundles ? { bundleMax: 64 } : {}) }
        yield* Effect.orDie(hub.publish(Topics.acks("HAM1", "PACK-01"), encodeJson(ack), { qos: 1, timeoutMs: 1_000 }))
      })
    )
    return self
  })

const stationOn = (bus: MemoryBus, outbox: Partial<OutboxOptions> = {}) =>
  Layer.build(
    stationRigLayer({
      filename: join(mkdtempSync(join(tmpdir(), "pb-outbox-")), "station.db"),
      broker: Layer.effect(Broker, bus.client("station")),
      highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
      outbox
    })
  )

it("sends no bundle to a consumer whose acks do not say it takes them (a hub from before bundles)", async () => {
  const received = await Effect.runPromise(
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      const hub = yield* handMadeHub(bus)
      const station = yield* stationOn(bus)
      const outbox = yield* Effect.provide(Effect.service(Outbox), station)
      yield* appendScans(1).pipe(Effect.provide(station))
      yield* outbox.start
      yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq === 1, 10_000)
      yield* appendScans(30, 30).pipe(Effect.provide(station))
      yield* outbox.kick
      yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq === 31, 10_000)
      return hub.received
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
  )
  expect(received).toEqual(Array.from({ length: 31 }, () => "test.scanned"))
})

it("goes back to one event a message when its bundles go unacked (the hub replaced by one from before bundles)", async () => {
  const result = await Effect.runPromise(
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      const hub = yield* handMadeHub(bus)
      hub.takesBundles = true
      const station = yield* stationOn(bus, { ackTimeoutMs: 300 })
      const outbox = yield* Effect.provide(Effect.service(Outbox), station)
      yield* appendScans(1).pipe(Effect.provide(station))
      yield* outbox.start
      yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq === 1, 10_000)
      hub.takesBundles = false
      hub.received.splice(0)
      yield* appendScans(30, 30).pipe(Effect.provide(station))
      yield* outbox.kick
      yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq === 31, 10_000)
      return hub.received
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
  )
  // The station still believed the last ack: the backlog went in bundles, which the older hub could not take.
  const firstSingle = result.indexOf("test.scanned")
  expect(firstSingle).toBeGreaterThan(0)
  expect(new Set(result.slice(0, firstSingle))).toEqual(new Set([BUNDLE_LEAF]))
  // After the ack timeout, everything again, one event a message.
  expect(result.slice(firstSingle)).toEqual(Array.from({ length: 30 }, () => "test.scanned"))
})
