import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import mqtt from "mqtt"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defineEvent } from "../../../core/events/EventDefinition.ts"
import { EventLog } from "../../../core/events/EventLog.ts"
import { OperatorSignedIn } from "../../../core/session/SessionEvents.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { stationUsername } from "../../../core/sync/BrokerRoles.ts"
import { HighWaterMark, makeMemoryHighWaterMark } from "../../../core/sync/HighWaterMark.ts"
import { SiteFleet, type SiteFleetView } from "../../../core/sync/SiteFleet.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import { upsertMosquittoAcl, upsertMosquittoPassword } from "../../../drivers/mqtt/MosquittoFiles.ts"
import { layerMqttBroker } from "../../../drivers/mqtt/MqttBroker.ts"
import { hubRigLayer, hubRigOptions, hubTestSettings } from "../../../fixtures/hub/HubRig.ts"
import { startTestSmtpServer } from "../../../fixtures/mail/TestSmtpServer.ts"
import { type Mosquitto, startMosquitto } from "../../../fixtures/mqtt/MosquittoProcess.ts"
import { syncEngineRigLayer, waitFor } from "../../../fixtures/mqtt/SyncRig.ts"
import { runHub } from "./Hub.ts"

/** An order event of a version this hub does not know yet (a station upgraded first): the hub holds it unapplied. */
const FutureOrder = defineEvent({
  type: "order.received",
  version: 99,
  payload: Schema.Struct({ note: Schema.String })
})

const hubPassword = "hub-secret-site-fleet-test"
const stations = [
  { siteId: "HAM1", stationId: "PACK-01" },
  { siteId: "HAM1", stationId: "PACK-02" },
  { siteId: "HAM1", stationId: "PACK-03" },
  { siteId: "BER1", stationId: "PACK-01" }
] as const
const password = (station: { siteId: string; stationId: string }) => `pw-${station.siteId}-${station.stationId}`

let mosquitto: Mosquitto
let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>
beforeAll(async () => {
  // The shipped ACL with each station's block appended, as `hub add-station --mosquitto-dir` writes them.
  const loginDir = mkdtempSync(join(tmpdir(), "pb-site-fleet-logins-"))
  const passwordFile = join(loginDir, "passwords")
  const aclFile = join(loginDir, "acl")
  upsertMosquittoPassword(passwordFile, "packbench-hub", hubPassword)
  for (const station of stations) {
    const username = stationUsername(station.siteId, station.stationId)
    upsertMosquittoPassword(passwordFile, username, password(station))
    upsertMosquittoAcl(aclFile, username, { role: "station", ...station })
  }
  mosquitto = await startMosquitto({ provisioned: { passwordFile, aclFile } })
  smtp = await startTestSmtpServer()
})
afterAll(async () => {
  await mosquitto?.stop()
  await smtp?.stop()
})

type StationContext = Context.Context<SiteFleet | EventLog | Sql>

/** A station with its whole sync engine and the site fleet view, on its own login, in `scope`. */
const startStation = (dir: string, station: (typeof stations)[number], scope: Scope.Scope) =>
  Layer.buildWithScope(
    SiteFleet.layer().pipe(
      Layer.provideMerge(
        syncEngineRigLayer({
          filename: join(dir, `${station.siteId}-${station.stationId}.db`),
          ...station,
          broker: layerMqttBroker({
            url: mosquitto.url,
            clientId: `packbench-${station.siteId}-${station.stationId}`,
            protocolVersion: 5,
            username: stationUsername(station.siteId, station.stationId),
            password: password(station)
          }),
          highWaterMark: Layer.succeed(HighWaterMark, makeMemoryHighWaterMark()),
          outbox: { ackTimeoutMs: 1_500, retryInitialMs: 100, retryMaxMs: 1_000 }
        })
      )
    ),
    scope
  ) as Effect.Effect<StationContext, unknown>

const viewOf = (context: StationContext) =>
  Effect.flatMap(SiteFleet, (fleet) => fleet.view).pipe(Effect.provide(context))

const rows = (view: SiteFleetView) =>
  (view.summary?.stations ?? []).map((station) => ({
    stationId: station.stationId,
    presence: station.presence,
    depth: station.outboxDepth,
    oldestKnown: station.oldestUnconfirmedAtMs !== null,
    applied: station.lastAppliedSeq,
    held: station.heldAtHub
  }))

describe("the hub's site fleet summary over mosquitto with the shipped ACL", () => {
  it("shows each station exactly its own site's stations with their presence, outbox depth and what the hub applied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-site-fleet-"))
    const options = {
      dataDir: dir,
      brokerUrl: mosquitto.url,
      smtpUrl: smtp.url,
      settings: hubTestSettings("https://track.test"),
      webhookSecret: "test-webhook-secret",
      login: { username: "packbench-hub", password: hubPassword },
      fleetSummaryEveryMs: 200
    }
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* runHub(hubRigOptions(options))
          const scopes = yield* Effect.forEach(stations, () => Scope.make())
          const [ham1, ham2, ham3, ber1] = yield* Effect.forEach(stations, (station, index) =>
            startStation(dir, station, scopes[index]!)
          )
          // Sign-ins: station events the hub has no use for, applied as nothing (a test type such as the sync rig's
          // scans would be held: this hub's catalog of station event types does not have it).
          const append = (context: StationContext, count: number) =>
            Effect.provide(
              Effect.gen(function* () {
                const log = yield* EventLog
                const sql = yield* Sql
                for (let n = 0; n < count; n++)
                  yield* sql.transaction(log.append(OperatorSignedIn, { badgeId: `B-${n}`, role: "packer" }))
              }),
              context
            )
          yield* append(ham1!, 5)
          yield* append(ham2!, 2)
          yield* append(ham3!, 1)
          yield* append(ber1!, 4)
          // PACK-02 runs newer software than the hub: three events the hub holds, so they stay in PACK-02's outbox.
          yield* Effect.provide(
            Effect.gen(function* () {
              const log = yield* EventLog
              const sql = yield* Sql
              for (const note of ["a", "b", "c"]) yield* sql.transaction(log.append(FutureOrder, { note }))
            }),
            ham2!
          )
          const settled = (view: SiteFleetView) => {
            const byId = new Map(rows(view).map((row) => [row.stationId, row]))
            return (
              byId.get("PACK-01")?.applied === 5 &&
              byId.get("PACK-01")?.depth === 0 &&
              byId.get("PACK-02")?.depth === 3 &&
              byId.get("PACK-02")?.held === 3 &&
              byId.get("PACK-03")?.applied === 1 &&
              byId.get("PACK-03")?.depth === 0
            )
          }
          yield* waitFor(viewOf(ham1!), settled, 30_000)
          // PACK-03 stops cleanly: the hub hears its "offline" and tells the site. Each station gets the summary in
          // its own delivery, so each is waited for.
          yield* Scope.close(scopes[2]!, Exit.void)
          const pack03Offline = (view: SiteFleetView) =>
            rows(view).find((row) => row.stationId === "PACK-03")?.presence === "offline"
          yield* waitFor(viewOf(ham1!), pack03Offline, 30_000)
          yield* waitFor(viewOf(ham2!), pack03Offline, 30_000)
          // The applied count is the hub's own, the depth what the station last reported after the hub's acks: a
          // summary can show the four applied before the report of the emptied outbox has reached the hub.
          yield* waitFor(viewOf(ber1!), (view) => rows(view)[0]?.applied === 4 && rows(view)[0]?.depth === 0, 30_000)
          return {
            ham1: yield* viewOf(ham1!),
            ham2: yield* viewOf(ham2!),
            ber1: yield* viewOf(ber1!)
          }
        })
      ).pipe(Effect.provide(hubRigLayer(options).pipe(Layer.orDie)))
    )
    const expected = [
      { stationId: "PACK-01", presence: "online", depth: 0, oldestKnown: false, applied: 5, held: 0 },
      { stationId: "PACK-02", presence: "online", depth: 3, oldestKnown: true, applied: 2, held: 3 },
      { stationId: "PACK-03", presence: "offline", depth: 0, oldestKnown: false, applied: 1, held: 0 }
    ]
    expect(rows(result.ham1)).toEqual(expected)
    expect(result.ham1.stale).toBe(false)
    expect(result.ham1.stationId).toBe("PACK-01")
    // Every station of the site reads the same summary; the other site's station only its own.
    expect(rows(result.ham2)).toEqual(expected)
    expect(result.ber1.summary?.siteId).toBe("BER1")
    expect(rows(result.ber1)).toEqual([
      { stationId: "PACK-01", presence: "online", depth: 0, oldestKnown: false, applied: 4, held: 0 }
    ])
  }, 120_000)

  it("lets a station read only its own site's summary and publish none", async () => {
    const station = stations[0]
    const client = await mqtt.connectAsync(mosquitto.url, {
      protocolVersion: 5,
      clientId: `packbench-${station.siteId}-${station.stationId}-probe`,
      username: stationUsername(station.siteId, station.stationId),
      password: password(station)
    })
    try {
      // mosquitto grants any subscription and holds the ACL at delivery: the first test left both sites' summaries
      // retained, and only the station's own site's reaches it.
      const received: Array<string> = []
      client.on("message", (topic) => received.push(topic))
      await client.subscribeAsync([Topics.siteFleet("BER1"), Topics.siteFleet("+"), Topics.siteFleet("HAM1")], {
        qos: 1
      })
      const deadline = Date.now() + 10_000
      while (!received.includes(Topics.siteFleet("HAM1")) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(received.length).toBeGreaterThan(0)
      expect(new Set(received)).toEqual(new Set([Topics.siteFleet("HAM1")]))
      // mqtt.js fails a publish whose PUBACK carries an error reason code (0x87: not authorised).
      const published = await client.publishAsync(Topics.siteFleet("HAM1"), "{}", { qos: 1 }).then(
        () => "accepted",
        (error: unknown) => String(error)
      )
      expect(published).toMatch(/135|not authori[sz]ed/i)
    } finally {
      await client.endAsync()
    }
  }, 30_000)
})
