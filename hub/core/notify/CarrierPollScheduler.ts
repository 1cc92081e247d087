/** Polls each carrier's open parcels for scans, with cursors, chunks and exponential backoff. */
import { Effect } from "effect"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import type { CarrierTrackingPoller } from "../tracking/CarrierTrackingPoller.ts"
import { type CarrierEventOutcome, HubProjection } from "./HubProjection.ts"

export interface CarrierPollSettings {
  /** Time between two successful polls of one carrier. */
  readonly intervalMs: number
  /** First wait after a failed poll; doubles per failure in a row up to `retryMaxMs`. */
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  /** A delivered parcel is still polled this long: a refused or disputed delivery turns into a return later. */
  readonly keepPollingDeliveredMs: number
}

export const defaultCarrierPollSettings: CarrierPollSettings = {
  intervalMs: 15 * 60_000,
  retryBaseMs: 60_000,
  retryMaxMs: 3_600_000,
  keepPollingDeliveredMs: 14 * 24 * 3_600_000
}

export interface CarrierPollReport {
  readonly carrier: string
  readonly requests: number
  readonly outcomes: Readonly<Record<CarrierEventOutcome, number>>
  /** The error of a failed poll; the carrier is polled again after its backoff. */
  readonly failed: string | undefined
}

/** The wait after `failures` failed polls in a row. */
export const pollBackoffMs = (failures: number, settings: CarrierPollSettings): number =>
  Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, failures - 1))

/**
 * One pass over the carriers whose poll is due: asks each adapter for the scans of that carrier's open parcels
 * (grouped by their stored cursor, in chunks the API accepts), applies them through the webhook's ingestion path,
 * and advances the cursors in the same transaction as the scans, so a crash between the two re-polls rather than
 * skips. A failed poll records the error and backs the carrier off; its cursors stay where they were.
 */
export const pollDueCarriers = Effect.fn("CarrierPollScheduler.pollDue")(function* (
  pollers: ReadonlyArray<CarrierTrackingPoller>,
  settings: CarrierPollSettings
) {
  const sql = yield* Sql
  const clock = yield* StationClock
  const projection = yield* HubProjection
  const reports: Array<CarrierPollReport> = []
  for (const poller of pollers) {
    const now = (yield* clock.now).wallMs
    const state = (yield* sql.query<{ next_poll_ms: number; failures: number }>(
      "SELECT next_poll_ms, failures FROM hub_carrier_polls WHERE carrier = ?",
      [poller.carrier]
    ))[0]
    if (state !== undefined && Number(state.next_poll_ms) > now) continue
    const parcels = yield* sql.query<{ parcel_id: string; tracking_number: string; cursor: string | null }>(
      `SELECT p.parcel_id, p.tracking_number, c.cursor FROM hub_parcels p
       LEFT JOIN hub_parcel_poll_cursors c ON c.parcel_id = p.parcel_id
       WHERE p.carrier = ? AND p.handed_at_ms IS NOT NULL
         AND (p.status IS NULL OR p.status NOT IN ('returned-to-sender', 'expired'))
         AND (p.status IS NULL OR p.status <> 'delivered' OR p.delivered_at_ms >= ?)
       ORDER BY p.parcel_id`,
      [poller.carrier, now - settings.keepPollingDeliveredMs]
    )
    const groups = new Map<string | null, Array<{ parcelId: string; trackingNumber: string }>>()
    for (const parcel of parcels) {
      const group = groups.get(parcel.cursor) ?? []
      group.push({ parcelId: parcel.parcel_id, trackingNumber: parcel.tracking_number })
      groups.set(parcel.cursor, group)
    }
    const outcomes: Record<CarrierEventOutcome, number> = {
      added: 0,
      duplicate: 0,
      "unknown-parcel": 0,
      "ahead-of-clock": 0,
      "before-parcel": 0
    }
    let requests = 0
    let failed: string | undefined
    polling: for (const [cursor, group] of groups) {
      for (let index = 0; index < group.length; index += Math.max(1, poller.maxNumbersPerPoll)) {
        const chunk = group.slice(index, index + Math.max(1, poller.maxNumbersPerPoll))
        requests++
        const result = yield* poller
          .poll(
            chunk.map((parcel) => parcel.trackingNumber),
            cursor ?? undefined
          )
          .pipe(Effect.result)
        if (result._tag === "Failure") {
          failed = `${result.failure.reason}: ${result.failure.message}`
          break polling
        }
        const polledAt = (yield* clock.now).wallMs
        yield* sql.transaction(
          Effect.gen(function* () {
            for (const event of result.success.events) {
              outcomes[yield* projection.applyCarrierEvent(event)]++
            }
            for (const parcel of chunk) {
              yield* sql.execute(
                `INSERT INTO hub_parcel_poll_cursors (parcel_id, cursor, updated_at_ms) VALUES (?, ?, ?)
                 ON CONFLICT (parcel_id) DO UPDATE SET cursor = excluded.cursor, updated_at_ms = excluded.updated_at_ms`,
                [parcel.parcelId, result.success.cursor, polledAt]
              )
            }
          })
        )
      }
    }
    const done = (yield* clock.now).wallMs
    const failures = failed === undefined ? 0 : Number(state?.failures ?? 0) + 1
    const nextPollMs = done + (failed === undefined ? settings.intervalMs : pollBackoffMs(failures, settings))
    yield* sql.execute(
      `INSERT INTO hub_carrier_polls (carrier, next_poll_ms, failures, last_polled_ms, last_error)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (carrier) DO UPDATE SET next_poll_ms = excluded.next_poll_ms, failures = excluded.failures,
         last_polled_ms = excluded.last_polled_ms, last_error = excluded.last_error`,
      [poller.carrier, nextPollMs, failures, done, failed ?? null]
    )
    if (failed !== undefined) {
      yield* Effect.logWarning(
        `hub: polling ${poller.carrier} failed ${failures} time(s) in a row, next try in ${nextPollMs - done} ms: ${failed}`
      )
    }
    reports.push({ carrier: poller.carrier, requests, outcomes, failed })
  }
  return reports
})
