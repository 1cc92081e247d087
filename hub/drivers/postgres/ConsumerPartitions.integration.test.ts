import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { Broker, type BrokerMessage } from "../../../core/sync/Broker.ts"
import { Consumer } from "../../../core/sync/Consumer.ts"
import { checkDelivery } from "../../../core/sync/DeliveryChecker.ts"
import { makeMemoryBus } from "../../../core/sync/MemoryBroker.ts"
import { encodeJson, Topics } from "../../../core/sync/Topics.ts"
import { stationStream } from "../../../fixtures/hub/HubRig.ts"
import { appliedEvents, consumerRigLayer, Scanned } from "../../../fixtures/mqtt/SyncRig.ts"
import { type Postgres, startPostgres } from "../../../fixtures/postgres/PostgresProcess.ts"

let server: Postgres
beforeAll(async () => {
  server = await startPostgres()
})
afterAll(async () => {
  await server?.stop()
})

/** A fixed-seed generator (mulberry32), so a failure replays. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

const toMessage = (event: EventEnvelope): BrokerMessage => ({
  topic: Topics.event(event.siteId, event.stationId, event.type),
  payload: encodeJson(event),
  userProperties: {}
})

describe("two consumers on one PostgreSQL", () => {
  it("apply every station's events exactly once and in order when both get them, duplicated and reordered", async () => {
    const url = await server.createDatabase("partitions")
    const random = seeded(16)
    const stations = 10
    const perStation = 60
    const committed: Array<{ id: string }> = []
    // Each consumer gets a share of every station's stream (some events both), with neighbours swapped now and then:
    // what a shared subscription hands two hubs when one is killed and the broker redelivers to the other.
    const inboxes: [Array<BrokerMessage>, Array<BrokerMessage>] = [[], []]
    const streams = Array.from({ length: stations }, (_, station) => {
      const next = stationStream({ siteId: "HAM1", stationId: `PACK-${station + 1}`, epoch: "E-1" })
      return Array.from({ length: perStation }, (_, n) => next(Scanned, { n, code: `C${n}` }))
    })
    for (let round = 0; round < perStation; round++) {
      for (const events of streams) {
        const event = events[round]!
        committed.push({ id: event.id })
        const pick = random()
        const targets = pick < 0.15 ? [0, 1] : pick < 0.575 ? [0] : [1]
        for (const target of targets) {
          const inbox = inboxes[target as 0 | 1]
          inbox.push(toMessage(event))
          if (random() < 0.1 && inbox.length >= 2) inbox.push(...inbox.splice(inbox.length - 2, 1))
        }
      }
    }
    const consumerLayer = (id: string) =>
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        return consumerRigLayer({
          database: { dialect: "postgres", url },
          broker: Layer.effect(Broker, bus.client(id))
        })
      })
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        const contexts = [
          yield* Layer.build(yield* consumerLayer("hub-a")),
          yield* Layer.build(yield* consumerLayer("hub-b"))
        ] as const
        const outcomes = new Map<string, number>()
        yield* Effect.forEach(
          [0, 1] as const,
          (index) =>
            Effect.gen(function* () {
              const consumer = yield* Consumer
              const inbox = inboxes[index]
              for (let at = 0; at < inbox.length; at += 17) {
                for (const result of yield* consumer.receiveBatch(inbox.slice(at, at + 17))) {
                  outcomes.set(result, (outcomes.get(result) ?? 0) + 1)
                }
              }
            }).pipe(Effect.provide(contexts[index])),
          { concurrency: 2, discard: true }
        )
        const applied = yield* appliedEvents.pipe(Effect.provide(contexts[0]))
        return { applied, outcomes: Object.fromEntries(outcomes) }
      }).pipe(Effect.scoped)
    )
    // Every event reached one consumer at least, so the held ones were drained by whoever filled the gap.
    expect(checkDelivery(committed, outcome.applied)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })
    expect(outcome.outcomes.applied).toBeGreaterThan(0)
    expect(outcome.outcomes.duplicate).toBeGreaterThan(0)
  }, 60_000)
})
