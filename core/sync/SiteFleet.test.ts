import { Context, Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { StationIdentity } from "../station/StationIdentity.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { maxFleetProblemDetailChars } from "./FleetProblem.ts"
import { makeMemoryBus } from "./MemoryBroker.ts"
import { SiteFleet, type SiteFleetView } from "./SiteFleet.ts"
import type { FleetStation, SiteFleetSummary } from "./SiteFleetSummary.ts"
import { encodeJson, Topics } from "./Topics.ts"

const START = 1_767_225_600_000
const raw = (topic: string, payload: Uint8Array): BrokerMessage => ({ topic, payload, userProperties: {} })
const station = (stationId: string, depth: number | null): FleetStation => ({
  stationId,
  presence: "online",
  presenceSinceMs: START - 60_000,
  outboxDepth: depth,
  outboxReportedAtMs: depth === null ? null : START - 1_000,
  oldestUnconfirmedAtMs: depth === null || depth === 0 ? null : START - 30_000,
  lastAppliedSeq: 12,
  lastAppliedAtMs: START - 2_000,
  heldAtHub: 0,
  gapAtHub: 0
})
const summary = (at: number, stations: ReadonlyArray<FleetStation>, siteId = "HAM1"): SiteFleetSummary => ({
  version: 1,
  siteId,
  at,
  stations
})
const fleetTopic = Topics.siteFleet("HAM1")
const message = (value: unknown) => raw(fleetTopic, encodeJson(value))

const run = <A>(
  body: (fleet: SiteFleet["Service"], clock: ReturnType<typeof StationClock.manual>) => Effect.Effect<A>,
  /** Topic filters the broker refuses this station, as an ACL that predates them does. */
  refused: ReadonlyArray<string> = []
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const bus = yield* makeMemoryBus()
        for (const filter of refused) bus.faults.refuseSubscriptions.add(filter)
        const manual = StationClock.manual(START)
        const context = yield* Layer.build(
          SiteFleet.layer({ staleAfterMs: 150_000 }).pipe(
            Layer.provide(Layer.effect(Broker, bus.client("station"))),
            Layer.provide(
              Layer.mergeAll(
                Layer.succeed(
                  StationIdentity,
                  StationIdentity.of({ siteId: "HAM1", stationId: "PACK-01", epoch: "e1" })
                ),
                Layer.succeed(StationClock, manual.clock)
              )
            )
          )
        )
        return yield* body(Context.get(context, SiteFleet), manual)
      })
    )
  )

describe("SiteFleet", () => {
  it("keeps the hub's latest summary of this site with its receive time, and marks it stale when no repeat came", async () => {
    const views = await run((fleet, manual) =>
      Effect.scoped(
        Effect.gen(function* () {
          const pushed: Array<SiteFleetView> = []
          yield* fleet.changes((view) => pushed.push(view))
          const before = yield* fleet.view
          expect(yield* fleet.receive(message(summary(START, [station("PACK-01", 0), station("PACK-02", 7)])))).toBe(
            "applied"
          )
          const fresh = yield* fleet.view
          // A summary older than the one kept (another hub's, a replay) changes nothing.
          expect(yield* fleet.receive(message(summary(START - 5_000, [station("PACK-09", 1)])))).toBe("ignored")
          manual.advance(150_001)
          const old = yield* fleet.view
          return { before, fresh, old, pushed: pushed.length }
        })
      )
    )
    expect(views.before).toEqual({
      siteId: "HAM1",
      stationId: "PACK-01",
      summary: null,
      receivedAtMs: null,
      stale: true
    })
    expect(views.fresh.stale).toBe(false)
    expect(views.fresh.receivedAtMs).toBe(START)
    expect(views.fresh.summary?.stations.map((s) => [s.stationId, s.outboxDepth])).toEqual([
      ["PACK-01", 0],
      ["PACK-02", 7]
    ])
    expect(views.old.stale).toBe(true)
    expect(views.old.summary?.stations).toHaveLength(2)
    expect(views.pushed).toBe(1)
  })

  it("refuses hostile summaries with the reason and keeps the one before", async () => {
    const outcomes = await run((fleet) =>
      Effect.gen(function* () {
        yield* fleet.receive(message(summary(START, [station("PACK-01", 3)])))
        const refused: Record<string, string> = {}
        const attempt = (name: string, received: BrokerMessage) =>
          Effect.gen(function* () {
            const outcome = yield* fleet.receive(received)
            const view = yield* fleet.view
            refused[name] =
              view.problem === undefined
                ? `${outcome}: no problem`
                : `${outcome}: ${view.problem.code}: ${view.problem.detail}`
            // Whatever came, the good summary stays.
            expect(view.summary?.stations.map((s) => s.outboxDepth)).toEqual([3])
          })
        const next = START + 1_000
        yield* attempt("other site", message(summary(next, [station("PACK-01", 99)], "BER1")))
        yield* attempt("not json", raw(fleetTopic, new TextEncoder().encode("{nope")))
        yield* attempt("not utf-8", raw(fleetTopic, new Uint8Array([0x7b, 0xff, 0x7d])))
        yield* attempt("oversized", raw(fleetTopic, new Uint8Array(300 * 1024).fill(0x20)))
        yield* attempt("negative depth", message(summary(next, [station("PACK-01", -1)])))
        yield* attempt("fractional depth", message(summary(next, [station("PACK-01", 1.5)])))
        yield* attempt(
          "infinite depth",
          raw(
            fleetTopic,
            new TextEncoder().encode(
              JSON.stringify(summary(next, [station("PACK-01", 424242)])).replace("424242", "1e999")
            )
          )
        )
        yield* attempt("huge depth", message(summary(next, [station("PACK-01", 2 ** 60)])))
        yield* attempt("time from 1970", message(summary(5, [station("PACK-01", 1)])))
        yield* attempt("bad station id", message(summary(next, [{ ...station("PACK-01", 1), stationId: "../x" }])))
        yield* attempt(
          "unknown presence",
          message({ ...summary(next, []), stations: [{ ...station("PACK-01", 1), presence: "maybe" }] })
        )
        yield* attempt("twice", message(summary(next, [station("PACK-01", 1), station("PACK-01", 2)])))
        yield* attempt(
          "too many",
          message(
            summary(
              next,
              Array.from({ length: 501 }, (_, i) => station(`P${i}`, 1))
            )
          )
        )
        yield* attempt("future version", message({ ...summary(next, [station("PACK-01", 1)]), version: 2 }))
        yield* attempt(
          "an unknown field",
          message({ ...summary(next, [station("PACK-01", 3)]), extra: "x".repeat(99) })
        )
        yield* attempt("other topic", raw(Topics.siteFleet("BER1"), encodeJson(summary(next, [station("PACK-01", 1)]))))
        return refused
      })
    )
    expect(outcomes).toEqual({
      "other site": "refused: summary-other-site: a summary of site BER1",
      "not json": expect.stringMatching(/^refused: summary-unreadable: not JSON/),
      "not utf-8": expect.stringMatching(/^refused: summary-unreadable: not UTF-8/),
      oversized: "refused: summary-too-large: 307200 bytes, more than 262144",
      "negative depth": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "fractional depth": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "infinite depth": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "huge depth": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "time from 1970": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "bad station id": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "unknown presence": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      twice: "refused: summary-station-twice: a station listed twice",
      "too many": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      "future version": expect.stringMatching(/^refused: summary-invalid: not a fleet summary/),
      // Unknown fields are dropped: a newer hub may say more.
      "an unknown field": "applied: no problem",
      "other topic": "ignored: no problem"
    })
    // Whatever a hostile summary makes the decoder quote, the card gets a bounded line of it.
    expect(Object.values(outcomes).every((text) => text.length < maxFleetProblemDetailChars + 40)).toBe(true)
  })

  it("refuses a summary stamped more than a day ahead of this clock, so it cannot shut out the hub's real ones", async () => {
    const result = await run((fleet) =>
      Effect.gen(function* () {
        const ahead = yield* fleet.receive(message(summary(START + 2 * 86_400_000, [station("PACK-01", 99)])))
        const refused = yield* fleet.view
        const real = yield* fleet.receive(message(summary(START, [station("PACK-01", 3)])))
        return { ahead, problem: refused.problem, real, view: yield* fleet.view }
      })
    )
    expect(result.ahead).toBe("refused")
    expect(result.problem).toEqual({ code: "summary-clock-ahead", detail: "its time is 2880 min ahead of this clock" })
    expect(result.real).toBe("applied")
    expect(result.view.summary?.stations.map((s) => s.outboxDepth)).toEqual([3])
    expect(result.view.problem).toBeUndefined()
  })

  it("forgets the summary when the hub deletes the retained message (zero bytes)", async () => {
    const view = await run((fleet) =>
      Effect.gen(function* () {
        yield* fleet.receive(message(summary(START, [station("PACK-01", 3)])))
        expect(yield* fleet.receive(raw(fleetTopic, new Uint8Array(0)))).toBe("cleared")
        return yield* fleet.view
      })
    )
    expect(view.summary).toBeNull()
    expect(view.stale).toBe(true)
  })

  it("names a subscription the broker refused with its code, and keeps running without a summary", async () => {
    const view = await run((fleet) => fleet.view, [fleetTopic])
    expect(view.problem).toEqual({
      code: "subscription-refused",
      detail: "packbench/v1/HAM1/hub/fleet: subscription to packbench/v1/HAM1/hub/fleet refused"
    })
    expect(view.summary).toBeNull()
  })
})
