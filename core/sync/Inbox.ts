import { Clock, Context, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerError, type BrokerMessage } from "./Broker.ts"
import { decodeJson, encodeJson, parseTopic, payloadText, Topics } from "./Topics.ts"

/** A message from the cloud shop, numbered per stream by the sender. */
export const InboxMessage = Schema.Struct({
  msgId: Schema.String,
  seq: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  type: Schema.String,
  version: Schema.Int,
  payload: Schema.Unknown,
  sentAtMs: Schema.optional(Schema.Number)
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
  readonly sentAtMs: number | undefined
  readonly receivedAtMs: number
}

export type InboxOutcome = "applied" | "duplicate" | "held" | "quarantined" | "failed"

interface Registration {
  readonly decode: (payload: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly handler: (payload: unknown, context: InboxContext) => Effect.Effect<void, unknown>
}

class HandlerFailed extends Schema.TaggedError<HandlerFailed>()("HandlerFailed", { reason: Schema.String }) {}

/**
 * Messages into the station (orders, cancellations, address corrections, catalog and rule updates). Each is
 * applied once, in its stream's order: the inbox record and the handler's effect commit in one transaction; a
 * repeat (same msgId or a seq already passed) is dropped; a message beyond the next is held and the sender is
 * asked to catch up from the gap (`.../catchup` `{stream, fromSeq}`), as on every reconnect. Malformed messages,
 * unknown types and handler failures are quarantined with their reason, published on `.../deadletter`, and the
 * stream moves on: one bad message must not stop a station for days.
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
      const decodeMessage = Schema.decodeUnknownEffect(InboxMessage)
      const lastCatchup = new Map<InboxStream, number>()
      const wallMs = clock.now.pipe(Effect.map((now) => now.wallMs))

      // Publishes from inside message processing are forked, not awaited: the MQTT client hands incoming packets to the
      // station one at a time, and the PUBACK of our own publish is one of them, so waiting for it here would stall the
      // inbox until the publish timed out. The quarantine table is the durable record; the topic is a courtesy.
      const deadLetter = (topic: string, payload: Uint8Array, reason: string) =>
        broker
          .publish(Topics.deadLetter(siteId, stationId), encodeJson({ topic, reason, payload: payloadText(payload) }), {
            qos: 1,
            timeoutMs: 10_000
          })
          .pipe(
            Effect.catch((error) => Effect.logWarning(`sync inbox: dead-letter publish failed: ${error.message}`)),
            Effect.forkDetach,
            Effect.asVoid
          )

      const quarantine = (topic: string, payload: Uint8Array, reason: string) =>
        Effect.gen(function* () {
          yield* sql.execute(
            "INSERT INTO sync_inbox_quarantine (topic, payload, reason, received_at_ms) VALUES (?, ?, ?, ?)",
            [topic, payloadText(payload), reason, yield* wallMs]
          )
          yield* Effect.logWarning(`sync inbox: quarantined a message on ${topic}: ${reason}`)
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
              sentAtMs: message.sentAtMs,
              receivedAtMs: yield* wallMs
            })
            .pipe(Effect.mapError((error) => new HandlerFailed({ reason: String(error) })))
          yield* record(stream, message, "applied", null)
          return undefined
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
          const json = decodeJson(raw.payload)
          if (!json.ok) return yield* reject(json.reason)
          const decoded = yield* decodeMessage(json.value).pipe(Effect.result)
          if (decoded._tag === "Failure") return yield* reject(`not an inbox message: ${decoded.failure.message}`)
          const message = decoded.success
          if (message.type !== (fromHub ? topic.rest.slice("hub/".length) : topic.rest))
            return yield* reject(`type ${message.type} does not match its topic`)
          const outcome = yield* sql
            .transaction(
              Effect.gen(function* () {
                const seen = yield* sql.query("SELECT 1 FROM sync_inbox WHERE msg_id = ?", [message.msgId])
                const last = yield* lastSeqOf(stream)
                if (seen.length > 0 || message.seq <= last) return { outcome: "duplicate" as const, last, reasons: [] }
                if (message.seq > last + 1) {
                  yield* sql.execute(
                    `INSERT OR REPLACE INTO sync_inbox_held (stream, seq, topic, message, received_at_ms)
                     VALUES (?, ?, ?, ?, ?)`,
                    [stream, message.seq, raw.topic, JSON.stringify(message), yield* wallMs]
                  )
                  return { outcome: "held" as const, last, reasons: [] }
                }
                const reasons: Array<string> = []
                const first = yield* applyInOrder(stream, raw.topic, message)
                if (first !== undefined) reasons.push(first)
                let seq = message.seq
                while (true) {
                  const held = yield* sql.query<{ topic: string; message: string }>(
                    "SELECT topic, message FROM sync_inbox_held WHERE stream = ? AND seq = ?",
                    [stream, seq + 1]
                  )
                  const next = held[0]
                  if (next === undefined) break
                  const parsed = yield* decodeMessage(JSON.parse(next.message)).pipe(Effect.orDie)
                  yield* sql.execute("DELETE FROM sync_inbox_held WHERE stream = ? AND seq = ?", [stream, parsed.seq])
                  const reason = yield* applyInOrder(stream, next.topic, parsed)
                  if (reason !== undefined) reasons.push(reason)
                  seq = parsed.seq
                }
                return {
                  outcome: first === undefined ? ("applied" as const) : ("quarantined" as const),
                  last: seq,
                  reasons
                }
              })
            )
            .pipe(
              Effect.catchTag("HandlerFailed", (failure) =>
                Effect.gen(function* () {
                  const reason = `handler for ${message.type} failed: ${failure.reason}`
                  yield* sql.transaction(
                    Effect.gen(function* () {
                      yield* record(stream, message, "failed", reason)
                      yield* quarantine(raw.topic, raw.payload, reason)
                    })
                  )
                  return { outcome: "failed" as const, last: message.seq, reasons: [reason] }
                })
              )
            )
          for (const reason of outcome.reasons) yield* deadLetter(raw.topic, raw.payload, reason)
          if (outcome.outcome === "held") yield* requestCatchup(stream, outcome.last + 1, false)
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

      return Inbox.of({ register, start, receive })
    })
  )
}
