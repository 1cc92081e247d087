import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { expect, it } from "vitest"
import { appendScans, stationRigLayer, waitFor } from "../../fixtures/mqtt/SyncRig.ts"
import { sqliteTestStore } from "../../fixtures/postgres/TestStores.ts"
import { Broker } from "./Broker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "./HighWaterMark.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { outboxConsumerSuite } from "./Outbox.suite.ts"
import { Outbox } from "./Outbox.ts"
import { encodeJson, parseTopic, Topics } from "./Topics.ts"

outboxConsumerSuite(sqliteTestStore)

it("sends no bundle to a consumer whose acks do not say it takes them (a hub from before bundles)", async () => {
  const topics = await Effect.runPromise(
    Effect.gen(function* () {
      const bus = yield* makeMemoryBus()
      // The older hub: takes one event per message and acks cumulatively, with no word on bundles.
      const hub = yield* bus.client("hub")
      const topics: Array<string> = []
      yield* hub.subscribe(Topics.eventsOf("HAM1"), (message) =>
        Effect.gen(function* () {
          topics.push(parseTopic(message.topic)?.rest ?? message.topic)
          const event = JSON.parse(new TextDecoder().decode(message.payload)) as { epoch?: string; seq?: number }
          if (event.seq === undefined) return
          yield* Effect.orDie(
            hub.publish(Topics.acks("HAM1", "PACK-01"), encodeJson({ epoch: event.epoch, seq: event.seq }), {
              qos: 1,
              timeoutMs: 1_000
            })
          )
        })
      )
      const station = yield* Layer.build(
        stationRigLayer({
          filename: join(mkdtempSync(join(tmpdir(), "pb-outbox-")), "station.db"),
          broker: Layer.effect(Broker, bus.client("station")),
          highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark())
        })
      )
      const outbox = yield* Effect.provide(Effect.service(Outbox), station)
      yield* appendScans(1).pipe(Effect.provide(station))
      yield* outbox.start
      yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq === 1, 10_000)
      yield* appendScans(30, 30).pipe(Effect.provide(station))
      yield* outbox.kick
      yield* waitFor(outbox.status, (s) => s.lastConfirmedSeq === 31, 10_000)
      return topics
    }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "None"))
  )
  expect(topics).toEqual(Array.from({ length: 31 }, () => "test.scanned"))
})
