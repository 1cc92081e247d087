/** The station's inbox: applying numbered messages from shop, site and hub in order, once each. */
import { Clock, Context, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { Bounds, clockProblem } from "../bounds/Bounds.ts"
import { jsonBoundsProblem } from "../bounds/JsonBounds.ts"
import { oneLine } from "../bounds/oneLine.ts"
import { payloadExcerpt } from "../bounds/PayloadExcerpt.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerError, type BrokerMessage } from "./Broker.ts"
import { type ConflictRecord, recordConflict } from "./ConflictLog.ts"
import { makeQuarantine } from "./Quarantine.ts"
import { decodeJson, encodeJson, parseTopic, Topics } from "./Topics.ts"

/** A message from the cloud shop, numbered per stream by the sender. */
export const InboxMessage = Schema.Struct({
  msgId: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(Bounds.maxIdChars)),
  seq: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: Bounds.maxCounter })),
  type: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(Bounds.maxIdChars)),
  version: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: Bounds.maxCounter })),
  payload: Schema.Unknown,
  sentAtMs: Schema.optional(Schema.Finite)
})
export type InboxMessage = typeof InboxMessage.Type

/**
 * "station": the shop's messages to this station; "site": to every station of the site (`.../all/inbox/...`);
 * "hub": the hub's messages to this station (`.../inbox/hub/<type>`), numbered by the hub on their own.
 */
export type InboxStream = "station" | "site" | "hub"

/** What a handler gets besides the payload: enough to apply versioned updates (never let a stale one win). */
export interface InboxContext {
  readonly msgId: string
  readonly seq: number
  readonly stream: InboxStream
  readonly type: string
  readonly version: number
  /** When the sender sent it; undefined when it did not say or its time is more than a day from this clock. */
  readonly sentAtMs: number | undefined
  readonly receivedAtMs: number
}

export type InboxOutcome = "applied" | "duplicate" | "held" | "deferred" | "conflict" | "quarantined" | "failed"

/** How far above a stream's cursor an early message is held; one beyond is asked for again, not kept. */
export const INBOX_HOLD_WINDOW = 1_000
/** Quarantine rows kept; older ones are removed and counted. */
export const INBOX_QUARANTINE_LIMIT = 1_000

interface Registration {
  readonly decode: (payload: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly handler: (payload: unknown, context: InboxContext) => Effect.Effect<void, unknown>
}

class HandlerFailed extends Schema.TaggedError<HandlerFailed>()("HandlerFailed", { reason: Schema.String }) {}

/**
 * Messages into the station (orders, cancellations, address corrections, catalog and rule updates). Each is
 * applied once, in its stream's order: the inbox record and the handler's effect commit in one transaction; a
 * repeat (same msgId, or a seq already passed by the same msgId) is dropped; a message beyond the next is held and
 * the sender is asked to catch up from the gap (`.../catchup` `{stream, fromSeq}`), as on every reconnect.
 * Malformed messages, unknown types and handler failures are quarantined with their reason, published on
 * `.../deadletter`, and the stream moves on: one bad message must not stop a station for days.
 *
 * Nothing real is dropped for a fake: a message at a number already taken (applied or held) by another msgId is a
 * **conflict**: quarantined, recorded in `sync_conflicts` (counted per repeat) and raised to whoever listens
 * (`onConflict`: the bench's alert), never taken for a repeat. Bad input stops here and costs bounded disk: numbers
 * and strings are bounded, a sender's time more than a day off this clock is not believed, quarantined payloads keep
 * 4 KB and their SHA-256, the quarantine keeps its newest rows, and early messages are held only within
 * `INBOX_HOLD_WINDOW` of the cursor.
 */
export class Inbox extends Context.Service<
  Inbox,
  {
    readonly register: <A>(
      type: string,
      schema: Schema.Decoder<A>,
      handler: (payload: A, context: InboxContext) => Effect.Effect<void, unknown>
    ) => Effect.Effect<void>
    readonly start: Effect.Effect<void, BrokerError, Scope.Scope>
    readonly receive: (message: BrokerMessage) => Effect.Effect<InboxOutcome>
    /** Calls `listener` (after commit) for every new conflict in the inbox's streams. */
    readonly onConflict: (listener: (conflict: ConflictRecord) => Effect.Effect<void>) => Effect.Effect<void>
  }
>()("packbench/core/sync/Inbox") {
  static readonly layer = Layer.effect(
    Inbox,
    Effect.gen(function* () {
      const sql = yield* Sql
      const broker = yield* Broker
      const clock = yield* StationClock
      const { siteId, stationId } = yield* StationIdentity
      const registrations = new Map<string, Registration>()
      const conflictListeners: Array<(conflict: ConflictRecord) => Effect.Effect<void>> = []
      const decodeMessage = Schema.decodeUnknownEffect(InboxMessage)
      const lastCatchup = new Map<InboxStream, number>()
      const wallMs = clock.now.pipe(Effect.map((now) => now.wallMs))
      const quarantineTable = makeQuarantine(sql, {
        table: "sync_inbox_quarantine",
        counters: "sync_counters",
        limit: INBOX_QUARANTINE_LIMIT,
        what: "sync inbox"
      })

      // Publishes from inside message processing are forked, not awaited: the MQTT client hands incoming packets to the
      // station one at a time, and the PUBACK of our own publish is one of them, so waiting for it here would stall the
      // inbox until the publish timed out. The quarantine table is the durable record; the topic is a courtesy.
      const deadLetter = (topic: string, payload: Uint8Array, reason: string) => {
        // What the quarantine keeps, no more: a dead letter never carries a flood's payload back out.
        const excerpt = payloadExcerpt(payload)
        return broker
          .publish(
            Topics.deadLetter(siteId, stationId),
            encodeJson({
              topic: topic.slice(0, 1_024),
              reason: reason.slice(0, 2_048),
              payload: excerpt.text,
              payloadSha256: excerpt.sha256,
              payloadBytes: excerpt.bytes
            }),
            { qos: 1, timeoutMs: 10_000 }
          )
          .pipe(
            Effect.catch((error) => Effect.logWarning(`sync inbox: dead-letter publish failed: ${error.message}`)),
            Effect.forkDetach,
            Effect.asVoid
          )
      }

      const quarantine = (topic: string, payload: Uint8Array, reason: string) =>
        Effect.gen(function* () {
          yield* quarantineTable.add(topic, payload, reason, yield* wallMs)
        })

      const lastSeqOf = (stream: InboxStream) =>
        sql
          .query<{ last_seq: number }>("SELECT last_seq FROM sync_inbox_cursor WHERE stream = ?", [stream])
          .pipe(Effect.map((rows) => Number(rows[0]?.last_seq ?? 0)))

      const record = (stream: InboxStream, message: InboxMessage, outcome: string, reason: string | null) =>
        Effect.gen(function* () {
          yield* sql.execute(
            `INSERT INTO sync_inbox (msg_id, stream, seq, type, version, outcome, reason, received_at_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            [message.msgId, stream, message.seq, message.type, message.version, outcome, reason, yield* wallMs]
          )
          yield* sql.execute(
            `INSERT INTO sync_inbox_cursor (stream, last_seq) VALUES (?, ?)
             ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq`,
            [stream, message.seq]
          )
        })

      /** Applies one in-order message; returns a quarantine reason when it cannot be applied. */
      const applyInOrder = (stream: InboxStream, topic: string, message: InboxMessage) =>
        Effect.gen(function* () {
          const refuse = (reason: string) =>
            Effect.gen(function* () {
              yield* record(stream, message, "quarantined", reason)
              yield* quarantine(topic, encodeJson(message), reason)
              return reason
            })
          const registration = registrations.get(message.type)
          if (registration === undefined) return yield* refuse(`unknown message type ${message.type}`)
          const now = yield* wallMs
          const payload = yield* registration.decode(message.payload).pipe(Effect.result)
          if (payload._tag === "Failure") {
            return yield* refuse(`payload does not fit ${message.type}: ${payload.failure.message}`)
          }
          yield* registration
            .handler(payload.success, {
              msgId: message.msgId,
              seq: message.seq,
              stream,
              type: message.type,
              version: message.version,
              sentAtMs:
                message.sentAtMs === undefined || clockProblem(message.sentAtMs, now) !== undefined
                  ? undefined
                  : message.sentAtMs,
              receivedAtMs: now
            })
            .pipe(
              Effect.mapError((error) =>
                // A database that cannot write now is no fault of the message: recorded as failed, it would be lost
                // to its sender's repeat (a duplicate then). Unrecorded, the catch-up brings it again.
                error instanceof StoreError &&
                (error.reason === "Busy" || error.reason === "DiskFull" || error.reason === "ReadOnly")
                  ? error
                  : new HandlerFailed({ reason: String(error) })
              )
            )
          yield* record(stream, message, "applied", null)
          return undefined
        })

      /** Records `message` as failed in place of its handler's rolled-back effect, so its stream moves on. */
      const recordFailure = (
        stream: InboxStream,
        topic: string,
        payload: Uint8Array,
        message: InboxMessage,
        failure: HandlerFailed
      ) =>
        Effect.gen(function* () {
          const reason = `handler for ${message.type} failed: ${failure.reason}`
          yield* sql.transaction(
            Effect.gen(function* () {
              yield* record(stream, message, "failed", reason)
              yield* quarantine(topic, payload, reason)
              yield* sql.execute("DELETE FROM sync_inbox_held WHERE stream = ? AND seq = ?", [stream, message.seq])
            })
          )
          return reason
        })

      /**
       * Applies the held messages that now follow the cursor, each in its own transaction: SQLite has no nested
       * rollback here, so a handler failing in a shared one would take the messages before it down with it.
       * Returns what was refused, for the dead-letter topic.
       */
      const applyHeld = (stream: InboxStream) =>
        Effect.gen(function* () {
          const refused: Array<{ readonly topic: string; readonly payload: Uint8Array; readonly reason: string }> = []
          while (true) {
            const last = yield* lastSeqOf(stream)
            const held = yield* sql.query<{ topic: string; message: string }>(
              "SELECT topic, message FROM sync_inbox_held WHERE stream = ? AND seq = ?",
              [stream, last + 1]
            )
            const next = held[0]
            if (next === undefined) return refused
            const message = yield* decodeMessage(JSON.parse(next.message)).pipe(Effect.orDie)
            const payload = encodeJson(message)
            const reason = yield* sql
              .transaction(
                Effect.gen(function* () {
                  // Another delivery may have moved the stream on since the read above; the loop reads again.
                  if ((yield* lastSeqOf(stream)) !== last) return undefined
                  yield* sql.execute("DELETE FROM sync_inbox_held WHERE stream = ? AND seq = ?", [stream, message.seq])
                  return yield* applyInOrder(stream, next.topic, message)
                })
              )
              .pipe(
                Effect.catchTag("HandlerFailed", (failure) =>
                  recordFailure(stream, next.topic, payload, message, failure)
                )
              )
            if (reason !== undefined) refused.push({ topic: next.topic, payload, reason })
          }
        })

      const requestCatchup = (stream: InboxStream, fromSeq: number, force: boolean) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (!force && now - (lastCatchup.get(stream) ?? Number.NEGATIVE_INFINITY) < 2_000) return
          lastCatchup.set(stream, now)
          yield* broker
            .publish(Topics.catchup(siteId, stationId), encodeJson({ stream, fromSeq }), { qos: 1, timeoutMs: 10_000 })
            .pipe(
              Effect.catch((error) => Effect.logWarning(`sync inbox: catch-up request failed: ${error.message}`)),
              Effect.forkDetach,
              Effect.asVoid
            )
        })

      /** The msgId that holds `seq` of `stream`, applied (or quarantined in its place) or held. */
      const holderOf = (stream: InboxStream, seq: number, last: number) =>
        Effect.gen(function* () {
          const rows =
            seq <= last
              ? yield* sql.query<{ msg_id: string }>("SELECT msg_id FROM sync_inbox WHERE stream = ? AND seq = ?", [
                  stream,
                  seq
                ])
              : yield* sql.query<{ msg_id: string | null; message: string }>(
                  "SELECT msg_id, message FROM sync_inbox_held WHERE stream = ? AND seq = ?",
                  [stream, seq]
                )
          const row = rows[0] as { msg_id: string | null; message?: string } | undefined
          if (row === undefined) return undefined
          return row.msg_id ?? (JSON.parse(row.message ?? "{}") as { msgId?: string }).msgId
        })

      const conflict = (
        stream: InboxStream,
        topic: string,
        payload: Uint8Array,
        message: InboxMessage,
        kept: string,
        reason = `seq ${message.seq} of the ${stream} stream is already taken by ${kept}; ${message.msgId} is quarantined, not taken for a repeat`
      ) =>
        Effect.gen(function* () {
          const record: ConflictRecord = {
            source: `inbox:${stream}`,
            kind: "conflict",
            seq: message.seq,
            refusedId: message.msgId,
            keptId: kept,
            topic,
            reason,
            payload: payloadExcerpt(payload)
          }
          const fresh = yield* recordConflict(sql, clock, record)
          if (fresh) yield* quarantine(topic, payload, `conflict: ${reason}`)
          return fresh ? record : undefined
        })

      const process = (raw: BrokerMessage) =>
        Effect.gen(function* () {
          const topic = parseTopic(raw.topic)
          const reject = (reason: string) =>
            Effect.gen(function* () {
              yield* quarantine(raw.topic, raw.payload, reason)
              yield* deadLetter(raw.topic, raw.payload, reason)
              return "quarantined" as const
            })
          if (topic === undefined || topic.kind !== "inbox" || topic.siteId !== siteId) {
            return yield* reject("not an inbox topic of this site")
          }
          const fromHub = topic.stationId !== "all" && topic.rest.startsWith("hub/")
          const stream: InboxStream = topic.stationId === "all" ? "site" : fromHub ? "hub" : "station"
          const topicType = fromHub ? topic.rest.slice("hub/".length) : topic.rest
          if (topicType === "" || topicType.includes("/")) return yield* reject("not one message type in its topic")
          const json = decodeJson(raw.payload)
          if (!json.ok) return yield* reject(json.reason)
          const bounds = jsonBoundsProblem(json.value)
          if (bounds !== undefined) return yield* reject(`out of bounds: ${bounds}`)
          const decoded = yield* decodeMessage(json.value).pipe(Effect.result)
          if (decoded._tag === "Failure") return yield* reject(`not an inbox message: ${decoded.failure.message}`)
          const message = decoded.success
          if (message.type !== topicType) return yield* reject(`type ${message.type} does not match its topic`)
          const outcome = yield* sql
            .transaction(
              Effect.gen(function* () {
                const seen = yield* sql.query("SELECT 1 FROM sync_inbox WHERE msg_id = ?", [message.msgId])
                const last = yield* lastSeqOf(stream)
                if (seen.length > 0) return { outcome: "duplicate" as const, last, reasons: [] }
                // One id is one message at one number: taken at another, it would be applied there, and the held one
                // could then never be recorded under its id, which would stop the stream at its number for good.
                const heldElsewhere = (yield* sql.query<{ stream: string; seq: number }>(
                  "SELECT stream, seq FROM sync_inbox_held WHERE msg_id = ?",
                  [message.msgId]
                )).find((row) => row.stream !== stream || Number(row.seq) !== message.seq)
                if (heldElsewhere !== undefined) {
                  const reason = `${message.msgId} is held at seq ${heldElsewhere.seq} of the ${heldElsewhere.stream} stream; the same id at seq ${message.seq} is quarantined, not taken for it`
                  const found = yield* conflict(stream, raw.topic, raw.payload, message, message.msgId, reason)
                  return { outcome: "conflict" as const, last, reasons: [], found }
                }
                const kept = yield* holderOf(stream, message.seq, last)
                if (kept !== undefined && kept !== message.msgId) {
                  const found = yield* conflict(stream, raw.topic, raw.payload, message, kept)
                  return { outcome: "conflict" as const, last, reasons: [], found }
                }
                if (message.seq <= last) return { outcome: "duplicate" as const, last, reasons: [] }
                if (message.seq > last + 1) {
                  // Far ahead is not kept: the sender numbers on, and a catch-up brings it again in its turn.
                  if (message.seq > last + INBOX_HOLD_WINDOW) return { outcome: "deferred" as const, last, reasons: [] }
                  yield* sql.execute(
                    `INSERT INTO sync_inbox_held (stream, seq, topic, message, received_at_ms, msg_id)
                     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stream, seq) DO NOTHING`,
                    [stream, message.seq, raw.topic, JSON.stringify(message), yield* wallMs, message.msgId]
                  )
                  return { outcome: "held" as const, last, reasons: [] }
                }
                const first = yield* applyInOrder(stream, raw.topic, message)
                yield* sql.execute("DELETE FROM sync_inbox_held WHERE stream = ? AND seq = ?", [stream, message.seq])
                return {
                  outcome: first === undefined ? ("applied" as const) : ("quarantined" as const),
                  last: message.seq,
                  reasons: first === undefined ? [] : [first]
                }
              })
            )
            .pipe(
              Effect.catchTag("HandlerFailed", (failure) =>
                Effect.map(recordFailure(stream, raw.topic, raw.payload, message, failure), (reason) => ({
                  outcome: "failed" as const,
                  last: message.seq,
                  reasons: [reason]
                }))
              )
            )
          for (const reason of outcome.reasons) yield* deadLetter(raw.topic, raw.payload, reason)
          if (outcome.outcome === "applied" || outcome.outcome === "quarantined" || outcome.outcome === "failed") {
            for (const refused of yield* applyHeld(stream))
              yield* deadLetter(refused.topic, refused.payload, refused.reason)
          }
          if ("found" in outcome && outcome.found !== undefined) {
            const found = outcome.found
            yield* Effect.logError(`sync inbox: conflict: ${oneLine(found.reason)}`)
            yield* deadLetter(raw.topic, raw.payload, found.reason)
            for (const listener of conflictListeners) yield* listener(found)
          }
          if (outcome.outcome === "held" || outcome.outcome === "deferred") {
            yield* requestCatchup(stream, outcome.last + 1, false)
          }
          return outcome.outcome
        })

      const receive = (message: BrokerMessage): Effect.Effect<InboxOutcome> =>
        process(message).pipe(
          Effect.catchCause((cause) =>
            Effect.as(Effect.logError(`sync inbox: processing ${message.topic} failed`, cause), "failed" as const)
          )
        )

      const catchUpAll = Effect.gen(function* () {
        for (const stream of ["station", "site", "hub"] as const) {
          yield* requestCatchup(stream, (yield* lastSeqOf(stream)) + 1, true)
        }
      }).pipe(Effect.catchCause((cause) => Effect.logError("sync inbox: catch-up after reconnect failed", cause)))

      const start = Effect.gen(function* () {
        const handler = (message: BrokerMessage) => Effect.asVoid(receive(message))
        yield* broker.subscribe(Topics.inbox(siteId, stationId), handler)
        yield* broker.subscribe(Topics.siteInbox(siteId), handler)
        const reconnected = yield* Queue.sliding<void>(1)
        let connected = false
        yield* broker.watch((state) => {
          const now = state.connection === "connected"
          if (now && !connected) Queue.offerUnsafe(reconnected, undefined)
          connected = now
        })
        if ((yield* broker.state).connection === "connected") Queue.offerUnsafe(reconnected, undefined)
        connected = (yield* broker.state).connection === "connected"
        yield* Effect.forkScoped(Effect.forever(Effect.andThen(Queue.take(reconnected), catchUpAll)))
      })

      const register = <A>(
        type: string,
        schema: Schema.Decoder<A>,
        handler: (payload: A, context: InboxContext) => Effect.Effect<void, unknown>
      ) =>
        Effect.sync(() => {
          const decode = Schema.decodeUnknownEffect(schema)
          registrations.set(type, {
            decode,
            handler: (payload, context) => handler(payload as A, context)
          })
        })

      const onConflict = (listener: (conflict: ConflictRecord) => Effect.Effect<void>) =>
        Effect.sync(() => {
          conflictListeners.push(listener)
        })

      return Inbox.of({ register, start, receive, onConflict })
    })
  )
}
