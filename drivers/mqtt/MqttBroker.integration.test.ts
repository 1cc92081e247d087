import { Effect, Exit, Fiber, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { BrokerMessage } from "../../core/sync/Broker.ts"
import { type ProxiedPacket, startCuttingProxy } from "../../fixtures/mqtt/CuttingProxy.ts"
import { waitFor } from "../../fixtures/mqtt/SyncRig.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "./EmbeddedBroker.ts"
import { makeMqttBroker } from "./MqttBroker.ts"

const brokers: Array<EmbeddedBroker> = []
const proxies: Array<{ readonly close: () => Promise<void> }> = []
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close()
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

  it("acks a message only on the link that delivered it, and runs one handler at a time across a cut link", async () => {
    const embedded = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
    brokers.push(embedded)
    // One log, in the order things happened: the handler's starts and ends, the messages the broker sends the
    // subscriber and the PUBACKs the subscriber sends back, each packet id named by the order it first came in.
    const log: Array<string> = []
    const names = new Map<number, string>()
    const nameOf = (packetId: number | undefined) => {
      if (packetId === undefined) return "?"
      if (!names.has(packetId)) names.set(packetId, `#${names.size + 1}`)
      return names.get(packetId)!
    }
    const proxy = await startCuttingProxy({ host: "127.0.0.1", port: embedded.port }, (packet: ProxiedPacket) => {
      if (packet.from === "broker" && packet.type === "publish") {
        log.push(`link ${packet.connection}: publish ${nameOf(packet.packetId)}`)
      }
      if (packet.from === "client" && packet.type === "puback") {
        log.push(`link ${packet.connection}: puback ${nameOf(packet.packetId)}`)
      }
    })
    proxies.push(proxy)
    const seen = (entry: string) =>
      waitFor(
        Effect.sync(() => log.includes(entry)),
        (found) => found,
        10_000
      )
    let releaseFirst: () => void = () => {}
    const firstMayFinish = new Promise<void>((resolve) => {
      releaseFirst = resolve
    })
    let calls = 0
    let active = 0
    let mostActive = 0
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const publisher = yield* makeMqttBroker({
            url: embedded.url,
            clientId: `pub-cut-${process.pid}`,
            protocolVersion: 4
          })
          const subscriber = yield* makeMqttBroker({
            url: proxy.url,
            clientId: `sub-cut-${process.pid}`,
            protocolVersion: 4,
            reconnectPeriodMs: 50
          })
          for (const broker of [publisher, subscriber]) {
            yield* waitFor(broker.state, (state) => state.connection === "connected", 10_000)
          }
          yield* subscriber.subscribe("site/+/events", (message) =>
            Effect.gen(function* () {
              calls += 1
              active += 1
              mostActive = Math.max(mostActive, active)
              log.push(`start ${text(message.payload)}`)
              if (calls === 1) yield* Effect.promise(() => firstMayFinish)
              log.push(`end ${text(message.payload)}`)
              active -= 1
            })
          )
          const send = (body: string) =>
            publisher.publish("site/a/events", new TextEncoder().encode(body), { qos: 1, timeoutMs: 5_000 })
          yield* send("1")
          yield* seen("start 1")
          // The link drops while "1" is handled; the session comes back on a new link and the broker sends "1" again.
          proxy.cutAll()
          yield* seen("link 2: publish #1")
          releaseFirst()
          yield* seen("link 2: puback #1")
          yield* send("2")
          yield* seen("link 2: puback #2")
        })
      )
    )
    expect(mostActive).toBe(1)
    expect(log).toEqual([
      "link 1: publish #1",
      "start 1",
      "link 2: publish #1",
      // The first handling ends after its link closed: no PUBACK, which would ack the copy before it was handled.
      "end 1",
      "start 1",
      "end 1",
      "link 2: puback #1",
      "link 2: publish #2",
      "start 2",
      "end 2",
      "link 2: puback #2"
    ])
  })
})
