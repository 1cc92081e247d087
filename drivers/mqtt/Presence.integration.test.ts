import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HighWaterMark, makeMemoryHighWaterMark } from "../../core/sync/HighWaterMark.ts"
import { PresenceMessage } from "../../core/sync/Presence.ts"
import { decodeJson, Topics } from "../../core/sync/Topics.ts"
import { startCuttingProxy } from "../../fixtures/mqtt/CuttingProxy.ts"
import { type Mosquitto, startMosquitto } from "../../fixtures/mqtt/MosquittoProcess.ts"
import { syncEngineRigLayer, waitFor } from "../../fixtures/mqtt/SyncRig.ts"
import { type EmbeddedBroker, startEmbeddedBroker } from "./EmbeddedBroker.ts"
import { makeMqttBroker } from "./MqttBroker.ts"
import { layerStationLink } from "./StationLink.ts"

const tempDir = () => mkdtempSync(join(tmpdir(), "pb-presence-it-"))
let unique = 0
const nextStationId = () => `PACK-P${++unique}`

interface Seen {
  readonly state: "online" | "offline"
  readonly reason: string | undefined
  readonly stationId: string
}

/**
 * A manager's view: every presence message of the site in arrival order, as a subscriber on its own connection
 * sees them (retained ones included on subscribe).
 */
const watchPresence = (url: string, protocolVersion: 4 | 5, name: string) =>
  Effect.gen(function* () {
    const seen: Array<Seen> = []
    const broker = yield* makeMqttBroker({ url, clientId: `manager-${name}-${process.pid}`, protocolVersion })
    yield* waitFor(broker.state, (state) => state.connection === "connected", 10_000)
    yield* broker.subscribe(Topics.presence("HAM1", "+"), (message) =>
      Effect.sync(() => {
        const json = decodeJson(message.payload)
        if (!json.ok) throw new Error(`presence message is not JSON: ${json.reason}`)
        const presence = Schema.decodeUnknownSync(PresenceMessage)(json.value)
        seen.push({ state: presence.state, reason: presence.reason, stationId: presence.stationId })
      })
    )
    return seen
  })

/** What a manager makes of the messages: the changes of state (a repeated birth changes nothing). */
const transitionsOf = (seen: ReadonlyArray<Seen>, stationId: string) =>
  seen
    .filter((message) => message.stationId === stationId)
    .filter((message, index, all) => index === 0 || message.state !== all[index - 1]?.state)

const statesOf = (seen: ReadonlyArray<Seen>, stationId: string) =>
  transitionsOf(seen, stationId).map((message) => message.state)

const waitStates = (seen: ReadonlyArray<Seen>, stationId: string, expected: ReadonlyArray<string>) =>
  waitFor(
    Effect.sync(() => statesOf(seen, stationId)),
    (states) => states.length >= expected.length,
    20_000
  )

/** The retained presence a manager that connects only now is told. */
const retainedPresence = (url: string, protocolVersion: 4 | 5, stationId: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const seen = yield* watchPresence(url, protocolVersion, `late-${++unique}`)
      const [retained] = yield* waitFor(
        Effect.sync(() => seen.filter((message) => message.stationId === stationId)),
        (messages) => messages.length > 0,
        10_000
      )
      return retained
    })
  )

const childPath = fileURLToPath(new URL("../../fixtures/mqtt/stationChild.ts", import.meta.url))

const spawnPresenceStation = (dir: string, url: string, protocolVersion: 4 | 5, stationId: string) =>
  Effect.acquireRelease(
    Effect.callback<ChildProcess, Error>((resume) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", childPath, dir, url, "presence", String(protocolVersion), stationId],
        { stdio: ["ignore", "pipe", "inherit"] }
      )
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ready")) resume(Effect.succeed(child))
      })
      child.once("exit", (code) => resume(Effect.fail(new Error(`station child exited early (${code})`))))
    }),
    (child) =>
      Effect.callback<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGKILL")
      })
  )

const kill9 = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

/** kill -9 of the station process: the broker publishes the will; a restart announces itself again. */
const killedStation = (url: string, protocolVersion: 4 | 5) =>
  Effect.gen(function* () {
    const stationId = nextStationId()
    const dir = tempDir()
    const seen = yield* watchPresence(url, protocolVersion, stationId)
    const first = yield* spawnPresenceStation(dir, url, protocolVersion, stationId)
    yield* waitStates(seen, stationId, ["online"])
    yield* kill9(first)
    yield* waitStates(seen, stationId, ["online", "offline"])
    const whileDown = yield* retainedPresence(url, protocolVersion, stationId)
    yield* spawnPresenceStation(dir, url, protocolVersion, stationId)
    yield* waitStates(seen, stationId, ["online", "offline", "online"])
    const afterRestart = yield* retainedPresence(url, protocolVersion, stationId)
    return {
      sequence: transitionsOf(seen, stationId),
      whileDown,
      afterRestart
    }
  }).pipe(Effect.scoped)

/** The station's socket destroyed under it (a proxy going dark): the will, then a birth when the link is back. */
const cutStation = (target: { readonly host: string; readonly port: number; readonly url: string }, v: 4 | 5) =>
  Effect.gen(function* () {
    const proxy = yield* Effect.acquireRelease(
      Effect.promise(() => startCuttingProxy(target)),
      (proxy) => Effect.promise(() => proxy.close())
    )
    const stationId = nextStationId()
    const seen = yield* watchPresence(target.url, v, stationId)
    yield* Layer.build(
      syncEngineRigLayer({
        filename: join(tempDir(), "station.db"),
        stationId,
        broker: layerStationLink({ url: proxy.url, protocolVersion: v, reconnectPeriodMs: 200 }),
        highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark())
      })
    )
    yield* waitStates(seen, stationId, ["online"])
    proxy.setDark(true)
    yield* waitStates(seen, stationId, ["online", "offline"])
    const whileDown = yield* retainedPresence(target.url, v, stationId)
    proxy.setDark(false)
    yield* waitStates(seen, stationId, ["online", "offline", "online"])
    return { sequence: transitionsOf(seen, stationId), whileDown }
  }).pipe(Effect.scoped)

const expectUpDownUp = (sequence: ReadonlyArray<Seen>) => {
  expect(sequence.map((message) => message.state)).toEqual(["online", "offline", "online"])
  expect(sequence[1]?.reason).toBe("connection lost")
}

describe.each([
  ["mosquitto (MQTT 5)", 5 as const],
  ["embedded aedes (MQTT 3.1.1)", 4 as const]
])("station presence over %s", (_name, protocolVersion) => {
  let broker: { readonly url: string; readonly port: number; readonly stop: () => Promise<void> }
  beforeAll(async () => {
    if (protocolVersion === 5) {
      const mosquitto: Mosquitto = await startMosquitto()
      broker = { url: mosquitto.url, port: mosquitto.port, stop: mosquitto.stop }
    } else {
      const aedes: EmbeddedBroker = await startEmbeddedBroker({ port: 0, access: { kind: "open" } })
      broker = { url: aedes.url, port: aedes.port, stop: aedes.close }
    }
  })
  afterAll(async () => {
    await broker.stop()
  })

  it("kill -9 of the station process: retained birth, retained last-will offline, birth again after restart", async () => {
    const result = await Effect.runPromise(killedStation(broker.url, protocolVersion))
    expectUpDownUp(result.sequence)
    expect(result.whileDown).toMatchObject({ state: "offline", reason: "connection lost" })
    expect(result.afterRestart).toMatchObject({ state: "online" })
  }, 60_000)

  it("the station's socket destroyed by a proxy: offline will while it cannot reconnect, online once it can", async () => {
    const result = await Effect.runPromise(
      cutStation({ host: "127.0.0.1", port: broker.port, url: broker.url }, protocolVersion)
    )
    expectUpDownUp(result.sequence)
    expect(result.whileDown).toMatchObject({ state: "offline", reason: "connection lost" })
  }, 60_000)
})
