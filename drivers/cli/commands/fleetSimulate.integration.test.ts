import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Consumer } from "../../../core/sync/Consumer.ts"
import { checkDelivery } from "../../../core/sync/DeliveryChecker.ts"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { type Mosquitto, startMosquitto } from "../../../fixtures/mqtt/MosquittoProcess.ts"
import { appliedEvents, committedEvents, consumerRigLayer } from "../../../fixtures/mqtt/SyncRig.ts"
import type { StationLag } from "../../../hub/core/fleet/StationLag.ts"
import { hubCommand } from "../../../hub/drivers/server/hubCommand.ts"
import { upsertMosquittoPassword } from "../../mqtt/MosquittoFiles.ts"
import { layerMqttBroker } from "../../mqtt/MqttBroker.ts"
import { fleetStation } from "../../simulation/FleetSimulation.ts"
import { layerSqlite } from "../../sqlite/SqliteSql.ts"
import { fleetSimulateCommand } from "./fleetSimulate.ts"

const dir = mkdtempSync(join(tmpdir(), "pb-fleet-sim-"))
const dataDir = join(dir, "fleet")
const mosquittoDir = join(dir, "mosquitto")
let mosquitto: Mosquitto
beforeAll(async () => {
  // The simulator enrols its stations as `hub add-station` would; the hub gets its own login.
  const enrolled = capturedIo({ cwd: dir })
  const code = await fleetSimulateCommand.run(
    ["--enroll", "--stations", "10", "--per-site", "5", "--mosquitto-dir", mosquittoDir, "--data-dir", dataDir],
    enrolled.io
  )
  expect(code, enrolled.output().err).toBe(0)
  upsertMosquittoPassword(join(mosquittoDir, "passwords"), "packbench-hub", "hub-secret-fleet-sim")
  mosquitto = await startMosquitto({
    provisioned: { passwordFile: join(mosquittoDir, "passwords"), aclFile: join(mosquittoDir, "acl") }
  })
})
afterAll(async () => {
  await mosquitto?.stop()
})

describe("packbench fleet-simulate and hub status", () => {
  it("10 stations with their own logins and databases deliver every event once, 2 of them after an outage", async () => {
    const hubFile = join(dir, "hub.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const hub = yield* Layer.build(
          consumerRigLayer({
            filename: hubFile,
            broker: layerMqttBroker({
              url: mosquitto.url,
              clientId: "packbench-hub-fleet-sim",
              protocolVersion: 5,
              username: "packbench-hub",
              password: "hub-secret-fleet-sim"
            })
          })
        )
        yield* Effect.flatMap(Consumer, (consumer) => consumer.start).pipe(Effect.provide(hub))
        const simulated = capturedIo({ cwd: dir })
        const code = yield* Effect.promise(() =>
          fleetSimulateCommand.run(
            [
              "--stations",
              "10",
              "--per-site",
              "5",
              "--rate",
              "20",
              "--duration",
              "4",
              "--offline-share",
              "0.2",
              "--offline-after",
              "1",
              "--offline-seconds",
              "1.5",
              "--drain-wait",
              "60",
              "--broker",
              mosquitto.url,
              "--data-dir",
              dataDir
            ],
            simulated.io
          )
        )
        const committed = (yield* Effect.forEach(Array.from({ length: 10 }), (_, index) =>
          committedEvents.pipe(
            Effect.provide(
              layerSqlite({ filename: join(fleetStation(dataDir, index, 5).dir, "station.db"), readonly: true })
            )
          )
        )).flat()
        const applied = yield* appliedEvents.pipe(Effect.provide(hub))
        return { code, output: simulated.output(), committed, applied }
      }).pipe(Effect.scoped)
    )
    expect(result.code, result.output.err).toBe(0)
    const summary = JSON.parse(result.output.out) as Record<string, number>
    expect(summary).toMatchObject({ stations: 10, offlineStations: 2, depth: 0, offline: 0 })
    expect(summary.appended).toBe(result.committed.length)
    expect(summary.confirmed).toBe(result.committed.length)
    expect(result.output.err).toContain("2 stations go offline")
    expect(result.output.err).toContain("2 stations back online, draining")
    expect(checkDelivery(result.committed, result.applied)).toEqual({
      lost: [],
      appliedTwice: [],
      unexpected: [],
      outOfOrder: []
    })

    const status = capturedIo({ cwd: dir })
    expect(await hubCommand.run(["status", "--db", hubFile, "--json"], status.io), status.output().err).toBe(0)
    const lags = JSON.parse(status.output().out) as ReadonlyArray<StationLag>
    expect(lags.map((lag) => `${lag.siteId}/${lag.stationId}`)).toEqual(
      Array.from({ length: 10 }, (_, index) => {
        const station = fleetStation(dataDir, index, 5)
        return `${station.siteId}/${station.stationId}`
      })
    )
    const perStation = new Map<string, number>()
    for (const event of result.applied) perStation.set(event.stationId, (perStation.get(event.stationId) ?? 0) + 1)
    for (const lag of lags) {
      expect(lag).toMatchObject({ held: 0, gap: 0, superseded: false, lastAppliedSeq: perStation.get(lag.stationId) })
    }
    const table = capturedIo({ cwd: dir })
    expect(await hubCommand.run(["status", "--db", hubFile], table.io)).toBe(0)
    expect(table.output().out).toContain("10 station streams in SQLite")
    expect(table.output().out).toMatch(/SITE-02\/PACK-010 +\S+ +\d+ +\d+ s ago .* none held +active/)
  }, 120_000)
})
