/**
 * What became of a customer's correction at each station that has the order, and whether the customer is to hear that
 * it is not used: one outcome per correction, decided from every station's word.
 */
import { Effect } from "effect"
import { sameAddress } from "../../../core/address/Address.ts"
import type { Address } from "../../../core/orders/Order.ts"
import type { Sql } from "../../../core/store/Sql.ts"
import type { IgnoredCorrectionCause } from "../notify/NotificationKind.ts"
import type { StationRef } from "./CorrectionToStations.ts"

/**
 * A station's answer to a correction (`hub_correction_answers`, hub migration 69):
 * - `applied`: it took the address (`order.address-corrected` with the correction's number);
 * - `ignored`: it did not (`inbound.update-ignored`), with its cause, none for a word this hub does not know;
 * - `overridden`: it applied it, then the order's source set an address of its own, which the station follows;
 * - `replaced`: the customer's own newer correction holds there (`not-newer`, or a newer one applied).
 */
export type StationAnswer = "applied" | "ignored" | "overridden" | "replaced"

export interface AnswerRow {
  /** `<site>/<station>`. */
  readonly station: string
  readonly outcome: StationAnswer
  readonly cause: string | null
}

/**
 * Whether the customer is told that their correction is not used, and why; undefined while it is not (yet) so:
 * - a parcel that left with the carrier before the correction reached its station travels to the address it was
 *   labelled for, whatever the other stations did: told at once;
 * - a station where the correction holds (applied and not overridden since, or the customer's newer one) keeps it
 *   for the parcel packed there: nothing to tell while it holds;
 * - else the customer is told once every station that has the order (`stations`, each `<site>/<station>`) has
 *   answered: the source's address set before the correction reached a station (`source-changed`), or after stations
 *   applied it (`source-changed-after`). A station's word this hub does not know tells nothing.
 * A station that has not answered yet may still apply it, and a mail would then say what is not so.
 */
export const ignoredOutcome = (
  answers: ReadonlyArray<AnswerRow>,
  stations: ReadonlyArray<string>
): IgnoredCorrectionCause | undefined => {
  if (answers.some((answer) => answer.outcome === "ignored" && answer.cause === "handed-to-carrier")) {
    return "handed-to-carrier"
  }
  if (answers.some((answer) => answer.outcome === "applied" || answer.outcome === "replaced")) return undefined
  const answered = new Set(answers.map((answer) => answer.station))
  if (!stations.every((station) => answered.has(station))) return undefined
  if (answers.some((answer) => answer.outcome === "ignored" && answer.cause === "source-changed")) {
    return "source-changed"
  }
  if (answers.some((answer) => answer.outcome === "overridden")) return "source-changed-after"
  return undefined
}

/**
 * Whether a station's number of a correction can name one the hub sent: holds are counted in INTEGER columns (32 bits
 * on PostgreSQL, where a larger parameter fails the statement, and with it the station's stream for good). A broken or
 * hostile station's larger number names none.
 */
export const mayBeHoldRound = (correction: number) =>
  Number.isSafeInteger(correction) && correction >= 1 && correction <= 2_147_483_647

const stationKey = (station: StationRef) => `${station.siteId}/${station.stationId}`

/**
 * Records a station's latest answer to a correction: a later word of the same station takes its place, but for
 * `replaced` from `not-newer`, which a station says of a correction it was sent again (it holds that one or a newer
 * one): what it answered to it the first time stands.
 */
export const recordAnswer = (
  sql: Sql["Service"],
  answer: {
    readonly orderId: string
    readonly correction: number
    readonly station: StationRef
    readonly outcome: StationAnswer
    readonly cause: string | null
    /** For `applied`: the order's version at the station when it applied the correction. */
    readonly orderVersion?: number
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    yield* sql.execute(
      `INSERT INTO hub_correction_answers (order_id, hold_round, site_id, station_id, outcome, cause, order_version,
         answered_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id, hold_round, site_id, station_id) DO ${
         answer.outcome === "replaced"
           ? "NOTHING"
           : `UPDATE SET outcome = excluded.outcome, cause = excluded.cause, order_version = excluded.order_version,
                answered_at_ms = excluded.answered_at_ms`
       }`,
      [
        answer.orderId,
        answer.correction,
        answer.station.siteId,
        answer.station.stationId,
        answer.outcome,
        answer.cause,
        answer.orderVersion ?? null,
        nowMs
      ]
    )
    // A newer correction applied there replaces the customer's earlier ones at that station.
    if (answer.outcome === "applied") {
      yield* sql.execute(
        `UPDATE hub_correction_answers SET outcome = 'replaced', answered_at_ms = ?
         WHERE order_id = ? AND site_id = ? AND station_id = ? AND hold_round < ? AND outcome = 'applied'`,
        [nowMs, answer.orderId, answer.station.siteId, answer.station.stationId, answer.correction]
      )
    }
  })

/**
 * The order at `station` now has `shipTo` at `orderVersion`, from its source (a version of the order, or the source's
 * own correction): a customer's correction applied there at an older version that set another address is overridden
 * (the station's words come in its order, so a version the station had when it applied the correction, told again,
 * overrides nothing), unless a parcel of the order has left with the carrier (it travels to the address it was
 * labelled for, which the source's change does not reach). Returns the corrections overridden.
 */
export const overriddenBySource = (
  sql: Sql["Service"],
  change: {
    readonly orderId: string
    readonly orderVersion: number
    readonly station: StationRef
    readonly shipTo: Address
  },
  nowMs: number
) =>
  Effect.gen(function* () {
    const { orderId, station, shipTo } = change
    const applied = yield* sql.query<{ hold_round: number; ship_to: string }>(
      `SELECT a.hold_round, c.ship_to FROM hub_correction_answers a
       JOIN hub_address_corrections c ON c.order_id = a.order_id AND c.hold_round = a.hold_round
       WHERE a.order_id = ? AND a.site_id = ? AND a.station_id = ? AND a.outcome = 'applied'
         AND a.order_version < ?`,
      [orderId, station.siteId, station.stationId, change.orderVersion]
    )
    const overridden = applied.filter((row) => !sameAddress(JSON.parse(row.ship_to) as Address, shipTo))
    if (overridden.length === 0) return []
    const left = yield* sql.query("SELECT 1 FROM hub_parcels WHERE order_id = ? AND handed_at_ms IS NOT NULL LIMIT 1", [
      orderId
    ])
    if (left.length > 0) return []
    for (const row of overridden) {
      yield* recordAnswer(
        sql,
        { orderId, correction: Number(row.hold_round), station, outcome: "overridden", cause: null },
        nowMs
      )
    }
    return overridden.map((row) => Number(row.hold_round))
  })

/**
 * Whether the customer is to be told now that correction `correction` is not used, by every station's answer so far
 * (`ignoredOutcome`); only the order's latest correction is told of (an earlier one the customer replaced themselves).
 * The cause is kept with the correction for the mail: a later answer that the parcel had left takes the place of the
 * source's address while the mail has not gone (the sender reads it when it sends).
 */
export const ignoredNow = (
  sql: Sql["Service"],
  orderId: string,
  correction: number,
  station: StationRef,
  nowMs: number
) =>
  Effect.gen(function* () {
    const latest = yield* sql.query<{ hold_round: number }>(
      "SELECT MAX(hold_round) AS hold_round FROM hub_address_corrections WHERE order_id = ? AND route = 'station'",
      [orderId]
    )
    if (Number(latest[0]?.hold_round ?? 0) !== correction) return undefined
    const answers = yield* sql.query<{
      site_id: string
      station_id: string
      outcome: StationAnswer
      cause: string | null
    }>("SELECT site_id, station_id, outcome, cause FROM hub_correction_answers WHERE order_id = ? AND hold_round = ?", [
      orderId,
      correction
    ])
    const stations = yield* sql.query<{ site_id: string; station_id: string }>(
      "SELECT site_id, station_id FROM hub_order_stations WHERE order_id = ?",
      [orderId]
    )
    const cause = ignoredOutcome(
      answers.map((row) => ({
        station: stationKey({ siteId: row.site_id, stationId: row.station_id }),
        outcome: row.outcome,
        cause: row.cause
      })),
      stations.map((row) => stationKey({ siteId: row.site_id, stationId: row.station_id }))
    )
    if (cause === undefined) return undefined
    yield* sql.execute(
      `UPDATE hub_address_corrections SET ignored_cause = ?, ignored_station_id = ?, ignored_at_ms = ?
       WHERE order_id = ? AND hold_round = ? AND (ignored_cause IS NULL OR ? = 'handed-to-carrier')`,
      [cause, station.stationId, nowMs, orderId, correction, cause]
    )
    return cause
  })
