/** Holds an order's rows for the rest of the consumer's transaction, where stations are applied in parallel. */
import { Effect } from "effect"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { Sql } from "../../../core/store/Sql.ts"

/** The advisory lock class of orders: "pkor" in ASCII (PgSql's partitions use "pkbn"). */
const orderLockClass = 0x706b6f72

/** The order a station event concerns, if its payload names one (`orderId`, or `order.orderId`). */
export const orderIdOf = (event: EventEnvelope): string | undefined => {
  const payload = event.payload as { readonly orderId?: unknown; readonly order?: { readonly orderId?: unknown } }
  const id = payload?.orderId ?? payload?.order?.orderId
  return typeof id === "string" && id.length > 0 ? id : undefined
}

/** FNV-1a over the id's UTF-16 units, as a signed 32-bit integer (PostgreSQL's int4). */
export const orderLockId = (orderId: string): number => {
  let hash = 2_166_136_261
  for (let i = 0; i < orderId.length; i++) hash = Math.imul(hash ^ orderId.charCodeAt(i), 16_777_619)
  return hash | 0
}

/**
 * On PostgreSQL the consumer applies different stations at once (each batch holds its stations' partition locks),
 * but one order can be named by two stations (packed at one, returned at another). The refund ledger and the shop
 * pushes read an order's rows and then write them, so the event takes the order's lock first, until commit. Two
 * batches that lock orders in opposite order deadlock; PostgreSQL then fails one, which the consumer applies again
 * one event per transaction. SQLite writes one transaction at a time: nothing to do.
 */
export const lockOrderOf = (sql: Sql["Service"], event: EventEnvelope): Effect.Effect<void, unknown> => {
  if (sql.dialect !== "postgres") return Effect.void
  const orderId = orderIdOf(event)
  if (orderId === undefined) return Effect.void
  return Effect.asVoid(sql.query(`SELECT pg_advisory_xact_lock(${orderLockClass}, ?::int)`, [orderLockId(orderId)]))
}

/**
 * `lockOrderOf` for a batch of events, in one statement: the orders' locks in the order the events name them (each
 * once), as the events one by one would have taken them, only all before the first is applied.
 */
export const lockOrdersOf = (
  sql: Sql["Service"],
  events: ReadonlyArray<EventEnvelope>
): Effect.Effect<void, unknown> => {
  if (sql.dialect !== "postgres") return Effect.void
  const ids = [...new Set(events.flatMap((event) => orderIdOf(event) ?? []).map(orderLockId))]
  if (ids.length === 0) return Effect.void
  return Effect.forEach(
    Array.from({ length: Math.ceil(ids.length / 500) }, (_, index) => ids.slice(index * 500, index * 500 + 500)),
    (chunk) =>
      sql.query(`SELECT ${chunk.map(() => `pg_advisory_xact_lock(${orderLockClass}, ?::int)`).join(", ")}`, chunk),
    { discard: true }
  )
}
