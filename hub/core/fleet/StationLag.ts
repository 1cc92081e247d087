/** Per-station lag as the hub's database knows it: what was applied, what waits behind a gap, and since when. */
import { Effect } from "effect"
import type { Sql } from "../../../core/store/Sql.ts"

export interface StationLag {
  readonly siteId: string
  readonly stationId: string
  readonly epoch: string
  /** The last sequence number applied (0: none yet). */
  readonly lastAppliedSeq: number
  /** When the last event was applied, epoch ms; undefined when none was. */
  readonly lastAppliedAtMs: number | undefined
  /** Events received but held (behind a gap, or of a version the hub does not know yet). */
  readonly held: number
  /** The highest sequence number the hub has seen of this station: how far its outbox has sent, as far as known. */
  readonly highestSeenSeq: number
  /** Missing numbers between the last applied and the first held event. */
  readonly gap: number
  /** When the oldest event the hub holds unapplied (so unconfirmed) arrived, epoch ms. */
  readonly oldestUnconfirmedAtMs: number | undefined
  /** Whether a newer epoch of the same station exists (a restored station): this stream is history. */
  readonly superseded: boolean
}

interface Row {
  readonly site_id: string
  readonly station_id: string
  readonly epoch: string
  readonly last_seq: number | null
  readonly updated_at_ms: number | null
  readonly held: number
  readonly first_held: number | null
  readonly last_held: number | null
  readonly oldest_held_ms: number | null
}

/** Every station stream the hub has heard of, by site and station, the newest epoch first. */
export const stationLags = (sql: Sql["Service"]): Effect.Effect<ReadonlyArray<StationLag>, unknown> =>
  Effect.gen(function* () {
    const rows = yield* sql.query<Row>(
      `SELECT s.site_id, s.station_id, s.epoch, c.last_seq, c.updated_at_ms,
         COALESCE(h.held, 0) AS held, h.first_held, h.last_held, h.oldest_held_ms
       FROM (SELECT site_id, station_id, epoch FROM sync_consumer_cursor
             UNION SELECT site_id, station_id, epoch FROM sync_consumer_held) s
       LEFT JOIN sync_consumer_cursor c
         ON c.site_id = s.site_id AND c.station_id = s.station_id AND c.epoch = s.epoch
       LEFT JOIN (SELECT site_id, station_id, epoch, COUNT(*) AS held, MIN(seq) AS first_held,
                    MAX(seq) AS last_held, MIN(received_at_ms) AS oldest_held_ms
                  FROM sync_consumer_held GROUP BY site_id, station_id, epoch) h
         ON h.site_id = s.site_id AND h.station_id = s.station_id AND h.epoch = s.epoch
       ORDER BY s.site_id, s.station_id, COALESCE(c.updated_at_ms, h.oldest_held_ms) DESC`
    )
    const newest = new Set<string>()
    return rows.map((row): StationLag => {
      const station = `${row.site_id}\u0000${row.station_id}`
      const superseded = newest.has(station)
      newest.add(station)
      const last = Number(row.last_seq ?? 0)
      const firstHeld = row.first_held === null ? undefined : Number(row.first_held)
      return {
        siteId: row.site_id,
        stationId: row.station_id,
        epoch: row.epoch,
        lastAppliedSeq: last,
        lastAppliedAtMs: row.updated_at_ms === null ? undefined : Number(row.updated_at_ms),
        held: Number(row.held),
        highestSeenSeq: Math.max(last, Number(row.last_held ?? 0)),
        gap: firstHeld === undefined ? 0 : Math.max(0, firstHeld - last - 1),
        oldestUnconfirmedAtMs: row.oldest_held_ms === null ? undefined : Number(row.oldest_held_ms),
        superseded
      }
    })
  })
