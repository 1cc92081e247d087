// A station process for the kill -9 test: opens the station database, starts the outbox against the broker and,
// in "append" mode, appends events in transactions of random size until it is killed.
// argv: <data-dir> <broker-url> <append|drain>
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { Outbox } from "../../core/sync/Outbox.ts"
import { layerFileHighWaterMark } from "./FileHighWaterMark.ts"
import { layerMqttBroker } from "./MqttBroker.ts"
import { appendScans, stationRigLayer } from "./SyncRig.ts"

const [dataDir = ".", url = "mqtt://127.0.0.1:1883", mode = "append"] = process.argv.slice(2)

const program = Effect.gen(function* () {
  const outbox = yield* Outbox
  yield* outbox.start
  process.stdout.write("ready\n")
  while (mode === "append") {
    yield* appendScans(1 + Math.floor(Math.random() * 20), 1 + Math.floor(Math.random() * 5))
    yield* outbox.kick
    yield* Effect.sleep(Math.floor(Math.random() * 5))
  }
  return yield* Effect.never
}).pipe(
  Effect.scoped,
  Effect.provide(
    stationRigLayer({
      filename: join(dataDir, "station.db"),
      broker: layerMqttBroker({ url, clientId: "station-child", protocolVersion: 5 }),
      highWaterMark: layerFileHighWaterMark(join(dataDir, "sync-highwater.json")),
      outbox: { ackTimeoutMs: 1_000, publishTimeoutMs: 2_000, retryInitialMs: 50, retryMaxMs: 500 }
    }).pipe(Layer.orDie)
  ),
  Effect.provideService(References.MinimumLogLevel, "Error")
)

Effect.runFork(program)
