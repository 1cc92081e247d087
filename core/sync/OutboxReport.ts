/** The outbox report `packbench outbox` prints, computed from the delivery tables. */
import { Effect, Schema } from "effect"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { STATUS_KEY } from "./SyncEngine.ts"

/** A running engine's status row older than this means the station is not running (it rewrites it every 2 s). */
const STALE_AFTER_MS = 10_000

const StatusRow = Schema.Struct({
  running: Schema.Boolean,
  updatedAtMs: Schema.Number,
  drainRatePerSec: Schema.Number,
  broker: Schema.Struct({ connection: Schema.String, lastError: Schema.optional(Schema.String) }),
  lastPublishError: Schema.optional(Schema.String)
})

export interface OutboxReport {
  readonly epoch: string | null
  readonly depth: number
  readonly oldestUndeliveredAgeMs: number | null
  readonly lastSeq: number
  readonly lastPublishedSeq: number
  readonly lastConfirmedSeq: number
  readonly drainRatePerSec: number | null
  readonly broker: string
  readonly brokerLastError: string | null
  readonly lastPublishError: string | null
  readonly epochs: ReadonlyArray<{
    readonly epoch: string
    readonly baseSeq: number
    readonly publishedSeq: number
    readonly confirmedSeq: number
  }>
}

/**
 * The outbox as the database records it, for `packbench outbox`: computed from the delivery tables, with the
 * broker state taken from the status row the running engine keeps fresh (or "unknown" when the row is stale).
 */
export const readOutboxReport = Effect.fn("OutboxReport.read")(function* () {
  const sql = yield* Sql
  const clock = yield* StationClock
  const now = (yield* clock.now).wallMs
  const meta = yield* sql.query<{ value: string }>("SELECT value FROM station_meta WHERE key = 'epoch'")
  const last = yield* sql.query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
  const lastSeq = Number(last[0]?.seq ?? 0)
  const rows = yield* sql.query<{ epoch: string; base_seq: number; published_seq: number; confirmed_seq: number }>(
    "SELECT epoch, base_seq, published_seq, confirmed_seq FROM sync_outbox_epochs ORDER BY base_seq"
  )
  let confirmed = 0
  let published = 0
  for (const row of rows) {
    if (Number(row.confirmed_seq) > 0) confirmed = Math.max(confirmed, Number(row.base_seq) + Number(row.confirmed_seq))
    if (Number(row.published_seq) > 0) published = Math.max(published, Number(row.base_seq) + Number(row.published_seq))
  }
  const oldest = yield* sql.query<{ record_time_ms: number }>("SELECT record_time_ms FROM events WHERE seq = ?", [
    confirmed + 1
  ])
  const statusRows = yield* sql.query<{ value: string }>("SELECT value FROM sync_status WHERE key = ?", [STATUS_KEY])
  const statusText = statusRows[0]?.value
  const status =
    statusText === undefined
      ? undefined
      : yield* Schema.decodeUnknownEffect(Schema.fromJsonString(StatusRow))(statusText).pipe(Effect.option)
  const live =
    status !== undefined &&
    status._tag === "Some" &&
    status.value.running &&
    now - status.value.updatedAtMs < STALE_AFTER_MS
      ? status.value
      : undefined
  const oldestRow = oldest[0]
  return {
    epoch: meta[0]?.value ?? null,
    depth: Math.max(0, lastSeq - confirmed),
    oldestUndeliveredAgeMs: oldestRow === undefined ? null : Math.max(0, now - Number(oldestRow.record_time_ms)),
    lastSeq,
    lastPublishedSeq: published,
    lastConfirmedSeq: confirmed,
    drainRatePerSec: live?.drainRatePerSec ?? null,
    broker: live?.broker.connection ?? "unknown (station not running)",
    brokerLastError: live?.broker.lastError ?? null,
    lastPublishError: live?.lastPublishError ?? null,
    epochs: rows.map((row) => ({
      epoch: row.epoch,
      baseSeq: Number(row.base_seq),
      publishedSeq: Number(row.published_seq),
      confirmedSeq: Number(row.confirmed_seq)
    }))
  } satisfies OutboxReport
})
