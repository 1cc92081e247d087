/** The hub's numbered message streams to stations' inboxes, stored until published. */
import { Clock, Context, Duration, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { uuid7 } from "../../../core/events/Uuid7.ts"
import type { Sql as SqlService } from "../../../core/store/Sql.ts"
import { Sql, type StoreError } from "../../../core/store/Sql.ts"
import { Broker, type BrokerError, type BrokerMessage } from "../../../core/sync/Broker.ts"
import { decodeJson, encodeJson, parseTopic, Topics } from "../../../core/sync/Topics.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { publishStoredMessages } from "./publishStoredMessages.ts"

/**
 * The stream a hub message belongs to. A station's inbox numbers each sender's stream on its own, so the hub's
 * messages to a station (`inbox/hub/<type>`) never share sequence numbers with the shop's (`inbox/<type>`).
 */
export const HubStream = {
  station: (siteId: string, stationId: string) => `station:${siteId}/${stationId}`,
  shop: (siteId: string) => `shop:${siteId}`
} as const

export interface HubMessage {
  readonly stream: string
  readonly topic: string
  readonly type: string
  readonly version: number
  readonly payload: unknown
}

/**
 * Records a message for a station or the shop inside the caller's transaction, numbered gap-free per stream, so
 * the decision that calls for it and the message commit together. The publisher sends it after commit.
 */
export const enqueueHubMessage = (sql: SqlService["Service"], message: HubMessage, nowMs: number) =>
  Effect.gen(function* () {
    const rows = yield* sql.query<{ last: number | null }>(
      "SELECT MAX(seq) AS last FROM hub_messages WHERE stream = ?",
      [message.stream]
    )
    const seq = Number(rows[0]?.last ?? 0) + 1
    const msgId = yield* uuid7(nowMs)
    const body = { msgId, seq, type: message.type, version: message.version, payload: message.payload, sentAtMs: nowMs }
    yield* sql.execute(
      "INSERT INTO hub_messages (msg_id, stream, seq, topic, body, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
      [msgId, message.stream, seq, message.topic, JSON.stringify(body), nowMs]
    )
    return seq
  })

const CatchupRequest = Schema.Struct({ stream: Schema.String, fromSeq: Schema.Int })

const CATCHUP_INTERVAL_MS = 2_000
const CATCHUP_PAGE = 500

interface MessageRow {
  readonly msg_id: string
  readonly topic: string
  readonly body: string
}

/**
 * Publishes the hub's committed messages (refund rejections to stations, refund requests to the shop). Delivery
 * is at least once: a row is marked published after its PUBACK, and a station that sees a gap or reconnects asks
 * for its hub stream again (`catchup` `{stream: "hub", fromSeq}`), which is answered from the table; the station's
 * inbox drops what it already applied.
 */
export class HubMessagePublisher extends Context.Service<
  HubMessagePublisher,
  {
    /** Publishes every unpublished message in order; returns how many went out. */
    readonly publishPending: Effect.Effect<number, StoreError>
    /** Runs the publisher until the scope closes, woken by `wakeups` or every `pollMs`. */
    readonly start: (wakeups: Queue.Dequeue<void>, pollMs: number) => Effect.Effect<void, BrokerError, Scope.Scope>
  }
>()("packbench/hub/core/notify/HubMessagePublisher") {
  static readonly layer = Layer.effect(
    HubMessagePublisher,
    Effect.gen(function* () {
      const sql = yield* Sql
      const broker = yield* Broker
      const clock = yield* StationClock
      const decodeCatchup = Schema.decodeUnknownEffect(CatchupRequest)
      /** When each station's hub stream was last sent again: a catch-up is answered at most every 2 s per station. */
      const answeredAt = new Map<string, number>()

      const send = (row: MessageRow) =>
        broker.publish(row.topic, encodeJson(JSON.parse(row.body)), { qos: 1, timeoutMs: 10_000 })

      const publishPending = publishStoredMessages({
        sql,
        broker,
        table: "hub_messages",
        limit: 200,
        label: "hub messages",
        nowMs: Effect.map(clock.now, (now) => now.wallMs)
      })

      const answerCatchup = (message: BrokerMessage) =>
        Effect.gen(function* () {
          const topic = parseTopic(message.topic)
          const json = decodeJson(message.payload)
          if (topic === undefined || !json.ok) return
          const request = yield* decodeCatchup(json.value).pipe(Effect.option)
          if (request._tag === "None" || request.value.stream !== "hub") return
          const stream = HubStream.station(topic.siteId, topic.stationId)
          // Rate-limited and in pages: a flood of catch-up requests costs one page per station every 2 s at most; a
          // station still behind after a page asks again when it sees the next gap.
          const now = yield* Clock.currentTimeMillis
          if (now - (answeredAt.get(stream) ?? Number.NEGATIVE_INFINITY) < CATCHUP_INTERVAL_MS) return
          answeredAt.set(stream, now)
          if (answeredAt.size > 10_000) {
            for (const [key, at] of answeredAt) if (now - at >= CATCHUP_INTERVAL_MS) answeredAt.delete(key)
          }
          const rows = yield* sql.query<MessageRow>(
            "SELECT msg_id, topic, body FROM hub_messages WHERE stream = ? AND seq >= ? ORDER BY seq LIMIT ?",
            [stream, request.value.fromSeq, CATCHUP_PAGE]
          )
          for (const row of rows) yield* send(row)
        }).pipe(
          Effect.catchCause((cause) => Effect.logWarning("hub messages: answering a catch-up failed", cause)),
          // Publishing from inside a subscription handler would wait for a PUBACK the client delivers after it.
          Effect.forkDetach,
          Effect.asVoid
        )

      const start = (wakeups: Queue.Dequeue<void>, pollMs: number) =>
        Effect.gen(function* () {
          yield* broker.subscribe(Topics.catchupsOf("+"), answerCatchup)
          yield* Effect.forkScoped(
            Effect.forever(
              Effect.gen(function* () {
                yield* publishPending
                yield* Effect.raceFirst(Queue.take(wakeups), Effect.sleep(Duration.millis(pollMs)))
              }).pipe(
                Effect.catchCause((cause) =>
                  Effect.andThen(
                    Effect.logError("hub messages: publish pass failed", cause),
                    Effect.sleep(Duration.millis(pollMs))
                  )
                )
              )
            )
          )
        })

      return HubMessagePublisher.of({ publishPending, start })
    })
  )
}
