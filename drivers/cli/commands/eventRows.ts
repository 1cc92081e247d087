/** Reads a station database's events in batches, by sequence or by device time, optionally only those of one order. */
import type Database from "better-sqlite3"
import type { EventRow } from "../../../core/events/EventLog.ts"

const BATCH = 500

/**
 * Which events tell an order's story: those naming the order, and those naming one of its parcels or returns (a
 * handover scan, a voided label, a graded unit), whatever the event calls them.
 */
const OF_ORDER = `(json_extract(payload, '$.orderId') = @orderId
  OR json_extract(payload, '$.order.orderId') = @orderId
  OR json_extract(payload, '$.parcelId') IN (SELECT parcel_id FROM parcels WHERE order_id = @orderId)
  OR json_extract(payload, '$.returnId') IN (SELECT return_id FROM returns WHERE order_id = @orderId))`

export interface EventRowFilter {
  /** The first sequence number to read. */
  readonly from: number
  /** The last sequence number to read; none: up to the newest. */
  readonly to?: number
  readonly orderId?: string
}

/** Events whose device time (event_wall_ms) lies in [fromMs, toMs), oldest first. */
export interface EventTimeFilter {
  readonly fromMs?: number
  readonly toMs?: number
  readonly orderId?: string
}

/** Whether the database has migration 0093's index, without which a time window would read the whole log. */
export const hasEventTimeIndex = (db: Database.Database): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'events_by_event_time'").get() !== undefined

/**
 * Opens a reader of the events in a device-time window, in (event time, seq) order: each batch continues after the
 * last row of the one before (keyset paging on the index of migration 0093), so no batch reads what it skips.
 */
export const eventTimeReader = (db: Database.Database, filter: EventTimeFilter) => {
  const statement = db.prepare<
    { fromMs: number; toMs: number; afterMs: number; afterSeq: number; orderId: string | null; limit: number },
    EventRow
  >(
    `SELECT * FROM events INDEXED BY events_by_event_time
     WHERE event_wall_ms >= @fromMs AND event_wall_ms < @toMs AND (event_wall_ms, seq) > (@afterMs, @afterSeq)
       AND (@orderId IS NULL OR ${OF_ORDER}) ORDER BY event_wall_ms, seq LIMIT @limit`
  )
  let afterMs = Number.MIN_SAFE_INTEGER
  let afterSeq = 0
  return (): ReadonlyArray<EventRow> => {
    const rows = statement.all({
      fromMs: filter.fromMs ?? Number.MIN_SAFE_INTEGER,
      toMs: filter.toMs ?? Number.MAX_SAFE_INTEGER,
      afterMs,
      afterSeq,
      orderId: filter.orderId ?? null,
      limit: BATCH
    })
    const last = rows.at(-1)
    if (last !== undefined) {
      afterMs = Number(last.event_wall_ms)
      afterSeq = Number(last.seq)
    }
    return rows
  }
}

/** Opens a reader that returns the next batch of matching rows on each call, an empty batch when none is left yet. */
export const eventRowReader = (db: Database.Database, filter: EventRowFilter) => {
  const statement = db.prepare<{ next: number; to: number; orderId: string | null; limit: number }, EventRow>(
    `SELECT * FROM events WHERE seq >= @next AND seq <= @to
       AND (@orderId IS NULL OR ${OF_ORDER}) ORDER BY seq LIMIT @limit`
  )
  let next = filter.from
  return (): ReadonlyArray<EventRow> => {
    const rows = statement.all({
      next,
      to: filter.to ?? Number.MAX_SAFE_INTEGER,
      orderId: filter.orderId ?? null,
      limit: BATCH
    })
    const last = rows.at(-1)
    if (last !== undefined) next = Number(last.seq) + 1
    return rows
  }
}
