import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { BrokerMessage } from "../../../core/sync/Broker.ts"
import { presenceMessage } from "../../../core/sync/Presence.ts"
import type { OutboxHealthMessage } from "../../../core/sync/SiteFleetSummary.ts"
import { encodeJson, Topics } from "../../../core/sync/Topics.ts"
import { makeFleetSummaries } from "./FleetSummaries.ts"
import type { StationLag } from "./StationLag.ts"

const NOW = 1_767_225_600_000
const raw = (topic: string, payload: Uint8Array, retained = false): BrokerMessage => ({
  topic,
  payload,
  userProperties: {},
  retained
})
const report = (siteId: string, stationId: string, depth: number): OutboxHealthMessage => ({
  at: NOW - 1_000,
  siteId,
  stationId,
  epoch: "e1",
  depth,
  oldestUnconfirmedAt: depth === 0 ? null : NOW - 60_000,
  lastConfirmedSeq: 10
})
const lag = (siteId: string, stationId: string, lastAppliedSeq: number, superseded = false): StationLag => ({
  siteId,
  stationId,
  epoch: superseded ? "old" : "e1",
  lastAppliedSeq,
  lastAppliedAtMs: NOW - 2_000,
  held: 0,
  highestSeenSeq: lastAppliedSeq,
  gap: 0,
  oldestUnconfirmedAtMs: undefined,
  superseded
})

describe("the hub's fleet summaries", () => {
  it("joins each station's presence and outbox report with the hub's lag, one summary per site", async () => {
    const fleet = makeFleetSummaries()
    const outcomes = await Effect.runPromise(
      Effect.all([
        fleet.receive(
          raw(
            Topics.presence("HAM1", "PACK-01"),
            encodeJson(presenceMessage({ siteId: "HAM1", stationId: "PACK-01", epoch: "e1" }, "online", NOW - 5_000))
          ),
          NOW
        ),
        fleet.receive(raw(Topics.outboxHealth("HAM1", "PACK-01"), encodeJson(report("HAM1", "PACK-01", 4))), NOW),
        // A last will found retained: offline, since unknown.
        fleet.receive(
          raw(
            Topics.presence("HAM1", "PACK-02"),
            encodeJson(
              presenceMessage(
                { siteId: "HAM1", stationId: "PACK-02", epoch: "e1" },
                "offline",
                NOW - 9e6,
                "connection lost"
              )
            ),
            true
          ),
          NOW
        ),
        fleet.receive(raw(Topics.outboxHealth("BER1", "PACK-01"), encodeJson(report("BER1", "PACK-01", 0))), NOW)
      ])
    )
    expect(outcomes).toEqual([undefined, undefined, undefined, undefined])
    const summaries = fleet.summarize(
      [
        lag("HAM1", "PACK-01", 40),
        lag("HAM1", "PACK-01", 900, true),
        lag("HAM1", "PACK-03", 7),
        lag("BER1", "PACK-01", 2)
      ],
      NOW
    )
    expect(summaries.map((summary) => [summary.siteId, summary.stations.map((station) => station.stationId)])).toEqual([
      ["BER1", ["PACK-01"]],
      ["HAM1", ["PACK-01", "PACK-02", "PACK-03"]]
    ])
    const ham1 = summaries[1]!.stations
    expect(ham1[0]).toEqual({
      stationId: "PACK-01",
      presence: "online",
      presenceSinceMs: NOW - 5_000,
      outboxDepth: 4,
      outboxReportedAtMs: NOW - 1_000,
      oldestUnconfirmedAtMs: NOW - 60_000,
      lastAppliedSeq: 40,
      lastAppliedAtMs: NOW - 2_000,
      heldAtHub: 0,
      gapAtHub: 0
    })
    expect(ham1[1]).toMatchObject({ presence: "offline", presenceSinceMs: null, offlineReason: "connection lost" })
    expect(ham1[2]).toMatchObject({ presence: "unknown", outboxDepth: null, lastAppliedSeq: 7 })
  })

  it("refuses what a station could not honestly say about itself", async () => {
    const fleet = makeFleetSummaries()
    const refusals = await Effect.runPromise(
      Effect.all([
        // Another station's report on this station's topic.
        fleet.receive(raw(Topics.outboxHealth("HAM1", "PACK-01"), encodeJson(report("HAM1", "PACK-02", 1))), NOW),
        fleet.receive(raw(Topics.outboxHealth("HAM1", "PACK-01"), encodeJson(report("HAM1", "PACK-01", -3))), NOW),
        fleet.receive(
          raw(Topics.outboxHealth("HAM1", "PACK-01"), encodeJson({ ...report("HAM1", "PACK-01", 1), depth: 0.5 })),
          NOW
        ),
        fleet.receive(raw(Topics.outboxHealth("HAM1", "PACK-01"), new Uint8Array(5_000).fill(0x20)), NOW),
        fleet.receive(raw(Topics.outboxHealth("ham1", "pack-01"), encodeJson(report("ham1", "pack-01", 1))), NOW),
        fleet.receive(raw("packbench/v1/HAM1/PACK-01/outbox/extra", encodeJson(report("HAM1", "PACK-01", 1))), NOW),
        fleet.receive(raw(Topics.presence("HAM1", "PACK-01"), new TextEncoder().encode("{")), NOW)
      ])
    )
    expect(refusals.map((reason) => reason?.split(":")[0])).toEqual([
      "an outbox report of HAM1/PACK-02 on the topic of HAM1/PACK-01",
      "not an outbox report",
      "not an outbox report",
      "5000 bytes, more than 4096",
      "not a station's topic",
      "not a presence or outbox topic",
      "not JSON"
    ])
    expect(fleet.summarize([], NOW)).toEqual([])
  })

  it("refuses a presence with a time or version no station sends, and passes a reason on as one short line", async () => {
    const fleet = makeFleetSummaries()
    const birth = presenceMessage({ siteId: "HAM1", stationId: "PACK-01", epoch: "e1" }, "online", NOW)
    const onPack01 = (json: string) =>
      fleet.receive(raw(Topics.presence("HAM1", "PACK-01"), new TextEncoder().encode(json)), NOW)
    const refusals = await Effect.runPromise(
      Effect.all([
        // JSON.parse makes 1e999 Infinity.
        onPack01(JSON.stringify(birth).replace(`${NOW}`, "1e999")),
        onPack01(JSON.stringify({ ...birth, at: -5 })),
        onPack01(JSON.stringify({ ...birth, appVersion: "1.0\n[ERROR] forged" })),
        // A clock gone ahead: kept, its time would stay the station's "online since" (as the stations refuse it).
        onPack01(JSON.stringify({ ...birth, at: NOW + 2 * 24 * 3_600_000 })),
        onPack01(JSON.stringify({ ...birth, state: "offline", reason: `gone\r\n[ERROR] forged ${"z".repeat(500)}` }))
      ])
    )
    expect(refusals.map((reason) => reason?.split(":")[0])).toEqual([
      "not a presence message",
      "not a presence message",
      "not a presence message",
      "presence time is 2880 min ahead of this clock",
      undefined
    ])
    const reason = fleet.summarize([], NOW)[0]?.stations[0]?.offlineReason ?? ""
    expect(reason).toBe(`gone [ERROR] forged ${"z".repeat(127 - 20)}…`)
    expect(reason).toHaveLength(128)
  })
})
