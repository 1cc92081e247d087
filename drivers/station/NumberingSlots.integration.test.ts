import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FleetView } from "../../core/api/StationApi.ts"
import { type Mosquitto, startMosquitto } from "../../fixtures/mqtt/MosquittoProcess.ts"
import { until } from "../../fixtures/waitFor.ts"
import { loadConfig } from "./loadConfig.ts"
import { type RunningStation, startStation } from "./Station.ts"

const fleetOf = async (station: RunningStation): Promise<FleetView> => {
  const result = await station.call("fleet.presence", {})
  if (!result.ok) throw new Error(JSON.stringify(result))
  return result.value as FleetView
}

describe("numbering slots over the site's broker (mosquitto)", () => {
  let broker: Mosquitto
  const running: Array<RunningStation> = []
  const dirs: Array<string> = []

  const start = async (siteId: string, stationId: string, numbering?: { index: number; of: number }) => {
    const dataDir = mkdtempSync(join(tmpdir(), `pb-slots-${stationId}-`))
    dirs.push(dataDir)
    const config = loadConfig({
      cwd: dataDir,
      env: {
        PACKBENCH_DATA_DIR: dataDir,
        PACKBENCH_BROKER_URL: broker.url,
        PACKBENCH_SITE_ID: siteId,
        PACKBENCH_STATION_ID: stationId,
        ...(numbering === undefined
          ? {}
          : { PACKBENCH_STATION_INDEX: String(numbering.index), PACKBENCH_STATIONS: String(numbering.of) })
      }
    })
    const station = await startStation({ config, http: false, log: () => {}, renderPrintouts: false })
    running.push(station)
    return station
  }

  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterAll(async () => {
    for (const station of running.reverse()) await station.close()
    await broker.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it("two benches left on the whole range (no numbering settings) see each other as a clash", async () => {
    const first = await start("HAM1", "PACK-01")
    const second = await start("HAM1", "PACK-02")
    for (const [station, other] of [
      [first, "PACK-02"],
      [second, "PACK-01"]
    ] as const) {
      const view = await until(
        () => fleetOf(station),
        (fleet) => fleet.stations.length === 2 && fleet.stations.every((s) => s.numbering !== undefined),
        "both births heard"
      )
      expect(view.stations.find((s) => s.self)).toMatchObject({
        numbering: { stationIndex: 0, stations: 1 },
        numberingClash: [other]
      })
    }
  })

  it("two benches with their own blocks of one fleet do not", async () => {
    const first = await start("HAM2", "PACK-01", { index: 0, of: 2 })
    const second = await start("HAM2", "PACK-02", { index: 1, of: 2 })
    for (const station of [first, second]) {
      const view = await until(
        () => fleetOf(station),
        (fleet) => fleet.stations.length === 2 && fleet.stations.every((s) => s.numbering !== undefined),
        "both births heard"
      )
      expect(view.stations.map((s) => [s.stationId, s.numbering, s.numberingClash])).toEqual([
        ["PACK-01", { stationIndex: 0, stations: 2 }, undefined],
        ["PACK-02", { stationIndex: 1, stations: 2 }, undefined]
      ])
    }
  })
})
