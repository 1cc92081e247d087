// The far side of bench:sync in a process of its own, as the hub is in the field, so the station's process (the
// bench's) holds only the station and its RSS and CPU are the station's. Forked by bench/sync-throughput.ts over IPC:
//   consumer <mqtt-url> <hub.db | :memory:> [batch]: the hub's consumer (fixtures' consumer rig) until told "stop"
//     (told "cpu", it answers "cpu <its CPU so far in µs>");
//   raw-sub <mqtt-url> <topic> <count>: a plain mqtt.js QoS 1 subscriber that says "done" after <count> messages.
import { Effect, Exit, Layer, References, Scope } from "effect"
import mqtt from "mqtt"
import { Consumer } from "../core/sync/Consumer.ts"
import { layerMqttBroker } from "../drivers/mqtt/MqttBroker.ts"
import { sendAtOnce } from "../drivers/mqtt/sendAtOnce.ts"
import { consumerRigLayer } from "../fixtures/mqtt/SyncRig.ts"

const [mode, url, ...rest] = process.argv.slice(2)
const send = (message: string) => process.send?.(message)

const runConsumer = async (filename: string, batch: string | undefined) => {
  const scope = await Effect.runPromise(Scope.make())
  await Effect.runPromise(
    Effect.gen(function* () {
      const consumer = yield* Layer.build(
        consumerRigLayer({
          filename,
          broker: layerMqttBroker({ url: url!, clientId: "bench-hub", protocolVersion: 5 }),
          ...(batch === undefined ? {} : { batchSize: Number(batch) })
        })
      ).pipe(Scope.provide(scope))
      yield* Effect.flatMap(Consumer, (c) => c.start).pipe(Effect.provide(consumer), Scope.provide(scope))
    }).pipe(Effect.provideService(References.MinimumLogLevel, "Error"))
  )
  process.on("message", (message) => {
    // "cpu": the consumer's CPU so far (user + system, µs), so the bench can print its share of a drain.
    if (message === "cpu") {
      const used = process.cpuUsage()
      send(`cpu ${used.user + used.system}`)
    }
    if (message !== "stop") return
    void Effect.runPromise(Scope.close(scope, Exit.void)).then(() => process.exit(0))
  })
  send("ready")
}

const runRawSubscriber = async (topic: string, count: number) => {
  const subscriber = await mqtt.connectAsync(url!, { clientId: "bench-raw-sub", protocolVersion: 5, clean: true })
  // The same socket setting as the hub's driver.
  sendAtOnce(subscriber.stream)
  await subscriber.subscribeAsync(topic, { qos: 1 })
  let received = 0
  subscriber.on("message", () => {
    received++
    if (received === count) {
      send("done")
      void subscriber.endAsync().then(() => process.exit(0))
    }
  })
  send("ready")
}

if (mode === "consumer") await runConsumer(rest[0]!, rest[1])
else if (mode === "raw-sub") await runRawSubscriber(rest[0]!, Number(rest[1]))
else throw new Error(`bench/sync-peer.ts: unknown mode ${mode}`)
