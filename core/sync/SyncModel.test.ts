import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, References, Scope } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  appendScans,
  appliedEvents,
  committedEvents,
  consumerRigLayer,
  stationRigLayer,
  waitFor
} from "../../fixtures/mqtt/SyncRig.ts"
import { Broker } from "./Broker.ts"
import { Consumer } from "./Consumer.ts"
import { checkDelivery } from "./DeliveryChecker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "./HighWaterMark.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { Outbox } from "./Outbox.ts"
import { encodeJson, Topics } from "./Topics.ts"

/** One step of the nemesis: what the world does to the station, the broker and the consumer next. */
type Step =
  | { readonly kind: "append"; readonly count: number; readonly perTransaction: number }
  | { readonly kind: "publishMode"; readonly mode: "ok" | "refuse" | "timeout" | "drop" }
  | { readonly kind: "lose"; readonly count: number }
  | { readonly kind: "duplicate"; readonly count: number }
  | { readonly kind: "reorder" }
  | { readonly kind: "link"; readonly who: "station" | "hub"; readonly up: boolean }
  | { readonly kind: "crashConsumer" }
  | { readonly kind: "resendRequest"; readonly fromSeq: number }
  | { readonly kind: "pause"; readonly ms: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("append" as const),
      count: fc.integer({ min: 1, max: 12 }),
      perTransaction: fc.integer({ min: 1, max: 4 })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("publishMode" as const),
      mode: fc.constantFrom("ok" as const, "refuse" as const, "timeout" as const, "drop" as const)
    })
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("lose" as const), count: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("duplicate" as const), count: fc.integer({ min: 1, max: 5 }) })
  },
  { weight: 1, arbitrary: fc.constant({ kind: "reorder" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("link" as const),
      who: fc.constantFrom("station" as const, "hub" as const),
      up: fc.boolean()
    })
  },
  { weight: 1, arbitrary: fc.constant({ kind: "crashConsumer" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("resendRequest" as const), fromSeq: fc.integer({ min: 1, max: 60 }) })
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pause" as const), ms: fc.integer({ min: 0, max: 40 }) }) }
)

const runScenario = (steps: ReadonlyArray<Step>) =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "pb-sync-model-"))
    const bus = yield* makeMemoryBus()
    const hubFile = join(dir, "hub.db")
    const startConsumerLife = Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        consumerRigLayer({
          filename: hubFile,
          broker: Layer.effect(Broker, bus.client("hub")),
          ackDelayMs: 5,
          resendIntervalMs: 50
        }),
        scope
      )
      yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(context), Scope.provide(scope))
      return { scope, context }
    })
    let consumer = yield* startConsumerLife
    const station = yield* Layer.build(
      stationRigLayer({
        filename: join(dir, "station.db"),
        broker: Layer.effect(Broker, bus.client("station")),
        highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
        outbox: {
          ackTimeoutMs: 150,
          publishTimeoutMs: 40,
          retryInitialMs: 10,
          retryMaxMs: 100,
          idlePollMs: 20,
          batchSize: 16,
          maxInFlight: 4
        }
      })
    )
    yield* Effect.flatMap(Outbox, (o) => o.start).pipe(Effect.provide(station))
    let epoch = ""
    for (const current of steps) {
      switch (current.kind) {
        case "append": {
          yield* appendScans(current.count, current.perTransaction).pipe(Effect.provide(station))
          yield* Effect.flatMap(Outbox, (o) => o.kick).pipe(Effect.provide(station))
          break
        }
        case "publishMode":
          bus.faults.publish = current.mode
          break
        case "lose":
          bus.faults.loseNext += current.count
          break
        case "duplicate":
          bus.faults.duplicateNext += current.count
          break
        case "reorder":
          bus.faults.reorderNext = true
          break
        case "link":
          if (current.up) bus.connect(current.who)
          else bus.disconnect(current.who)
          break
        case "crashConsumer": {
          yield* Scope.close(consumer.scope, Exit.void)
          consumer = yield* startConsumerLife
          break
        }
        case "resendRequest": {
          const events = yield* committedEvents.pipe(Effect.provide(station))
          epoch = events[0]?.epoch ?? epoch
          if (epoch !== "") {
            const hub = yield* bus.client("resender")
            yield* hub
              .publish(Topics.resend("HAM1", "PACK-01"), encodeJson({ epoch, fromSeq: current.fromSeq }), {
                qos: 1,
                timeoutMs: 40
              })
              .pipe(Effect.ignore)
          }
          break
        }
        case "pause":
          yield* Effect.sleep(current.ms)
          break
      }
      yield* Effect.sleep(2)
    }
    // Heal the world; the system must converge on its own.
    bus.faults.publish = "ok"
    bus.faults.reorderNext = false
    bus.connect("station")
    bus.connect("hub")
    const committed = yield* committedEvents.pipe(Effect.provide(station))
    yield* waitFor(
      Effect.flatMap(Outbox, (o) => o.status).pipe(Effect.provide(station)),
      (s) => s.lastConfirmedSeq === committed.length,
      15_000
    )
    const applied = yield* appliedEvents.pipe(Effect.provide(consumer.context))
    yield* Scope.close(consumer.scope, Exit.void)
    return checkDelivery(committed, applied)
  }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Error"))

describe("sync model: random interleavings of appends, faults, disconnects and crashes", () => {
  it("applies every committed event exactly once, in order", { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 30 }), async (steps) => {
        const verdict = await Effect.runPromise(runScenario(steps))
        expect(verdict).toEqual({ lost: [], appliedTwice: [], unexpected: [], outOfOrder: [] })
      }),
      { seed: 20_260_101, numRuns: 15, endOnFailure: true }
    )
  })
})
