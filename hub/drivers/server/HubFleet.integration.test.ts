import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Context, Effect, Layer, References } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EventLog } from "../../../core/events/EventLog.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { stationUsername } from "../../../core/sync/BrokerRoles.ts"
import { checkDelivery } from "../../../core/sync/DeliveryChecker.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../../../core/sync/HighWaterMark.ts"
import { Outbox } from "../../../core/sync/Outbox.ts"
import { upsertMosquittoAcl, upsertMosquittoPassword } from "../../../drivers/mqtt/MosquittoFiles.ts"
import { layerMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { type Mosquitto, startMosquitto } from "../../../fixtures/mqtt/MosquittoProcess.ts"
import {
  appendScans,
  appliedEvents,
  committedEvents,
  consumerRigLayer,
  stationRigLayer,
  waitFor
} from "../../../fixtures/mqtt/SyncRig.ts"
import { type Postgres, startPostgres } from "../../../fixtures/postgres/PostgresProcess.ts"
import type { StationLag } from "../../core/fleet/StationLag.ts"
import { hubCommand } from "./hubCommand.ts"
import { layerSharedSubscription } from "./SharedSubscriptionBroker.ts"

const child = fileURLToPath(new URL("../../../fixtures/hub/hubConsumerChild.ts", import.meta.url))
const stations = Array.from({ length: 20 }, (_, index) => `PACK-${String(index + 1).padStart(2, "0")}`)
const hubPassword = "hub-secret-fleet-test"

let postgres: Postgres
let mosquitto: Mosquitto
let loginDir: string
beforeAll(async () => {
  postgres = await startPostgres()
  // The shipped ACL, each station's block appended as `hub add-station` does: the hub reads through $share.
  loginDir = mkdtempSync(join(tmpdir(), "pb-fleet-logins-"))
  const passwordFile = join(loginDir, "passwords")
  const aclFile = join(loginDir, "acl")
  upsertMosquittoPassword(passwordFile, "packbench-hub", hubPassword)
  for (const stationId of stations) {
    upsertMosquittoPassword(passwordFile, stationUsername("HAM1", stationId), `pw-${stationId}`)
    upsertMosquittoAcl(aclFile, stationUsername("HAM1", stationId), { role: "station", siteId: "HAM1", stationId })
  }
  mosquitto = await startMosquitto({ provisioned: { passwordFile, aclFile } })
})
afterAll(async () => {
  await mosquitto?.stop()
  await postgres?.stop()
})

describe("a hub fleet: two hub processes on one PostgreSQL behind a shared subscription on mosquitto", () => {
  it("applies every event of 20 stations (as issue #16 asks) exactly once and in order while one hub is killed (SIGKILL) and restarted", async () => {
    const url = await postgres.createDatabase("fleet")
    const running = new Set<ChildProcess>()
    const spawnHub = (clientId: string) => {
      const hub = spawn(process.execPath, ["--import", "tsx", child, url, mosquitto.url, clientId, "hubs", "4"], {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, HUB_CHILD_USERNAME: "packbench-hub", HUB_CHILD_PASSWORD: hubPassword }
      })
      running.add(hub)
      return new Promise<ChildProcess>((resolve, reject) => {
        hub.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("ready")) resolve(hub)
        })
        hub.once("exit", (code, signal) => reject(new Error(`hub ${clientId} exited early (${code ?? signal})`)))
      })
    }
    const kill9 = (hub: ChildProcess) =>
      new Promise<void>((resolve) => {
        running.delete(hub)
        if (hub.exitCode !== null || hub.signalCode !== null) return resolve()
        hub.once("exit", () => resolve())
        hub.kill("SIGKILL")
      })
    try {
      // One after the other: the first creates the schema, the second finds it.
      const hubA = await spawnHub("packbench-hub-a")
      await spawnHub("packbench-hub-b")
      const result = await Effect.runPromise(
        Effect.gen(function* () {
          const dir = mkdtempSync(join(tmpdir(), "pb-fleet-stations-"))
          const contexts: Array<Context.Context<Outbox | Sql | EventLog>> = []
          for (const stationId of stations) {
            const context = yield* Layer.build(
              stationRigLayer({
                filename: join(dir, `${stationId}.db`),
                siteId: "HAM1",
                stationId,
                broker: layerMqttBroker({
                  url: mosquitto.url,
                  clientId: `packbench-HAM1-${stationId}`,
                  protocolVersion: 5,
                  username: stationUsername("HAM1", stationId),
                  password: `pw-${stationId}`
                }),
                highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
                outbox: { ackTimeoutMs: 1_500, publishTimeoutMs: 3_000, retryInitialMs: 100, retryMaxMs: 1_000 }
              })
            )
            yield* Effect.flatMap(Outbox, (outbox) => outbox.start).pipe(Effect.provide(context))
            contexts.push(context)
          }
          // Every station appends 15 rounds of 1–4 events, 100 ms apart; hub A dies after round 5 and comes back
          // (same client id, so its broker session with it) after round 10.
          let restarted: ChildProcess | undefined
          for (let round = 0; round < 15; round++) {
            yield* Effect.forEach(
              contexts,
              (context, index) => appendScans(1 + ((round + index) % 4), 2).pipe(Effect.provide(context)),
              { concurrency: "unbounded", discard: true }
            )
            if (round === 5) yield* Effect.promise(() => kill9(hubA))
            if (round === 10) restarted = yield* Effect.promise(() => spawnHub("packbench-hub-a"))
            yield* Effect.sleep(100)
          }
          const committed = (yield* Effect.forEach(contexts, (context) =>
            committedEvents.pipe(Effect.provide(context))
          )).flat()
          yield* Effect.forEach(
            contexts,
            (context) =>
              waitFor(
                Effect.flatMap(Outbox, (outbox) => outbox.status).pipe(Effect.provide(context)),
                (status) => status.depth === 0,
                90_000
              ),
            { discard: true }
          )
          // The checker reads what the hubs applied straight from the shared database.
          const reader = yield* Layer.build(
            consumerRigLayer({
              database: { dialect: "postgres", url },
              broker: layerSharedSubscription("readers").pipe(
                Layer.provide(
                  layerMqttBroker({
                    url: mosquitto.url,
                    clientId: "packbench-hub-reader",
                    protocolVersion: 5,
                    username: "packbench-hub",
                    password: hubPassword
                  })
                )
              )
            })
          )
          const applied = yield* appliedEvents.pipe(Effect.provide(reader))
          const byInstance = yield* Effect.flatMap(Sql, (sql) =>
            sql.query<{ instance: string; n: number }>(
              "SELECT instance, COUNT(*) AS n FROM applied GROUP BY instance ORDER BY instance"
            )
          ).pipe(Effect.provide(reader))
          return { committed, applied, byInstance, restarted: restarted !== undefined }
        }).pipe(Effect.scoped, Effect.provideService(References.MinimumLogLevel, "Warn"))
      )
      expect(result.restarted).toBe(true)
      expect(result.committed.length).toBeGreaterThan(stations.length * 30)
      expect(checkDelivery(result.committed, result.applied)).toEqual({
        lost: [],
        appliedTwice: [],
        unexpected: [],
        outOfOrder: []
      })
      // Both hubs took part: the shared subscription split the stations' events between its two members.
      expect(result.byInstance.map((row) => row.instance)).toEqual(["packbench-hub-a", "packbench-hub-b"])
      expect(result.byInstance.every((row) => row.n > 0)).toBe(true)
      // `hub status` reads the same from PostgreSQL: every station applied to its last event, nothing held.
      const status = capturedIo()
      expect(await hubCommand.run(["status", "--db", url, "--json"], status.io), status.output().err).toBe(0)
      const lags = JSON.parse(status.output().out) as ReadonlyArray<StationLag>
      expect(lags.map((lag) => lag.stationId)).toEqual(stations)
      for (const lag of lags) {
        const last = Math.max(...result.applied.filter((e) => e.stationId === lag.stationId).map((e) => e.seq))
        expect(lag).toMatchObject({ lastAppliedSeq: last, held: 0, gap: 0, superseded: false })
      }
    } finally {
      for (const hub of running) await kill9(hub)
    }
  }, 180_000)
})
