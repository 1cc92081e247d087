/** Reads a station database's events in sequence order, in batches, optionally only those of one order. */
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
