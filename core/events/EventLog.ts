/** The station's append-only event log: appending encoded events and reading them back. */
import { Context, Effect, Layer, Schema } from "effect"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import type { Actor, EventEnvelope } from "./Event.ts"
import type { EventDefinition } from "./EventDefinition.ts"
import { uuid7, uuid7Many } from "./Uuid7.ts"

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

/**
 * The JSON text of `eventEnvelopeOf(row, identity)` with `seq` in place of the row's, built from the row's stored
 * JSON columns as they are (they were written by JSON.stringify) instead of parsing and stringifying them again: the
 * outbox publishes every event as this text. The same bytes as `JSON.stringify({ ...eventEnvelopeOf(row), seq })`.
 */
export const envelopeJsonOf = (
  row: EventRow,
  identity: { readonly siteId: string; readonly stationId: string },
  seq: number
): string =>
  `{"id":${JSON.stringify(row.id)},"type":${JSON.stringify(row.type)},"version":${JSON.stringify(Number(row.version))},` +
  `"siteId":${JSON.stringify(identity.siteId)},"stationId":${JSON.stringify(identity.stationId)},` +
  `"epoch":${JSON.stringify(row.epoch)},"seq":${JSON.stringify(seq)},` +
  `"eventTime":{"wallMs":${JSON.stringify(Number(row.event_wall_ms))},"monoNs":${JSON.stringify(row.event_mono_ns)}` +
  `${row.ntp_offset_ms === null ? "" : `,"ntpOffsetMs":${JSON.stringify(row.ntp_offset_ms)}`}},` +
  `"recordTimeMs":${JSON.stringify(Number(row.record_time_ms))},"actor":${row.actor},"payload":${row.payload}` +
  `${row.epcis === null ? "" : `,"epcis":${row.epcis}`}}`

export interface AppendOptions {
  /** When the fact happened, as the device that saw it stamped it; defaults to now. */
  readonly eventTime?: Timestamp
  readonly actor?: Actor
}

/** Rows per multi-row INSERT of `appendAll`: 12 columns each, well under SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 500

/**
 * The station's append-only event log. `append` joins the caller's transaction, so a state change and the event
 * that records it commit together or not at all; the sequence number is the previous one plus one inside that same
 * transaction, which keeps sequences gap-free.
 *
 * Durability is per transaction: an event is recorded when the transaction that appended it has committed (one fsync,
 * WAL and synchronous=FULL), never before. `appendAll` is for a caller with many events of one type at once (an import,
 * a backlog): they take consecutive numbers and commit together in one transaction (the caller's, or their own), so
 * after a crash all of them are there or none, and a caller that reported them recorded only after it returned keeps
 * the same promise as with `append`, at one commit for the lot instead of one each.
 */
export class EventLog extends Context.Service<
  EventLog,
  {
    readonly append: <Type extends string, Payload>(
      definition: EventDefinition<Type, Payload>,
      payload: NoInfer<Payload>,
      options?: AppendOptions
    ) => Effect.Effect<EventEnvelope, StoreError>
    /** Appends every payload of `definition` in order, in one transaction; returns their envelopes in order. */
    readonly appendAll: <Type extends string, Payload>(
      definition: EventDefinition<Type, Payload>,
      payloads: ReadonlyArray<NoInfer<Payload>>,
      options?: AppendOptions
    ) => Effect.Effect<ReadonlyArray<EventEnvelope>, StoreError>
    readonly read: (afterSeq: number, limit: number) => Effect.Effect<ReadonlyArray<EventEnvelope>, StoreError>
    /** The stored rows after `afterSeq`, in order, as they are: for the outbox, which sends them as `envelopeJsonOf`. */
    readonly readRows: (afterSeq: number, limit: number) => Effect.Effect<ReadonlyArray<EventRow>, StoreError>
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

      const appendAll = Effect.fn("EventLog.appendAll")(function* <Type extends string, Payload>(
        definition: EventDefinition<Type, Payload>,
        payloads: ReadonlyArray<Payload>,
        options?: AppendOptions
      ) {
        if (payloads.length === 0) return []
        const now = yield* clock.now
        const eventTime = options?.eventTime ?? now
        const actor = options?.actor ?? SYSTEM
        const actorText = JSON.stringify(actor)
        // One look-up of the Random service and a synchronous encoder for the lot: an Effect per event costs more
        // than its row. A payload its schema cannot encode is a defect, as in `append`.
        const ids = yield* uuid7Many(now.wallMs, payloads.length)
        const encode = Schema.encodeSync(definition.payload)
        const prepared = yield* Effect.sync(() =>
          payloads.map((payload, index) => ({
            id: ids[index]!,
            encoded: encode(payload) as unknown,
            epcis: definition.epcis?.(payload)
          }))
        )
        return yield* sql.transaction(
          Effect.gen(function* () {
            const last = yield* sql.query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
            const first = Number(last[0]?.seq ?? 0) + 1
            const envelopes: Array<EventEnvelope> = []
            for (let start = 0; start < prepared.length; start += ROWS_PER_INSERT) {
              const chunk = prepared.slice(start, start + ROWS_PER_INSERT)
              const params: Array<string | number | null> = []
              chunk.forEach((event, index) => {
                const seq = first + start + index
                params.push(
                  seq,
                  event.id,
                  definition.type,
                  definition.version,
                  identity.epoch,
                  eventTime.wallMs,
                  eventTime.monoNs,
                  eventTime.ntpOffsetMs ?? null,
                  now.wallMs,
                  actorText,
                  JSON.stringify(event.encoded),
                  event.epcis === undefined ? null : JSON.stringify(event.epcis)
                )
                envelopes.push({
                  id: event.id,
                  type: definition.type,
                  version: definition.version,
                  siteId: identity.siteId,
                  stationId: identity.stationId,
                  epoch: identity.epoch,
                  seq,
                  eventTime,
                  recordTimeMs: now.wallMs,
                  actor,
                  payload: event.encoded,
                  ...(event.epcis === undefined ? {} : { epcis: event.epcis })
                })
              })
              yield* sql.execute(
                `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms,
                   record_time_ms, actor, payload, epcis) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
                params
              )
            }
            return envelopes
          })
        )
      })

      const readRows = (afterSeq: number, limit: number) =>
        sql.query<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", [afterSeq, limit])

      const read = (afterSeq: number, limit: number) =>
        readRows(afterSeq, limit).pipe(Effect.map((rows) => rows.map(toEnvelope)))

      const lastSeq = sql
        .query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events")
        .pipe(Effect.map((rows) => Number(rows[0]?.seq ?? 0)))

      return EventLog.of({ append, appendAll, read, readRows, lastSeq })
    })
  )
}
