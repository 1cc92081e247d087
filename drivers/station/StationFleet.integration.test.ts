import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FleetView, PushMessage, QuarantinedMessage } from "../../core/api/StationApi.ts"
import { oneLine } from "../../core/bounds/oneLine.ts"
import { presenceMessage, presenceWill } from "../../core/sync/Presence.ts"
import { encodeJson, Topics } from "../../core/sync/Topics.ts"
import { startCuttingProxy } from "../../fixtures/mqtt/CuttingProxy.ts"
import { enrolEmbeddedClient } from "../../fixtures/mqtt/TestLogins.ts"
import { until } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

const childPath = fileURLToPath(new URL("../../fixtures/mqtt/stationChild.ts", import.meta.url))

/** A second station in its own process, on the same broker: its whole sync engine with presence birth and will. */
const spawnStation = (
  dataDir: string,
  brokerUrl: string,
  stationId: string,
  login: { readonly username: string; readonly password: string }
) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", childPath, dataDir, brokerUrl, "presence", "4", stationId],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, STATION_CHILD_USERNAME: login.username, STATION_CHILD_PASSWORD: login.password }
      }
    )
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child)
    })
    child.once("exit", (code) => reject(new Error(`station child exited early (${code})`)))
  })

const kill9 = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

describe("the station's view of its site's stations", () => {
  let station: RunningStation
  let stationDataDir: string
  const pushed: Array<FleetView> = []
  const children: Array<ChildProcess> = []

  const fleet = async (): Promise<FleetView> => {
    const result = await station.call("fleet.presence", {})
    if (!result.ok) throw new Error(`fleet.presence failed: ${JSON.stringify(result)}`)
    return result.value as FleetView
  }
  const presenceOf = async (stationId: string) => (await fleet()).stations.find((s) => s.stationId === stationId)
  /** The states a station went through in the pushes, repeats folded. */
  const pushedStates = (stationId: string) =>
    pushed
      .map((view) => view.stations.find((s) => s.stationId === stationId)?.state)
      .filter((state) => state !== undefined)
      .filter((state, index, all) => index === 0 || state !== all[index - 1])

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-fleet-it-"))
    stationDataDir = dataDir
    writeFileSync(join(dataDir, "packbench.config.json"), JSON.stringify({ hub: { embedded: false } }))
    const config = loadConfig({
      cwd: dataDir,
      env: {
        PACKBENCH_DATA_DIR: dataDir,
        PACKBENCH_EMBEDDED_BROKER_PORT: "0",
        PACKBENCH_SITE_ID: "HAM1",
        PACKBENCH_STATION_ID: "PACK-01"
      }
    })
    station = await startStation({ config, http: false, log: () => {} })
    station.subscribe((message: PushMessage) => {
      if (message.name === "fleet") pushed.push(message.payload as FleetView)
    })
  }, 60_000)
  afterAll(async () => {
    for (const child of children) await kill9(child)
    await station?.close()
  })

  it("shows itself online, a second station online, offline when it is killed -9, online again after restart", async () => {
    const self = await until(
      () => presenceOf("PACK-01"),
      (p) => p?.state === "online",
      "own presence"
    )
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))
    expect(self).toMatchObject({ self: true, state: "online", appVersion: version })

    const dir = mkdtempSync(join(tmpdir(), "pb-fleet-child-"))
    // Enrolled on the embedded broker as a second station of the site, with its own login.
    const login = await enrolEmbeddedClient(stationDataDir, { role: "station", siteId: "HAM1", stationId: "PACK-02" })
    const first = await spawnStation(dir, station.brokerUrl, "PACK-02", login)
    children.push(first)
    const up = await until(
      () => presenceOf("PACK-02"),
      (p) => p?.state === "online",
      "PACK-02 online"
    )
    expect(up?.self).toBe(false)
    expect(up?.offlineReason).toBeUndefined()
    expect(up?.sinceMs).toEqual(expect.any(Number))

    const killedAt = Date.now()
    await kill9(first)
    const down = await until(
      () => presenceOf("PACK-02"),
      (p) => p?.state === "offline",
      "PACK-02 offline"
    )
    expect(down).toMatchObject({ offlineReason: { code: "connection-lost" }, lastSeenMs: up?.sinceMs })
    // Seen happen, so offline since it was noticed (the will itself only carries the connect time).
    expect(down?.sinceMs).toBeGreaterThanOrEqual(killedAt - 1_000)

    children.push(await spawnStation(dir, station.brokerUrl, "PACK-02", login))
    const back = await until(
      () => presenceOf("PACK-02"),
      (p) => p?.state === "online",
      "PACK-02 online again"
    )
    expect(back?.epoch).toBe(up?.epoch)
    await until(
      async () => pushedStates("PACK-02"),
      (states) => states.length >= 3,
      "pushes for PACK-02"
    )
    expect(pushedStates("PACK-02")).toEqual(["online", "offline", "online"])
  }, 90_000)

  it("sees a station whose socket is destroyed under it go offline with its will, and come back", async () => {
    const proxy = await startCuttingProxy({ host: "127.0.0.1", port: Number(new URL(station.brokerUrl).port) })
    const identity = { siteId: "HAM1", stationId: "PACK-03", epoch: "e-cut" }
    const will = presenceWill(identity, Date.now())
    const login = await enrolEmbeddedClient(stationDataDir, { role: "station", siteId: "HAM1", stationId: "PACK-03" })
    const client = mqtt.connect(proxy.url, {
      protocolVersion: 4,
      clientId: login.clientId,
      username: login.username,
      password: login.password,
      reconnectPeriod: 100,
      will: { topic: will.topic, payload: Buffer.from(will.payload), retain: will.retain, qos: 1 }
    })
    client.on("connect", () => {
      client.publish(
        Topics.presence("HAM1", "PACK-03"),
        Buffer.from(encodeJson(presenceMessage(identity, "online", Date.now()))),
        {
          qos: 1,
          retain: true
        }
      )
    })
    try {
      await until(
        () => presenceOf("PACK-03"),
        (p) => p?.state === "online",
        "PACK-03 online"
      )
      proxy.setDark(true)
      expect(
        await until(
          () => presenceOf("PACK-03"),
          (p) => p?.state === "offline",
          "PACK-03 offline"
        )
      ).toMatchObject({
        offlineReason: { code: "connection-lost" }
      })
      proxy.setDark(false)
      await until(
        () => presenceOf("PACK-03"),
        (p) => p?.state === "online",
        "PACK-03 online again"
      )
    } finally {
      client.end(true)
      await proxy.close()
    }
  }, 60_000)

  it("quarantines a presence message it cannot read with a clear reason, keeps the state and says so", async () => {
    const before = await until(
      () => presenceOf("PACK-02"),
      (p) => p?.state === "online",
      "PACK-02 online"
    )
    // PACK-02 itself, with a bug: only a station may publish its presence.
    const login = await enrolEmbeddedClient(stationDataDir, { role: "station", siteId: "HAM1", stationId: "PACK-02" })
    const client = await mqtt.connectAsync(station.brokerUrl, {
      protocolVersion: 4,
      clientId: `${login.clientId}-bad`,
      username: login.username,
      password: login.password
    })
    try {
      await client.publishAsync(Topics.presence("HAM1", "PACK-02"), '{"state":"asleep","at":"soon"}', { qos: 1 })
      const flagged = await until(
        () => presenceOf("PACK-02"),
        (p) => p?.problem !== undefined,
        "problem shown"
      )
      expect(flagged).toMatchObject({ state: "online", sinceMs: before?.sinceMs })
      expect(flagged?.problem).toEqual({
        code: "presence-invalid",
        detail: expect.stringMatching(/^not a presence message: /)
      })
      const quarantine = await station.call("sync.quarantine", { limit: 10 })
      const rows = (quarantine.ok ? quarantine.value : []) as ReadonlyArray<QuarantinedMessage>
      expect(rows[0]).toMatchObject({
        topic: "packbench/v1/HAM1/PACK-02/presence",
        payload: '{"state":"asleep","at":"soon"}'
      })
      expect(oneLine(rows[0]?.reason ?? "")).toBe(flagged?.problem?.detail)
      // The station goes on: the next good message clears the problem.
      await client.publishAsync(
        Topics.presence("HAM1", "PACK-02"),
        Buffer.from(
          encodeJson(presenceMessage({ siteId: "HAM1", stationId: "PACK-02", epoch: "e2" }, "offline", Date.now()))
        ),
        { qos: 1 }
      )
      const clean = await until(
        () => presenceOf("PACK-02"),
        (p) => p?.state === "offline",
        "PACK-02 clean offline"
      )
      expect(clean?.problem).toBeUndefined()
    } finally {
      await client.endAsync()
    }
  }, 60_000)
})
