import { Effect } from "effect"
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
})
