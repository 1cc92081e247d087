/** Publishes the shop side's inbox messages to stations and answers their catch-up requests. */
import { Duration, Effect, Queue, Schema, type Scope } from "effect"
import type { Sql } from "../../../core/store/Sql.ts"
import type { Broker, BrokerMessage } from "../../../core/sync/Broker.ts"
import { decodeJson, encodeJson, parseTopic, Topics } from "../../../core/sync/Topics.ts"
import { publishStoredMessages } from "../notify/publishStoredMessages.ts"
import { ShopStream } from "./ShopMessages.ts"

const CatchupRequest = Schema.Struct({ stream: Schema.String, fromSeq: Schema.Int })

interface MessageRow {
  readonly msg_id: string
  readonly topic: string
  readonly body: string
}

/**
 * Publishes the shop side's committed inbox messages with the shop side's own broker login (the one publisher of
 * shop inbox messages), in order, and answers the stations' catch-up requests for the streams it numbers: a
 * station asks for `{stream: "site"}` (the orders of its site) or `{stream: "station"}` (its refund answers) from
 * the first sequence it misses, on every reconnect and on a gap. Delivery is at least once; each station's inbox
 * applies a message once.
 */
export const makeShopInboxPublisher = (sql: Sql["Service"], broker: Broker["Service"], now: Effect.Effect<number>) => {
  const decodeCatchup = Schema.decodeUnknownEffect(CatchupRequest)
  const send = (row: MessageRow) =>
    broker.publish(row.topic, encodeJson(JSON.parse(row.body)), { qos: 1, timeoutMs: 10_000 })

  const publishPending = publishStoredMessages({
    sql,
    broker,
    table: "shop_messages",
    limit: 500,
    label: "shop inbox",
    nowMs: now
  })

  const answerCatchup = (message: BrokerMessage) =>
    Effect.gen(function* () {
      const topic = parseTopic(message.topic)
      const json = decodeJson(message.payload)
      if (topic === undefined || !json.ok) return
      const request = yield* decodeCatchup(json.value).pipe(Effect.option)
      if (request._tag === "None") return
      const stream =
        request.value.stream === "site"
          ? ShopStream.site(topic.siteId)
          : request.value.stream === "station"
            ? ShopStream.station(topic.siteId, topic.stationId)
            : undefined
      if (stream === undefined) return
      const rows = yield* sql.query<MessageRow>(
        "SELECT msg_id, topic, body FROM shop_messages WHERE stream = ? AND seq >= ? AND published_at_ms IS NOT NULL ORDER BY seq LIMIT 5000",
        [stream, request.value.fromSeq]
      )
      for (const row of rows) yield* send(row)
    }).pipe(
      Effect.catchCause((cause) => Effect.logWarning("shop inbox: answering a catch-up failed", cause)),
      // Publishing from inside a subscription handler would wait for a PUBACK the client delivers after it.
      Effect.forkDetach,
      Effect.asVoid
    )

  const start = (wakeups: Queue.Dequeue<void>, pollMs: number): Effect.Effect<void, unknown, Scope.Scope> =>
    Effect.gen(function* () {
      yield* broker.subscribe(Topics.catchupsOf("+"), answerCatchup)
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.gen(function* () {
            const sent = yield* publishPending
            if (sent < 500) yield* Effect.raceFirst(Queue.take(wakeups), Effect.sleep(Duration.millis(pollMs)))
          }).pipe(
            Effect.catchCause((cause) =>
              Effect.andThen(
                Effect.logError("shop inbox: publish pass failed", cause),
                Effect.sleep(Duration.millis(pollMs))
              )
            )
          )
        )
      )
    })

  return { publishPending, start }
}
