// A station process for the kill -9 tests: opens the station database, starts the outbox against the broker and,
// in "append" mode, appends events in transactions of random size until it is killed. "presence" mode runs the
// whole sync engine on the station's own link (presence birth and last will) and idles.
// argv: <data-dir> <broker-url> <append|drain|presence> [protocol version 4|5] [station id]
import { join } from "node:path"
import { Effect, Layer, References } from "effect"
import { Outbox } from "../../core/sync/Outbox.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { layerFileHighWaterMark } from "./FileHighWaterMark.ts"
import { layerMqttBroker } from "./MqttBroker.ts"
import { layerStationLink } from "./StationLink.ts"
import { appendScans, stationRigLayer, syncEngineRigLayer } from "./SyncRig.ts"

const [dataDir = ".", url = "mqtt://127.0.0.1:1883", mode = "append", version = "5", stationId = "PACK-01"] =
  process.argv.slice(2)
const protocolVersion = version === "4" ? 4 : 5

const presence = Effect.gen(function* () {
  yield* SyncEngine
  process.stdout.write("ready\n")
  return yield* Effect.never
}).pipe(
  Effect.provide(
    syncEngineRigLayer({
      filename: join(dataDir, "station.db"),
      stationId,
      broker: layerStationLink({ url, protocolVersion }),
      highWaterMark: layerFileHighWaterMark(join(dataDir, "sync-highwater.json"))
    }).pipe(Layer.orDie)
  )
)

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
      broker: layerMqttBroker({ url, clientId: "station-child", protocolVersion }),
      highWaterMark: layerFileHighWaterMark(join(dataDir, "sync-highwater.json")),
      outbox: { ackTimeoutMs: 1_000, publishTimeoutMs: 2_000, retryInitialMs: 50, retryMaxMs: 500 }
    }).pipe(Layer.orDie)
  ),
  Effect.provideService(References.MinimumLogLevel, "Error")
)

Effect.runFork(
  mode === "presence" ? presence.pipe(Effect.provideService(References.MinimumLogLevel, "Error")) : program
)
