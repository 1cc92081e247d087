/** The station's append-only event log: appending encoded events and reading them back. */
import { Context, Effect, Layer, Schema } from "effect"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import type { Actor, EventEnvelope } from "./Event.ts"
import type { EventDefinition } from "./EventDefinition.ts"
import { uuid7 } from "./Uuid7.ts"

/** A row of the `events` table as SQLite returns it; tools that read the database directly share this shape. */
export interface EventRow {
  readonly seq: number
  readonly id: string
  readonly type: string
  readonly version: number
  readonly epoch: string
  readonly event_wall_ms: number
  readonly event_mono_ns: string
  readonly ntp_offset_ms: number | null
  readonly record_time_ms: number
  readonly actor: string
  readonly payload: string
  readonly epcis: string | null
}

const SYSTEM: Actor = { role: "system" }

/** The envelope of a stored event row, for the station that stored it (the database keeps no site or station id). */
export const eventEnvelopeOf = (
  row: EventRow,
  identity: { readonly siteId: string; readonly stationId: string }
): EventEnvelope => ({
  id: row.id,
  type: row.type,
  version: row.version,
  siteId: identity.siteId,
  stationId: identity.stationId,
  epoch: row.epoch,
  seq: Number(row.seq),
  eventTime: {
    wallMs: Number(row.event_wall_ms),
    monoNs: row.event_mono_ns,
    ...(row.ntp_offset_ms === null ? {} : { ntpOffsetMs: row.ntp_offset_ms })
  },
  recordTimeMs: Number(row.record_time_ms),
  actor: JSON.parse(row.actor),
  payload: JSON.parse(row.payload),
  ...(row.epcis === null ? {} : { epcis: JSON.parse(row.epcis) })
})

export interface AppendOptions {
  /** When the fact happened, as the device that saw it stamped it; defaults to now. */
  readonly eventTime?: Timestamp
  readonly actor?: Actor
}

/**
 * The station's append-only event log. `append` joins the caller's transaction, so a state change and the event
 * that records it commit together or not at all; the sequence number is the previous one plus one inside that same
 * transaction, which keeps sequences gap-free.
 */
export class EventLog extends Context.Service<
  EventLog,
  {
    readonly append: <Type extends string, Payload>(
      definition: EventDefinition<Type, Payload>,
      payload: NoInfer<Payload>,
      options?: AppendOptions
    ) => Effect.Effect<EventEnvelope, StoreError>
    readonly read: (afterSeq: number, limit: number) => Effect.Effect<ReadonlyArray<EventEnvelope>, StoreError>
    readonly lastSeq: Effect.Effect<number, StoreError>
  }
>()("packbench/core/events/EventLog") {
  static readonly layer = Layer.effect(
    EventLog,
    Effect.gen(function* () {
      const sql = yield* Sql
      const clock = yield* StationClock
      const identity = yield* StationIdentity

      const toEnvelope = (row: EventRow) => eventEnvelopeOf(row, identity)

      const append = Effect.fn("EventLog.append")(function* <Type extends string, Payload>(
        definition: EventDefinition<Type, Payload>,
        payload: Payload,
        options?: AppendOptions
      ) {
        const now = yield* clock.now
        const eventTime = options?.eventTime ?? now
        const encoded = yield* Schema.encodeEffect(definition.payload)(payload).pipe(Effect.orDie)
        const epcis = definition.epcis?.(payload)
        const id = yield* uuid7(now.wallMs)
        return yield* sql.transaction(
          Effect.gen(function* () {
            const last = yield* sql.query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
            const seq = Number(last[0]?.seq ?? 0) + 1
            const row: EventRow = {
              seq,
              id,
              type: definition.type,
              version: definition.version,
              epoch: identity.epoch,
              event_wall_ms: eventTime.wallMs,
              event_mono_ns: eventTime.monoNs,
              ntp_offset_ms: eventTime.ntpOffsetMs ?? null,
              record_time_ms: now.wallMs,
              actor: JSON.stringify(options?.actor ?? SYSTEM),
              payload: JSON.stringify(encoded),
              epcis: epcis === undefined ? null : JSON.stringify(epcis)
            }
            yield* sql.execute(
              `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms,
                 record_time_ms, actor, payload, epcis) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              [
                row.seq,
                row.id,
                row.type,
                row.version,
                row.epoch,
                row.event_wall_ms,
                row.event_mono_ns,
                row.ntp_offset_ms,
                row.record_time_ms,
                row.actor,
                row.payload,
                row.epcis
              ]
            )
            return toEnvelope(row)
          })
        )
      })

      const read = Effect.fn("EventLog.read")(function* (afterSeq: number, limit: number) {
        const rows = yield* sql.query<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", [
          afterSeq,
          limit
        ])
        return rows.map(toEnvelope)
      })

      const lastSeq = sql
        .query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
        .pipe(Effect.map((rows) => Number(rows[0]?.seq ?? 0)))

      return EventLog.of({ append, read, lastSeq })
    })
  )
}
