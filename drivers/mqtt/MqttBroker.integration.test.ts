import { Effect, Exit, Fiber, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { BrokerMessage } from "../../core/sync/Broker.ts"
import { waitFor } from "../../fixtures/mqtt/SyncRig.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "./EmbeddedBroker.ts"
import { makeMqttBroker } from "./MqttBroker.ts"

const brokers: Array<EmbeddedBroker> = []
afterEach(async () => {
  for (const broker of brokers.splice(0)) await broker.close()
})

const text = (payload: Uint8Array) => new TextDecoder().decode(payload)

describe("MQTT driver's delivery to subscribers", () => {
  it("hands each message to every subscription it matches, one added later included, in order", async () => {
    const embedded = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
    brokers.push(embedded)
    const seen = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const seen: Array<string> = []
          const connect = (clientId: string) =>
            Effect.tap(makeMqttBroker({ url: embedded.url, clientId, protocolVersion: 4 }), (broker) =>
              waitFor(broker.state, (state) => state.connection === "connected", 10_000)
            )
          const publisher = yield* connect(`pub-${process.pid}`)
          const subscriber = yield* connect(`sub-${process.pid}`)
          const send = (topic: string, body: string) =>
            publisher.publish(topic, new TextEncoder().encode(body), { qos: 1, timeoutMs: 5_000 })
          const note = (name: string) => (message: BrokerMessage) =>
            Effect.sync(() => {
              seen.push(`${name} ${message.topic} ${text(message.payload)}`)
            })
          const seenAtLeast = (count: number) =>
            waitFor(
              Effect.sync(() => seen.length),
              (n) => n >= count,
              10_000
            )
          yield* subscriber.subscribe("site/+/events", note("one-level"))
          yield* send("site/a/events", "1")
          yield* send("site/a/other", "not for anyone")
          yield* seenAtLeast(1)
          // A second subscription after the topic was seen: its messages reach both handlers from now on.
          yield* subscriber.subscribe("site/#", note("all"))
          yield* send("site/a/events", "2")
          yield* send("site/b/events", "3")
          yield* seenAtLeast(5)
          return seen
        })
      )
    )
    expect(seen).toEqual([
      "one-level site/a/events 1",
      "one-level site/a/events 2",
      "all site/a/events 2",
      "one-level site/b/events 3",
      "all site/b/events 3"
    ])
  })

  it("acks the message whose handler is still running when it closes, and leaves later ones to the next session", async () => {
    const embedded = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
    brokers.push(embedded)
    const subscriberId = `sub-closing-${process.pid}`
    const connect = (clientId: string) =>
      Effect.tap(makeMqttBroker({ url: embedded.url, clientId, protocolVersion: 4 }), (broker) =>
        waitFor(broker.state, (state) => state.connection === "connected", 10_000)
      )
    const seenBySecond = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const publisher = yield* connect(`pub-closing-${process.pid}`)
          const send = (body: string) =>
            publisher.publish("site/a/events", new TextEncoder().encode(body), { qos: 1, timeoutMs: 5_000 })
          const started: Array<string> = []
          let finishFirst: () => void = () => {}
          const firstMayFinish = new Promise<void>((resolve) => {
            finishFirst = resolve
          })
          const firstScope = yield* Scope.make()
          const first = yield* Scope.provide(firstScope)(connect(subscriberId))
          yield* first.subscribe("site/+/events", (message) =>
            Effect.gen(function* () {
              started.push(text(message.payload))
              yield* Effect.promise(() => firstMayFinish)
            })
          )
          yield* send("1")
          yield* waitFor(
            Effect.sync(() => started.length),
            (n) => n === 1,
            10_000
          )
          yield* send("2")
          // The client closes while "1" is handled; "2" waits behind it in mqtt.js.
          const closed = yield* Effect.forkChild(Scope.close(firstScope, Exit.void))
          yield* Effect.sleep("50 millis")
          finishFirst()
          yield* Fiber.join(closed)
          expect(started).toEqual(["1"])
          // The same session again: "1" was acked before the DISCONNECT; "2" was neither handled nor acked.
          const seen: Array<string> = []
          const second = yield* connect(subscriberId)
          yield* second.subscribe("site/+/events", (message) => Effect.sync(() => seen.push(text(message.payload))))
          yield* send("3")
          yield* waitFor(
            Effect.sync(() => seen.length),
            (n) => n >= 2,
            10_000
          )
          return seen
        })
      )
    )
    expect(seenBySecond).toEqual(["2", "3"])
  })
})
