import { Effect, Layer, References } from "effect"
import { describe, expect, it } from "vitest"
import { appliedEvents, consumerRigLayer } from "../../fixtures/mqtt/SyncRig.ts"
import type { EventEnvelope } from "../events/Event.ts"
import { Sql } from "../store/Sql.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { Consumer } from "./Consumer.ts"
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
