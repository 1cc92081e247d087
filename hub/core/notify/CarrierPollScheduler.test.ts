import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { envelopesAt } from "../../../fixtures/hub/HubRig.ts"
import type { CarrierTrackingEvent } from "../tracking/CarrierTrackingEvent.ts"
import { CarrierPollError, type CarrierTrackingPoller } from "../tracking/CarrierTrackingPoller.ts"
import { TrackingTokens } from "../tracking/TrackingTokens.ts"
import { type CarrierPollSettings, pollBackoffMs, pollDueCarriers } from "./CarrierPollScheduler.ts"
import { HubProjection } from "./HubProjection.ts"
import { HubSettings } from "./HubSettings.ts"
import { hubMigrations } from "./migrations/hubMigrations.ts"

const start = Date.UTC(2026, 10, 24, 9, 0)
const hour = 3_600_000
const settings: CarrierPollSettings = {
  intervalMs: 10 * 60_000,
  retryBaseMs: 60_000,
  retryMaxMs: 4 * 60_000,
  keepPollingDeliveredMs: 24 * hour
}

/** A carrier feed in memory: scans at positions, the cursor is the position; failures as scripted. */
const scriptedPoller = (maxNumbersPerPoll: number) => {
  const feed: Array<CarrierTrackingEvent> = []
  const calls: Array<{ numbers: ReadonlyArray<string>; cursor: string | undefined }> = []
  let failing = 0
  const poller: CarrierTrackingPoller = {
    carrier: "ups",
    maxNumbersPerPoll,
    poll: (numbers, cursor) =>
      Effect.suspend(() => {
        calls.push({ numbers, cursor })
        if (failing > 0) {
          failing--
          return Effect.fail(new CarrierPollError({ reason: "Unavailable", message: "HTTP 503" }))
        }
        const from = cursor === undefined ? 0 : Number(cursor)
        return Effect.succeed({
          events: feed.slice(from).filter((event) => numbers.includes(event.trackingNumber)),
          cursor: String(feed.length)
        })
      })
  }
  return { poller, feed, calls, fail: (count: number) => (failing = count) }
}

const envelope = envelopesAt(start)
const handed = (n: number) =>
  envelope("parcel.handed-to-carrier", {
    batchId: "H-1",
    parcelId: `P-${n}`,
    orderId: `SO-${n}`,
    carrier: "ups",
    trackingNumber: `1Z${n}`
  })
const scan = (n: number, id: string, status: CarrierTrackingEvent["status"], atMs: number): CarrierTrackingEvent => ({
  eventId: id,
  carrier: "ups",
  trackingNumber: `1Z${n}`,
  status,
  occurredAtMs: atMs
})

const run = <A, E>(
  clock: ReturnType<typeof StationClock.manual>,
  effect: Effect.Effect<A, E, HubProjection | Sql | StationClock>
) => {
  let token = 0
  return Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(hubMigrations)
      return yield* effect
    }).pipe(
      Effect.provide(
        HubProjection.layer.pipe(
          Layer.provideMerge(
            Layer.mergeAll(
              layerSqlite({ filename: ":memory:" }),
              clock.layer,
              Layer.succeed(
                TrackingTokens,
                TrackingTokens.of({
                  next: Effect.sync(() => `tok-${++token}-0123456789abcdef`),
                  digest: (secret) => `digest:${secret}`
                })
              ),
              Layer.succeed(HubSettings, HubSettings.defaults("https://track.test"))
            )
          )
        )
      )
    )
  )
}

const statuses = Effect.gen(function* () {
  const sql = yield* Sql
  return yield* sql.query<{ parcel_id: string; status: string | null }>(
    "SELECT parcel_id, status FROM hub_parcels ORDER BY parcel_id"
  )
})

describe("carrier poll scheduler", () => {
  it("polls open parcels in chunks, from the start the first time and from the stored cursor after", async () => {
    const clock = StationClock.manual(start)
    const carrier = scriptedPoller(2)
    const result = await run(
      clock,
      Effect.gen(function* () {
        const hub = yield* HubProjection
        for (const n of [1, 2, 3]) yield* hub.applyStationEvent(handed(n))
        carrier.feed.push(scan(1, "a", "in-transit", start + hour), scan(3, "b", "in-transit", start + hour))
        const first = yield* pollDueCarriers([carrier.poller], settings)
        carrier.feed.push(scan(1, "c", "delivered", start + 2 * hour), scan(1, "a", "in-transit", start + hour))
        // Not due yet: the interval has not passed.
        expect(yield* pollDueCarriers([carrier.poller], settings)).toEqual([])
        clock.advance(settings.intervalMs)
        yield* hub.applyStationEvent(handed(4))
        const second = yield* pollDueCarriers([carrier.poller], settings)
        return { first, second, statuses: yield* statuses }
      })
    )
    expect(result.first).toEqual([
      {
        carrier: "ups",
        requests: 2,
        outcomes: { added: 2, duplicate: 0, "unknown-parcel": 0, "ahead-of-clock": 0, "before-parcel": 0 },
        failed: undefined
      }
    ])
    expect(result.second[0]?.outcomes).toEqual({
      added: 1,
      duplicate: 1,
      "unknown-parcel": 0,
      "ahead-of-clock": 0,
      "before-parcel": 0
    })
    expect(carrier.calls).toEqual([
      { numbers: ["1Z1", "1Z2"], cursor: undefined },
      { numbers: ["1Z3"], cursor: undefined },
      // The new parcel starts from the beginning; the others continue from where they were.
      { numbers: ["1Z1", "1Z2"], cursor: "2" },
      { numbers: ["1Z3"], cursor: "2" },
      { numbers: ["1Z4"], cursor: undefined }
    ])
    expect(result.statuses).toEqual([
      { parcel_id: "P-1", status: "delivered" },
      { parcel_id: "P-2", status: null },
      { parcel_id: "P-3", status: "in-transit" },
      { parcel_id: "P-4", status: null }
    ])
  })

  it("backs a failing carrier off exponentially, keeps the cursors, and records the error until it recovers", async () => {
    const clock = StationClock.manual(start)
    const carrier = scriptedPoller(10)
    const rows = await run(
      clock,
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* (yield* HubProjection).applyStationEvent(handed(1))
        const state = sql.query<{ next_poll_ms: number; failures: number; last_error: string | null }>(
          "SELECT next_poll_ms, failures, last_error FROM hub_carrier_polls"
        )
        carrier.fail(3)
        const seen = []
        let nowMs = start
        for (let pass = 0; pass < 3; pass++) {
          const report = yield* pollDueCarriers([carrier.poller], settings)
          expect(report[0]?.failed).toBe("Unavailable: HTTP 503")
          const row = (yield* state)[0]!
          seen.push({ ...row, waitMs: Number(row.next_poll_ms) - nowMs })
          expect(yield* pollDueCarriers([carrier.poller], settings)).toEqual([])
          nowMs = Number(row.next_poll_ms)
          clock.setWall(nowMs)
        }
        carrier.feed.push(scan(1, "a", "in-transit", start))
        const recovered = yield* pollDueCarriers([carrier.poller], settings)
        expect(recovered[0]?.outcomes.added).toBe(1)
        seen.push({ ...(yield* state)[0]!, waitMs: settings.intervalMs })
        return seen
      })
    )
    expect(rows.map((row) => [row.failures, row.waitMs, row.last_error])).toEqual([
      [1, 60_000, "Unavailable: HTTP 503"],
      [2, 120_000, "Unavailable: HTTP 503"],
      [3, 240_000, "Unavailable: HTTP 503"],
      [0, settings.intervalMs, null]
    ])
    expect(pollBackoffMs(10, settings)).toBe(settings.retryMaxMs)
    expect(carrier.calls.every((call) => call.cursor === undefined)).toBe(true)
  })

  it("stops polling parcels returned to the sender, and delivered ones after the keep window", async () => {
    const clock = StationClock.manual(start)
    const carrier = scriptedPoller(10)
    await run(
      clock,
      Effect.gen(function* () {
        const hub = yield* HubProjection
        for (const n of [1, 2, 3]) yield* hub.applyStationEvent(handed(n))
        yield* hub.applyCarrierEvent(scan(1, "r", "returned-to-sender", start))
        yield* hub.applyCarrierEvent(scan(2, "d", "delivered", start))
        yield* pollDueCarriers([carrier.poller], settings)
        clock.advance(settings.keepPollingDeliveredMs + 1)
        yield* pollDueCarriers([carrier.poller], settings)
      })
    )
    expect(carrier.calls.map((call) => call.numbers)).toEqual([["1Z2", "1Z3"], ["1Z3"]])
  })
})
