import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { oneLine } from "../bounds/oneLine.ts"
import { encodeUtf8 } from "../bounds/Utf8.ts"
import { stationMigrations } from "../station/migrations/index.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { migrate } from "../store/Migrations.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { FleetPresence, type FleetView } from "./FleetPresence.ts"
import type { FleetProblem } from "./FleetProblem.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { maxOfflineReasonChars } from "./OfflineReason.ts"
import { presenceMessage } from "./Presence.ts"
import { maxFleetStations } from "./SiteFleetSummary.ts"
import { encodeJson, Topics } from "./Topics.ts"

const START = 1_767_225_600_000
const raw = (topic: string, payload: Uint8Array): BrokerMessage => ({ topic, payload, userProperties: {} })
const presence = (stationId: string, state: "online" | "offline", at: number, reason?: string, epoch = "e1") =>
  raw(
    Topics.presence("HAM1", stationId),
    encodeJson(presenceMessage({ siteId: "HAM1", stationId, epoch }, state, at, reason))
  )

const fleetLayer = (bus: Effect.Success<ReturnType<typeof makeMemoryBus>>, clock: StationClock["Service"]) =>
  FleetPresence.layer.pipe(
    Layer.provideMerge(Layer.effect(Broker, bus.client("station"))),
    Layer.provideMerge(
      Layer.effect(
        StationIdentity,
        Effect.gen(function* () {
          yield* migrate(stationMigrations)
          return StationIdentity.of({ siteId: "HAM1", stationId: "PACK-01", epoch: "e1" })
        })
      )
    ),
    Layer.provideMerge(
      Layer.mergeAll(
        layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-fleet-")), "station.db") }),
        Layer.succeed(StationClock, clock)
      )
    )
  )

const stationOf = (view: FleetView, stationId: string) => view.stations.find((s) => s.stationId === stationId)

describe("FleetPresence", () => {
  it("tracks each station's state, since when and why, and learns it from the subscription", async () => {
    const manual = StationClock.manual(START + 60_000)
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const context = yield* Layer.build(fleetLayer(bus, manual.clock))
          const fleet = Context.get(context, FleetPresence)
          const pushed: Array<FleetView> = []
          yield* fleet.changes((view) => pushed.push(view))
          const other = yield* bus.client("PACK-02")
          yield* other.publish(
            Topics.presence("HAM1", "PACK-02"),
            encodeJson(presenceMessage({ siteId: "HAM1", stationId: "PACK-02", epoch: "e7" }, "online", START)),
            { qos: 1, retain: true, timeoutMs: 1_000 }
          )
          const online = yield* waitView(fleet, (view) => stationOf(view, "PACK-02")?.state === "online")
          manual.advance(5_000)
          yield* fleet.receive(presence("PACK-02", "offline", START, "connection lost", "e7"))
          const lost = yield* fleet.view
          yield* fleet.receive(presence("PACK-01", "online", START + 1_000))
          yield* fleet.receive(presence("PACK-03", "offline", START - 10_000, "connection lost"))
          yield* fleet.receive(presence("PACK-04", "offline", START - 20_000))
          yield* fleet.receive(presence("PACK-02", "online", START + 70_000, undefined, "e7"))
          const back = yield* fleet.view
          yield* fleet.receive(raw(Topics.presence("HAM1", "PACK-04"), new Uint8Array()))
          return { online, lost, back, cleared: yield* fleet.view, pushes: pushed.length }
        })
      )
    )
    expect(stationOf(result.online, "PACK-02")).toEqual({
      stationId: "PACK-02",
      state: "online",
      sinceMs: START,
      lastSeenMs: START,
      epoch: "e7",
      self: false
    })
    // Seen happen: offline since it was noticed; the will's `at` is only the connect time.
    expect(stationOf(result.lost, "PACK-02")).toMatchObject({
      state: "offline",
      offlineReason: { code: "connection-lost" },
      sinceMs: START + 65_000,
      lastSeenMs: START
    })
    expect(result.back.stations.map((s) => [s.stationId, s.state, s.sinceMs, s.self])).toEqual([
      ["PACK-01", "online", START + 1_000, true],
      ["PACK-02", "online", START + 70_000, false],
      // A retained will read at start: when the link was lost is not known.
      ["PACK-03", "offline", null, false],
      ["PACK-04", "offline", START - 20_000, false]
    ])
    expect(result.back.stations.map((s) => [s.stationId, s.offlineReason])).toEqual([
      ["PACK-01", undefined],
      ["PACK-02", undefined],
      ["PACK-03", { code: "connection-lost" }],
      ["PACK-04", { code: "stopped" }]
    ])
    expect(result.cleared.stations.map((s) => s.stationId)).toEqual(["PACK-01", "PACK-02", "PACK-03"])
    expect(result.pushes).toBe(7)
  })

  it("keeps what it heard live over an older retained replay, and never shows itself offline while it runs", async () => {
    const manual = StationClock.manual(START)
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const context = yield* Layer.build(fleetLayer(bus, manual.clock))
          const fleet = Context.get(context, FleetPresence)
          let rebirths = 0
          yield* fleet.contradicted(() => rebirths++)
          const replayed = (message: BrokerMessage): BrokerMessage => ({ ...message, retained: true })
          // The broker forwards PACK-02's birth live, then answers the station's (re)subscription with the retained
          // store as it was before the birth was stored: the last will of PACK-02's previous run.
          yield* fleet.receive(presence("PACK-02", "online", START + 5_000))
          const stale = yield* fleet.receive(replayed(presence("PACK-02", "offline", START - 9_000, "connection lost")))
          // This station's own previous life: its will, retained, then queued on the persistent session.
          yield* fleet.receive(presence("PACK-01", "online", START + 6_000))
          const ownRetained = yield* fleet.receive(
            replayed(presence("PACK-01", "offline", START - 8_000, "connection lost"))
          )
          const ownQueued = yield* fleet.receive(presence("PACK-01", "offline", START - 8_000, "connection lost"))
          const afterReplays = yield* fleet.view
          // A will that happens after what was heard live still counts.
          yield* fleet.receive(presence("PACK-02", "offline", START + 5_000, "connection lost"))
          return { stale, ownRetained, ownQueued, afterReplays, later: yield* fleet.view, rebirths }
        })
      )
    )
    expect([result.stale, result.ownRetained, result.ownQueued]).toEqual(["ignored", "ignored", "ignored"])
    expect(result.afterReplays.stations.map((s) => [s.stationId, s.state])).toEqual([
      ["PACK-01", "online"],
      ["PACK-02", "online"]
    ])
    expect(result.rebirths).toBe(2)
    expect(stationOf(result.later, "PACK-02")).toMatchObject({
      state: "offline",
      offlineReason: { code: "connection-lost" }
    })
  })

  it("names the stations whose number blocks overlap, from the slots their births announce", async () => {
    const manual = StationClock.manual(START)
    const view = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          const context = yield* Layer.build(fleetLayer(bus, manual.clock))
          const fleet = Context.get(context, FleetPresence)
          const birth = (stationId: string, stationIndex: number, stations: number) =>
            raw(
              Topics.presence("HAM1", stationId),
              encodeJson({
                ...presenceMessage({ siteId: "HAM1", stationId, epoch: "e1" }, "online", START),
                numbering: { stationIndex, stations }
              })
            )
          yield* fleet.receive(birth("PACK-02", 0, 2))
          yield* fleet.receive(birth("PACK-03", 1, 2))
          yield* fleet.receive(birth("PACK-04", 1, 2))
          // Block 3 of 4 lies inside block 1 of 2; block 0 of 4 inside block 0 of 2.
          yield* fleet.receive(birth("PACK-05", 3, 4))
          yield* fleet.receive(birth("PACK-06", 0, 4))
          // A will keeps the slot its birth announced.
          yield* fleet.receive(presence("PACK-06", "offline", START, "connection lost"))
          return yield* fleet.view
        })
      )
    )
    expect(view.stations.map((s) => [s.stationId, s.numbering?.stationIndex, s.numberingClash ?? []])).toEqual([
      ["PACK-02", 0, ["PACK-06"]],
      ["PACK-03", 1, ["PACK-04", "PACK-05"]],
      ["PACK-04", 1, ["PACK-03", "PACK-05"]],
      ["PACK-05", 3, ["PACK-03", "PACK-04"]],
      ["PACK-06", 0, ["PACK-02"]]
    ])
  })

  it("quarantines a presence message it cannot read, keeps the state and names the problem", async () => {
    const result = await withPack02Online((fleet, sql) =>
      Effect.gen(function* () {
        const problems: Array<FleetProblem | undefined> = []
        const onPack02 = (payload: Uint8Array) =>
          Effect.gen(function* () {
            const outcome = yield* fleet.receive(raw(Topics.presence("HAM1", "PACK-02"), payload))
            problems.push(stationOf(yield* fleet.view, "PACK-02")?.problem)
            return outcome
          })
        const outcomes = [
          yield* onPack02(new Uint8Array([0x7b, 0xff])),
          yield* onPack02(encodeJson({ state: "sleeping" })),
          yield* fleet
            .receive(presence("PACK-09", "online", START))
            .pipe(Effect.andThen(onPack02(presence("PACK-09", "offline", START).payload)))
        ]
        const quarantined = yield* sql.query<{ topic: string; reason: string }>(
          "SELECT topic, reason FROM sync_inbox_quarantine ORDER BY id"
        )
        return { outcomes, quarantined, problems, view: yield* fleet.view }
      })
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined", "quarantined"])
    expect(result.quarantined.map((row) => row.topic)).toEqual([
      "packbench/v1/HAM1/PACK-02/presence",
      "packbench/v1/HAM1/PACK-02/presence",
      "packbench/v1/HAM1/PACK-02/presence"
    ])
    expect(result.quarantined[0]?.reason).toMatch(/^presence not UTF-8/)
    expect(result.quarantined[1]?.reason).toMatch(/^not a presence message: .*state/s)
    expect(result.quarantined[2]?.reason).toBe("presence of HAM1/PACK-09 on the topic of HAM1/PACK-02")
    expect(result.problems).toEqual([
      { code: "presence-unreadable", detail: expect.stringMatching(/^presence not UTF-8/) },
      { code: "presence-invalid", detail: expect.stringMatching(/^not a presence message: .*state/s) },
      { code: "presence-misaddressed", detail: "presence of HAM1/PACK-09 on the topic of HAM1/PACK-02" }
    ])
    // The card's detail is the quarantine's reason as one line.
    expect(result.problems[1]?.detail).toBe(oneLine(result.quarantined[1]?.reason ?? ""))
    expect(stationOf(result.view, "PACK-02")).toMatchObject({
      state: "online",
      problem: { code: "presence-misaddressed", detail: "presence of HAM1/PACK-09 on the topic of HAM1/PACK-02" }
    })
    expect(stationOf(result.view, "PACK-09")?.state).toBe("online")
  })

  it("refuses a site id no station has without quoting it, and keeps a reason of its own wording as one short line", async () => {
    const result = await withPack02Online((fleet) =>
      Effect.gen(function* () {
        const hostile = {
          ...presenceMessage({ siteId: "HAM1", stationId: "PACK-02", epoch: "e1" }, "online", START),
          siteId: `<img src=x onerror=alert(1)>${"x".repeat(1_500)}`
        }
        yield* fleet.receive(raw(Topics.presence("HAM1", "PACK-02"), encodeJson(hostile)))
        yield* fleet.receive(presence("PACK-03", "offline", START, `<b>gone</b>\n${"y".repeat(2_000)}`))
        const view = yield* fleet.view
        return {
          problem: stationOf(view, "PACK-02")?.problem,
          offlineReason: stationOf(view, "PACK-03")?.offlineReason
        }
      })
    )
    expect(result.problem?.code).toBe("presence-invalid")
    expect(result.problem?.detail).toMatch(/^not a presence message: .*\["siteId"\]$/s)
    expect(result.problem?.detail).not.toContain("<img")
    expect(result.offlineReason).toEqual({
      code: "unrecognised",
      detail: `<b>gone</b> ${"y".repeat(maxOfflineReasonChars - 13)}…`
    })
  })

  it("refuses a presence whose time, ids or version no station sends, and keeps the state before", async () => {
    const result = await withPack02Online((fleet, sql) =>
      Effect.gen(function* () {
        const birth = presenceMessage({ siteId: "HAM1", stationId: "PACK-02", epoch: "e1" }, "online", START)
        const onPack02 = (json: string) =>
          Effect.gen(function* () {
            const outcome = yield* fleet.receive(raw(Topics.presence("HAM1", "PACK-02"), encodeUtf8(json)))
            return [outcome, stationOf(yield* fleet.view, "PACK-02")?.problem?.code] as const
          })
        const withField = (field: string, value: unknown) => JSON.stringify({ ...birth, [field]: value })
        const refused = [
          // JSON.parse makes 1e999 Infinity: kept, it would be the station's last-seen time for good.
          yield* onPack02(withField("at", START + 1_000).replace(`${START + 1_000}`, "1e999")),
          yield* onPack02(withField("at", -1)),
          yield* onPack02(withField("at", 0)),
          yield* onPack02(withField("at", START + 2 * 86_400_000)),
          yield* onPack02(withField("appVersion", "1.0\n[ERROR] forged line")),
          yield* onPack02(withField("appVersion", "1".repeat(200))),
          yield* onPack02(withField("epoch", "e".repeat(200))),
          yield* onPack02(withField("epoch", "")),
          yield* onPack02(withField("reason", "z".repeat(5_000)))
        ]
        const rows = yield* sql.query<{ reason: string; payload: string; payload_bytes: number }>(
          "SELECT reason, payload, payload_bytes FROM sync_inbox_quarantine ORDER BY id"
        )
        return { refused, rows, pack02: stationOf(yield* fleet.view, "PACK-02") }
      })
    )
    expect(result.refused).toEqual([
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-clock-ahead"],
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-invalid"],
      ["quarantined", "presence-too-large"]
    ])
    expect(result.rows[3]?.reason).toBe("presence time is 2880 min ahead of this clock")
    // Refused unread; the quarantine keeps its start, its length and its hash, as the inbox's does.
    expect(result.rows[8]?.reason).toMatch(/^presence of \d+ bytes, more than 4096$/)
    expect(result.rows[8]?.payload_bytes).toBeGreaterThan(5_000)
    expect(result.rows[8]?.payload.length).toBeLessThanOrEqual(4_096)
    expect(result.pack02).toMatchObject({ state: "online", sinceMs: START, lastSeenMs: START, epoch: "e1" })
    expect(result.pack02?.appVersion).toBeUndefined()
  })

  it("takes no more stations than a site summary holds, and none whose id no station has", async () => {
    const result = await withPack02Online((fleet) =>
      Effect.gen(function* () {
        // PACK-02 is the first; 499 more fill the site.
        for (let n = 3; n <= maxFleetStations + 1; n++)
          yield* fleet.receive(presence(`PACK-${String(n).padStart(4, "0")}`, "online", START))
        const beyond = yield* fleet.receive(presence("PACK-9999", "online", START))
        const badId = yield* fleet.receive(
          raw(
            Topics.presence("HAM1", "pack 2"),
            encodeJson(presenceMessage({ siteId: "HAM1", stationId: "pack 2", epoch: "e1" }, "online", START))
          )
        )
        const view = yield* fleet.view
        // Known stations still change.
        yield* fleet.receive(presence("PACK-0003", "offline", START + 1_000))
        return { beyond, badId, view, after: yield* fleet.view }
      })
    )
    expect([result.beyond, result.badId]).toEqual(["quarantined", "quarantined"])
    expect(result.view.stations).toHaveLength(maxFleetStations)
    expect(stationOf(result.view, "PACK-9999")).toBeUndefined()
    expect(stationOf(result.after, "PACK-0003")?.state).toBe("offline")
  })

  it("names a subscription the broker refused with its code, and the station runs on without a fleet", async () => {
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const bus = yield* makeMemoryBus()
          bus.faults.refuseSubscriptions.add(Topics.presenceOf("HAM1"))
          const context = yield* Layer.build(fleetLayer(bus, StationClock.manual(START).clock))
          return yield* Context.get(context, FleetPresence).view
        })
      )
    )
    expect(result.problem).toEqual({
      code: "subscription-refused",
      detail: "packbench/v1/HAM1/+/presence: subscription to packbench/v1/HAM1/+/presence refused"
    })
    expect(result.stations).toEqual([])
  })
})

/** Runs `body` on a fleet (and the station's database) that has heard PACK-02 come online. */
const withPack02Online = <A>(
  body: (fleet: FleetPresence["Service"], sql: Sql["Service"]) => Effect.Effect<A, unknown>
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        const context = yield* Layer.build(fleetLayer(bus, StationClock.manual(START).clock))
        const fleet = Context.get(context, FleetPresence)
        yield* fleet.receive(presence("PACK-02", "online", START))
        return yield* body(fleet, Context.get(context, Sql))
      })
    )
  )

const waitView = (fleet: FleetPresence["Service"], done: (view: FleetView) => boolean) =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt < 200; attempt++) {
      const view = yield* fleet.view
      if (done(view)) return view
      yield* Effect.sleep(5)
    }
    return yield* Effect.die(new Error(`fleet view never matched: ${JSON.stringify(yield* fleet.view)}`))
  })
