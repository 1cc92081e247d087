import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mqtt from "mqtt"
import { afterEach, describe, expect, it } from "vitest"
import type { FleetView } from "../../core/api/StationApi.ts"
import { presenceWill } from "../../core/sync/Presence.ts"
import { Topics } from "../../core/sync/Topics.ts"
import { type Mosquitto, startMosquitto } from "../../fixtures/mqtt/MosquittoProcess.ts"
import { until } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

/** Far above what a loaded machine takes to answer a subscription; only a presence that never comes waits it out. */
const RETAINED_DEADLINE_MS = 20_000

/**
 * What a manager's dashboard that subscribes now learns: the retained presence of each station, read once that of
 * each of `stations` has come (the broker sends the retained messages right after its SUBACK).
 */
const retainedPresence = (url: string, siteId: string, stations: ReadonlyArray<string>) =>
  new Promise<Record<string, string>>((resolve, reject) => {
    const client = mqtt.connect(url, { clientId: `dashboard-${process.pid}-${Date.now()}`, protocolVersion: 4 })
    const seen: Record<string, string> = {}
    let ended = false
    const timer = setTimeout(() => {
      client.end(true)
      reject(
        new Error(
          `no retained presence of ${stations.join(", ")} in ${RETAINED_DEADLINE_MS} ms; seen ${JSON.stringify(seen)}`
        )
      )
    }, RETAINED_DEADLINE_MS)
    client.on("message", (_topic, payload, packet) => {
      if (!packet.retain) return
      const message = JSON.parse(payload.toString()) as { stationId: string; state: string; reason?: string }
      seen[message.stationId] = `${message.state}${message.reason === undefined ? "" : ` · ${message.reason}`}`
      if (ended || !stations.every((stationId) => stationId in seen)) return
      ended = true
      clearTimeout(timer)
      client.end(true, () => resolve(seen))
    })
    client.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    client.on("connect", () => client.subscribe(Topics.presenceOf(siteId), { qos: 1 }))
  })

describe("a station starting where the broker (mosquitto) still holds its last will", () => {
  let broker: Mosquitto | undefined
  let station: RunningStation | undefined
  let dataDir = ""
  afterEach(async () => {
    await station?.close()
    await broker?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it("shows itself online and leaves its retained presence online, every time", async () => {
    broker = await startMosquitto()
    dataDir = mkdtempSync(join(tmpdir(), "pb-stale-presence-"))
    const identity = { siteId: "HAM1", stationId: "PACK-01", epoch: "e-before" }
    // The previous run of this station: its persistent session (same client id) subscribed to the site's presence,
    // then the process died without a DISCONNECT. The broker published its will, kept it retained and queued it
    // on the session, which the next run resumes.
    const will = presenceWill(identity, Date.now() - 60_000)
    await new Promise<void>((resolve, reject) => {
      const client = mqtt.connect(broker!.url, {
        clientId: "packbench-HAM1-PACK-01",
        protocolVersion: 5,
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
        will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true }
      })
      client.on("error", reject)
      client.on("connect", () =>
        client.subscribe(Topics.presenceOf("HAM1"), { qos: 1 }, () => {
          client.stream.destroy()
          client.end(true, () => resolve())
        })
      )
    })
    expect(await retainedPresence(broker.url, "HAM1", ["PACK-01"])).toEqual({ "PACK-01": "offline · connection lost" })

    const config = loadConfig({
      cwd: dataDir,
      env: {
        PACKBENCH_DATA_DIR: dataDir,
        PACKBENCH_HTTP_PORT: "0",
        PACKBENCH_BROKER_URL: broker.url,
        PACKBENCH_SITE_ID: "HAM1",
        PACKBENCH_STATION_ID: "PACK-01"
      }
    })
    station = await startStation({
      config: { ...config, hub: { ...config.hub, embedded: false } },
      http: false,
      log: () => {}
    })
    const fleet = async () => {
      const result = await station!.call("fleet.presence", {})
      if (!result.ok) throw new Error(JSON.stringify(result))
      return result.value as FleetView
    }
    await until(fleet, (view) => view.stations.some((s) => s.self), "the station sees itself")
    // The retained will is replayed on each subscription, after the live birth: give it every chance to land.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const view = await fleet()
    expect(view.stations.map((s) => [s.stationId, s.state, s.self])).toEqual([["PACK-01", "online", true]])
    expect(await retainedPresence(broker.url, "HAM1", ["PACK-01"])).toEqual({ "PACK-01": "online" })
  })
})
