/** The exactly-once consumer of a station's event stream: applies, holds out-of-order events, acks after commit. */
import { Clock, Context, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { EventEnvelope } from "../events/Event.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerError, type BrokerMessage } from "./Broker.ts"
import { decodeJson, encodeJson, parseTopic, payloadText, Topics } from "./Topics.ts"

export interface ConsumerOptions {
  /** Site whose stations this consumer follows, or "+" for every site. */
  readonly siteId: string
  /** Whether this consumer knows how to apply `type` at `version`; unknown ones are held, never dropped. */
  readonly knows: (type: string, version: number) => boolean
  /**
   * The effect of one event. Runs inside the transaction that records (station, epoch, seq), so the effect and
   * the record commit together; a failure rolls both back and the event is held until the station sends it again.
   */
  readonly apply: (event: EventEnvelope) => Effect.Effect<void, unknown>
  /** Acks are coalesced over this delay after a commit (cumulative, so one ack covers a burst). */
  readonly ackDelayMs: number
  /** A gap is re-requested at most this often per station epoch. */
  readonly resendIntervalMs: number
  /**
   * Messages from the subscription applied in one transaction at most: one commit (one fsync on the hub's
   * database) covers the batch. 1 applies each event in its own transaction.
   */
  readonly batchSize: number
}

export const defaultConsumerOptions = { ackDelayMs: 20, resendIntervalMs: 2_000, batchSize: 200 } as const

export type ConsumerOutcome = "applied" | "duplicate" | "held" | "quarantined" | "failed"

/**
 * Applies station events exactly once in sequence order per (station, epoch) over at-least-once delivery
 * (the per-client mutation id rule, as in Replicache): the last applied seq is stored in the same transaction as
 * the event's effect; a seq at or below it is a duplicate (acked again, applied never); one beyond the next is
 * held in `sync_consumer_held` and the station is asked to resend from the gap. The cumulative ack is published
 * only after the commit, so a crash between the two costs a resend, never a second application.
 *
 * Messages from the subscription are taken in batches (whatever arrived, up to `batchSize`) and applied in one
 * transaction in arrival order, each by the same rules; a batch in which anything fails is rolled back as a
 * whole and processed again one message per transaction, so one bad event holds back only itself and its
 * successors, never the events before it. The subscription hands messages over through a bounded buffer: the
 * broker's PUBACK for a message may leave before its commit, which is fine because only the cumulative ack after
 * commit confirms anything, and a crash loses only what the station resends.
 */
export class Consumer extends Context.Service<
  Consumer,
  {
    readonly start: Effect.Effect<void, BrokerError, Scope.Scope>
    /** Processes one message as if it came from the broker, in its own transaction. */
    readonly receive: (message: BrokerMessage) => Effect.Effect<ConsumerOutcome>
    /** Processes messages in arrival order in one transaction (the subscription calls this); outcomes in order. */
    readonly receiveBatch: (messages: ReadonlyArray<BrokerMessage>) => Effect.Effect<ReadonlyArray<ConsumerOutcome>>
    /** Applies held events whose turn has come, e.g. after an upgrade taught the consumer a new version. */
    readonly drainHeld: Effect.Effect<number, StoreError>
  }
>()("packbench/core/sync/Consumer") {
  static readonly layer = (
    options: Omit<ConsumerOptions, "ackDelayMs" | "resendIntervalMs" | "batchSize"> & Partial<ConsumerOptions>
  ) => Layer.effect(Consumer, makeConsumer({ ...defaultConsumerOptions, ...options }))
}

interface StreamKey {
  readonly siteId: string
  readonly stationId: string
  readonly epoch: string
}

const keyOf = (key: StreamKey) => `${key.siteId}\u0000${key.stationId}\u0000${key.epoch}`

class ApplyFailed extends Schema.TaggedError<ApplyFailed>()("ApplyFailed", { reason: Schema.String }) {}

const makeConsumer = Effect.fnUntraced(function* (options: ConsumerOptions) {
  const sql = yield* Sql
  const broker = yield* Broker
  const clock = yield* StationClock
  const decodeEnvelope = Schema.decodeUnknownEffect(EventEnvelope)

  /** Last committed seq per stream that still needs acking, and what was last acked. */
  const pendingAcks = new Map<string, StreamKey & { seq: number; acked: number; force: boolean }>()
  const lastResendMs = new Map<string, number>()
  const ackSignal = yield* Queue.sliding<void>(1)

  const wallMs = clock.now.pipe(Effect.map((now) => now.wallMs))

  const quarantine = (topic: string, payload: Uint8Array, reason: string) =>
    Effect.gen(function* () {
      yield* sql.execute(
        "INSERT INTO sync_consumer_quarantine (topic, payload, reason, received_at_ms) VALUES (?, ?, ?, ?)",
        [topic, payloadText(payload), reason, yield* wallMs]
      )
      yield* Effect.logWarning(`sync consumer: quarantined a message on ${topic}: ${reason}`)
      return "quarantined" as const
    })

  const lastSeqOf = (key: StreamKey) =>
    sql
      .query<{ last_seq: number }>(
        "SELECT last_seq FROM sync_consumer_cursor WHERE site_id = ? AND station_id = ? AND epoch = ?",
        [key.siteId, key.stationId, key.epoch]
      )
      .pipe(Effect.map((rows) => Number(rows[0]?.last_seq ?? 0)))

  const hold = (event: EventEnvelope, reason: string) =>
    Effect.gen(function* () {
      yield* sql.execute(
        `INSERT INTO sync_consumer_held (site_id, station_id, epoch, seq, reason, envelope, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (site_id, station_id, epoch, seq) DO UPDATE SET reason = excluded.reason,
           envelope = excluded.envelope, received_at_ms = excluded.received_at_ms`,
        [event.siteId, event.stationId, event.epoch, event.seq, reason, JSON.stringify(event), yield* wallMs]
      )
    })

  const applyOne = (event: EventEnvelope) =>
    Effect.gen(function* () {
      yield* options.apply(event).pipe(Effect.mapError((error) => new ApplyFailed({ reason: String(error) })))
      yield* sql.execute(
        `INSERT INTO sync_consumer_cursor (site_id, station_id, epoch, last_seq, updated_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (site_id, station_id, epoch) DO UPDATE SET last_seq = excluded.last_seq,
           updated_at_ms = excluded.updated_at_ms`,
        [event.siteId, event.stationId, event.epoch, event.seq, yield* wallMs]
      )
    })

  /** Applies held successors of `lastSeq` as long as they are next and known. Inside the caller's transaction. */
  const applyHeldAfter = (key: StreamKey, lastSeq: number) =>
    Effect.gen(function* () {
      let seq = lastSeq
      while (true) {
        const rows = yield* sql.query<{ envelope: string }>(
          "SELECT envelope FROM sync_consumer_held WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?",
          [key.siteId, key.stationId, key.epoch, seq + 1]
        )
        const row = rows[0]
        if (row === undefined) return seq
        const event = yield* decodeEnvelope(JSON.parse(row.envelope)).pipe(Effect.orDie)
        if (!options.knows(event.type, event.version)) return seq
        yield* applyOne(event)
        yield* sql.execute(
          "DELETE FROM sync_consumer_held WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?",
          [key.siteId, key.stationId, key.epoch, event.seq]
        )
        seq = event.seq
      }
    })

  const ackLater = (key: StreamKey, seq: number, force: boolean) => {
    const id = keyOf(key)
    const pending = pendingAcks.get(id)
    if (pending === undefined) pendingAcks.set(id, { ...key, seq, acked: 0, force })
    else {
      pending.seq = Math.max(pending.seq, seq)
      pending.force = pending.force || force
    }
    Queue.offerUnsafe(ackSignal, undefined)
  }

  const requestResend = (key: StreamKey, fromSeq: number) =>
    Effect.gen(function* () {
      const id = keyOf(key)
      const now = yield* Clock.currentTimeMillis
      if (now - (lastResendMs.get(id) ?? Number.NEGATIVE_INFINITY) < options.resendIntervalMs) return
      lastResendMs.set(id, now)
      yield* broker
        .publish(Topics.resend(key.siteId, key.stationId), encodeJson({ epoch: key.epoch, fromSeq }), {
          qos: 1,
          timeoutMs: 10_000
        })
        .pipe(
          Effect.catch((error) => {
            // Forget the attempt so the next held event asks again.
            lastResendMs.delete(id)
            return Effect.logWarning(`sync consumer: resend request failed: ${error.message}`)
          })
        )
    })

  /** Checks a message's topic and envelope; a message that is not a valid event is quarantined here. */
  const admit = (message: BrokerMessage) =>
    Effect.gen(function* () {
      const topic = parseTopic(message.topic)
      if (topic === undefined || topic.kind !== "events") {
        return yield* quarantine(message.topic, message.payload, "not a station event topic")
      }
      const json = decodeJson(message.payload)
      if (!json.ok) return yield* quarantine(message.topic, message.payload, json.reason)
      const decoded = yield* decodeEnvelope(json.value).pipe(Effect.result)
      if (decoded._tag === "Failure") {
        return yield* quarantine(message.topic, message.payload, `not an event envelope: ${decoded.failure.message}`)
      }
      const event = decoded.success
      if (event.siteId !== topic.siteId || event.stationId !== topic.stationId || event.type !== topic.rest) {
        return yield* quarantine(message.topic, message.payload, "envelope does not match its topic")
      }
      if (event.seq < 1) return yield* quarantine(message.topic, message.payload, "sequence numbers start at 1")
      return event
    })

  type Step = {
    readonly outcome: "applied" | "duplicate" | "held" | "failed"
    readonly key: StreamKey
    readonly last: number
  }

  /** Applies, holds or drops one admitted event. Runs inside the caller's transaction. */
  const step = (event: EventEnvelope) =>
    Effect.gen(function* () {
      const key: StreamKey = { siteId: event.siteId, stationId: event.stationId, epoch: event.epoch }
      const last = yield* lastSeqOf(key)
      if (event.seq <= last) return { outcome: "duplicate", key, last } satisfies Step
      if (event.seq > last + 1) {
        yield* hold(event, `gap: waiting for ${last + 1}`)
        return { outcome: "held", key, last } satisfies Step
      }
      if (!options.knows(event.type, event.version)) {
        yield* hold(event, `unknown version ${event.type} v${event.version}`)
        return { outcome: "held", key, last } satisfies Step
      }
      yield* applyOne(event)
      yield* sql.execute(
        "DELETE FROM sync_consumer_held WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?",
        [key.siteId, key.stationId, key.epoch, event.seq]
      )
      return { outcome: "applied", key, last: yield* applyHeldAfter(key, event.seq) } satisfies Step
    })

  /** What follows a commit: ask for a gap, and ack cumulatively (duplicates force a re-ack: theirs was lost). */
  const afterCommit = (result: Step) =>
    Effect.gen(function* () {
      if (result.outcome === "held") yield* requestResend(result.key, result.last + 1)
      if (result.outcome !== "failed") ackLater(result.key, result.last, result.outcome === "duplicate")
      return result.outcome
    })

  const processOne = (event: EventEnvelope) =>
    sql.transaction(step(event)).pipe(
      Effect.catchTag("ApplyFailed", (failure) =>
        Effect.gen(function* () {
          yield* hold(event, `apply failed: ${failure.reason}`)
          yield* Effect.logWarning(`sync consumer: applying ${event.type} seq ${event.seq} failed: ${failure.reason}`)
          const key: StreamKey = { siteId: event.siteId, stationId: event.stationId, epoch: event.epoch }
          return { outcome: "failed", key, last: event.seq - 1 } satisfies Step
        })
      ),
      Effect.flatMap(afterCommit)
    )

  const guarded =
    (topic: string) =>
    <E>(effect: Effect.Effect<ConsumerOutcome, E>): Effect.Effect<ConsumerOutcome> =>
      effect.pipe(
        Effect.catchCause((cause) =>
          Effect.as(Effect.logError(`sync consumer: processing a message on ${topic} failed`, cause), "failed" as const)
        )
      )

  const receive = (message: BrokerMessage): Effect.Effect<ConsumerOutcome> =>
    Effect.gen(function* () {
      const admitted = yield* admit(message)
      return admitted === "quarantined" ? admitted : yield* processOne(admitted)
    }).pipe(guarded(message.topic))

  const receiveBatch = (messages: ReadonlyArray<BrokerMessage>): Effect.Effect<ReadonlyArray<ConsumerOutcome>> =>
    Effect.gen(function* () {
      const admitted = yield* Effect.forEach(messages, (message) =>
        admit(message).pipe(
          Effect.map((event) => ({ message, event })),
          Effect.catchCause((cause) =>
            Effect.as(Effect.logError(`sync consumer: processing a message on ${message.topic} failed`, cause), {
              message,
              event: "failed" as const
            })
          )
        )
      )
      const events = admitted.flatMap(({ event }) => (typeof event === "string" ? [] : [event]))
      const together =
        events.length <= 1
          ? undefined
          : yield* sql
              .transaction(Effect.forEach(events, step))
              .pipe(
                Effect.catchCause((cause) =>
                  Effect.as(
                    Effect.logDebug(`sync consumer: a batch of ${events.length} failed, applying one by one`, cause),
                    undefined
                  )
                )
              )
      const outcomes: Array<ConsumerOutcome> = []
      let next = 0
      for (const { message, event } of admitted) {
        if (typeof event === "string") {
          outcomes.push(event)
          continue
        }
        const committed = together?.[next++]
        outcomes.push(
          yield* (committed === undefined ? processOne(event) : afterCommit(committed)).pipe(guarded(message.topic))
        )
      }
      return outcomes
    })

  const flushAcks = Effect.gen(function* () {
    for (const pending of pendingAcks.values()) {
      if (pending.seq <= pending.acked && !pending.force) continue
      const seq = pending.seq
      pending.force = false
      yield* broker
        .publish(Topics.acks(pending.siteId, pending.stationId), encodeJson({ epoch: pending.epoch, seq }), {
          qos: 1,
          timeoutMs: 10_000
        })
        .pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              pending.acked = Math.max(pending.acked, seq)
            })
          ),
          Effect.catch((error) => {
            pending.force = true
            return Effect.logWarning(`sync consumer: ack failed, will retry: ${error.message}`)
          })
        )
    }
  })

  /** Asks every station seen before to resend after what was applied: covers messages a broker dropped. */
  const resendAllKnown = Effect.gen(function* () {
    const rows = yield* sql.query<{ site_id: string; station_id: string; epoch: string; last_seq: number }>(
      "SELECT site_id, station_id, epoch, last_seq FROM sync_consumer_cursor"
    )
    for (const row of rows) {
      yield* requestResend(
        { siteId: row.site_id, stationId: row.station_id, epoch: row.epoch },
        Number(row.last_seq) + 1
      )
    }
  }).pipe(Effect.catchCause((cause) => Effect.logError("sync consumer: resend after reconnect failed", cause)))

  const start = Effect.gen(function* () {
    // Bounded: when applying falls behind, the subscription handler waits, and so does the broker.
    const incoming = yield* Queue.bounded<BrokerMessage>(Math.max(1, options.batchSize))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          const messages = yield* Queue.takeBetween(incoming, 1, Math.max(1, options.batchSize))
          yield* receiveBatch(messages)
        })
      )
    )
    yield* broker.subscribe(Topics.eventsOf(options.siteId), (message) => Queue.offer(incoming, message))
    const reconnected = yield* Queue.sliding<void>(1)
    let connected = (yield* broker.state).connection === "connected"
    yield* broker.watch((state) => {
      const now = state.connection === "connected"
      if (now && !connected) Queue.offerUnsafe(reconnected, undefined)
      connected = now
    })
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Queue.take(reconnected), resendAllKnown)))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          yield* Queue.take(ackSignal)
          yield* Effect.sleep(options.ackDelayMs)
          yield* flushAcks
        })
      )
    )
    // A broker that lost messages while this consumer was away is healed by asking right away.
    if (connected) yield* Effect.forkScoped(resendAllKnown)
  })

  const drainHeld = sql
    .transaction(
      Effect.gen(function* () {
        // Streams with held events, including those whose very first event was held (no cursor row yet).
        const rows = yield* sql.query<{ site_id: string; station_id: string; epoch: string; last_seq: number }>(
          `SELECT h.site_id, h.station_id, h.epoch, COALESCE(c.last_seq, 0) AS last_seq
         FROM (SELECT DISTINCT site_id, station_id, epoch FROM sync_consumer_held) h
         LEFT JOIN sync_consumer_cursor c USING (site_id, station_id, epoch)`
        )
        let applied = 0
        for (const row of rows) {
          const key = { siteId: row.site_id, stationId: row.station_id, epoch: row.epoch }
          const last = yield* applyHeldAfter(key, Number(row.last_seq))
          applied += last - Number(row.last_seq)
          if (last > Number(row.last_seq)) ackLater(key, last, false)
        }
        return applied
      })
    )
    .pipe(Effect.catchTag("ApplyFailed", (failure) => Effect.die(`held event failed to apply: ${failure.reason}`)))

  return Consumer.of({ start, receive, receiveBatch, drainHeld })
})
