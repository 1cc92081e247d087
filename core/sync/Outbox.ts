/** The station's outbox: publishing logged events to the broker until the consumer acknowledges them. */
import { Cause, Clock, Context, Effect, Exit, type Fiber, Layer, Option, Queue, Schema, type Scope } from "effect"
import { encodeUtf8 } from "../bounds/Utf8.ts"
import { EventLog, type EventRow, envelopeJsonOf } from "../events/EventLog.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerError, type BrokerMessage, type BrokerState, type PublishAck } from "./Broker.ts"
import { joinBundle } from "./Bundle.ts"
import { HighWaterMark } from "./HighWaterMark.ts"
import { decodeJson, Topics } from "./Topics.ts"

/**
 * `{epoch, seq}`: the consumer applied every event of `epoch` up to `seq` (cumulative). `bundleMax`: the most events
 * the consumer takes in one bundle (`Topics.eventBundle`); a consumer that does not say so takes none.
 */
export const AckMessage = Schema.Struct({
  epoch: Schema.String,
  seq: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  bundleMax: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
})
export type AckMessage = typeof AckMessage.Type

/** `{epoch, fromSeq}`: the consumer misses `fromSeq` and asks for everything from there. */
export const ResendRequest = Schema.Struct({
  epoch: Schema.String,
  fromSeq: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
})
export type ResendRequest = typeof ResendRequest.Type

export interface OutboxOptions {
  /** Events read from SQLite per round: memory stays flat whatever the backlog. */
  readonly batchSize: number
  /** Publishes waiting for their PUBACK at once; keep at or below the broker's `max_inflight_messages`. */
  readonly maxInFlight: number
  /** Events published but not yet confirmed before the outbox stops and waits for acks. */
  readonly maxUnconfirmed: number
  readonly publishTimeoutMs: number
  /** No ack progress for this long while events are unconfirmed: resend from confirmed + 1 (doubling, max 32x). */
  readonly ackTimeoutMs: number
  /** Paced drain: a backlog goes out at most this fast, so catching up does not swamp the uplink or the hub. */
  readonly drainRatePerSec: number
  readonly retryInitialMs: number
  readonly retryMaxMs: number
  /** How often the idle loop looks for new events or an ack timeout when nobody kicks it. */
  readonly idlePollMs: number
  /** Window over which `drainRatePerSec` is measured. */
  readonly rateWindowMs: number
  /**
   * A resend request rewinds the publisher at most this often; more within the interval are ignored (the consumer
   * asks again while its gap lasts), so a flood of requests cannot make the station send its backlog over and over.
   */
  readonly resendMinIntervalMs: number
  /**
   * The published and confirmed marks are written this long after they moved, both in one commit, and at most once
   * per interval: the commit's fsync then falls after the burst of work that moved them (a parcel's label among it)
   * instead of inside it. A mark lost to a crash in between costs a resend of what it covered, never an event.
   */
  readonly markDelayMs: number
  /**
   * Consecutive events waiting to go are sent together in one message (a bundle), at most this many and at most as
   * many as the consumer's acks say it takes: a backlog costs the broker and both ends one message per bundle
   * instead of one per event. A lone event goes alone, at once. 1 sends every event alone.
   */
  readonly bundleMax: number
  /** A bundle's payload stays within this many bytes (an event larger than that goes alone). */
  readonly bundleBytes: number
}

export const defaultOutboxOptions: OutboxOptions = {
  batchSize: 200,
  maxInFlight: 50,
  maxUnconfirmed: 10_000,
  publishTimeoutMs: 10_000,
  ackTimeoutMs: 15_000,
  drainRatePerSec: 5_000,
  retryInitialMs: 250,
  retryMaxMs: 30_000,
  idlePollMs: 1_000,
  rateWindowMs: 10_000,
  resendMinIntervalMs: 1_000,
  markDelayMs: 250,
  bundleMax: 64,
  bundleBytes: 262_144
}

export interface OutboxStatus {
  readonly epoch: string
  /** Events in the log not yet confirmed by the consumer. */
  readonly depth: number
  /** Age of the oldest unconfirmed event by its record time; null when nothing is waiting. */
  readonly oldestUndeliveredAgeMs: number | null
  /** Log sequence numbers (as `packbench events tail` shows them). */
  readonly lastSeq: number
  readonly lastPublishedSeq: number
  readonly lastConfirmedSeq: number
  readonly drainRatePerSec: number
  readonly broker: BrokerState
  /** The last reason a publish did not count as delivered. */
  readonly lastPublishError: string | undefined
}

interface EpochRange {
  readonly epoch: string
  readonly base: number
  end: number | undefined
}

/**
 * The outbound half of sync. The event log is the outbox; this service walks it in sequence order and publishes
 * each event as the JSON of its envelope on `packbench/v1/<site>/<station>/events/<type>`, numbered per epoch.
 *
 * Delivery states, each a prefix of the log: *published* (the broker PUBACKed with a success code) and
 * *confirmed* (the consumer's cumulative ack). Only confirmation ends an event's journey: a PUBACK is not
 * durability (brokers lose queued messages on a crash or when a queue fills), so everything unconfirmed is sent
 * again on reconnect, on a consumer's resend request and after an ack timeout. Duplicates are the consumer's to
 * drop. An epoch is sent only after the previous one is fully confirmed, so cumulative acks stay meaningful.
 */
export class Outbox extends Context.Service<
  Outbox,
  {
    /** Subscribes to acks and resend requests and runs the publisher until the scope closes. */
    readonly start: Effect.Effect<void, BrokerError, Scope.Scope>
    /** Wakes the publisher now (after an append), so latency stays low without polling fast. */
    readonly kick: Effect.Effect<void>
    readonly status: Effect.Effect<OutboxStatus, StoreError>
    /** Calls `listener` whenever published/confirmed/broker state moved, until the scope closes. */
    readonly onChange: (listener: () => void) => Effect.Effect<void, never, Scope.Scope>
  }
>()("packbench/core/sync/Outbox") {
  static readonly layer = (overrides: Partial<OutboxOptions> = {}) => Layer.effect(Outbox, makeOutbox(overrides))
}

const NO_SUBSCRIBERS = 0x10

const makeOutbox = Effect.fnUntraced(function* (overrides: Partial<OutboxOptions>) {
  const options: OutboxOptions = { ...defaultOutboxOptions, ...overrides }
  const sql = yield* Sql
  const broker = yield* Broker
  const log = yield* EventLog
  const clock = yield* StationClock
  const identity = yield* StationIdentity
  const highWaterMark = yield* HighWaterMark
  const { siteId, stationId } = identity

  const wake = yield* Queue.sliding<void>(1)
  const marksChanged = yield* Queue.sliding<void>(1)
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of listeners) listener()
  }

  const epochs = new Map<string, EpochRange>()
  const state = {
    confirmed: 0,
    published: 0,
    sendCursor: 0,
    /** Highest log seq handed to the broker in this process: an ack may not confirm beyond it. */
    sentHigh: 0,
    rewindTo: undefined as number | undefined,
    markSeq: 0,
    lastAckProgressMs: 0,
    ackTimeouts: 0,
    failures: 0,
    connected: false,
    reconnected: false,
    lastPublishError: undefined as string | undefined,
    lastResendMs: Number.NEGATIVE_INFINITY,
    /** Events per message the consumer takes, as its latest ack said (1 until one says more). */
    bundleMax: 1,
    samples: [] as Array<{ readonly atMs: number; readonly confirmed: number }>
  }

  const nowMs = Clock.currentTimeMillis

  const rows = yield* sql.query<{
    epoch: string
    base_seq: number
    end_seq: number | null
    published_seq: number
    confirmed_seq: number
  }>("SELECT epoch, base_seq, end_seq, published_seq, confirmed_seq FROM sync_outbox_epochs ORDER BY base_seq")
  for (const row of rows) {
    const base = Number(row.base_seq)
    epochs.set(row.epoch, { epoch: row.epoch, base, end: row.end_seq === null ? undefined : Number(row.end_seq) })
    // An epoch's row exists before any of its events is confirmed; `base + 0` says nothing about earlier epochs.
    if (Number(row.confirmed_seq) > 0) state.confirmed = Math.max(state.confirmed, base + Number(row.confirmed_seq))
    if (Number(row.published_seq) > 0) state.published = Math.max(state.published, base + Number(row.published_seq))
  }
  state.sendCursor = state.confirmed
  state.sentHigh = state.published
  state.markSeq = (yield* highWaterMark.read)?.seq ?? 0
  state.lastAckProgressMs = yield* nowMs

  /** The range of `epoch`, created the first time one of its events is read (its events are contiguous). */
  const epochRange = Effect.fnUntraced(function* (epoch: string) {
    const known = epochs.get(epoch)
    if (known !== undefined) return known
    const first = yield* sql.query<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM events WHERE epoch = ?", [
      epoch
    ])
    const base = Number(first[0]?.seq ?? 1) - 1
    const now = (yield* clock.now).wallMs
    yield* sql.transaction(
      Effect.gen(function* () {
        yield* sql.execute("UPDATE sync_outbox_epochs SET end_seq = ? WHERE end_seq IS NULL AND base_seq < ?", [
          base,
          base
        ])
        yield* sql.execute(
          "INSERT OR IGNORE INTO sync_outbox_epochs (epoch, base_seq, updated_at_ms) VALUES (?, ?, ?)",
          [epoch, base, now]
        )
      })
    )
    for (const range of epochs.values()) if (range.end === undefined && range.base < base) range.end = base
    const range: EpochRange = { epoch, base, end: undefined }
    epochs.set(epoch, range)
    return range
  })

  const rangeOfSeq = (seq: number): EpochRange | undefined => {
    for (const range of epochs.values()) {
      if (seq > range.base && (range.end === undefined || seq <= range.end)) return range
    }
    return undefined
  }

  const persist = (column: "published_seq" | "confirmed_seq", logSeq: number) =>
    Effect.gen(function* () {
      const range = rangeOfSeq(logSeq)
      if (range === undefined) return
      const now = (yield* clock.now).wallMs
      yield* sql.execute(
        `UPDATE sync_outbox_epochs SET ${column} = MAX(${column}, ?), updated_at_ms = ? WHERE epoch = ?`,
        [logSeq - range.base, now, range.epoch]
      )
    })

  /** The marks as last written, so a commit carries only what moved. */
  const written = { published: state.published, confirmed: state.confirmed }
  /** Writes the published and confirmed marks that moved since the last write, in one commit. */
  const persistMarks = Effect.gen(function* () {
    const published = state.published
    const confirmed = state.confirmed
    if (published <= written.published && confirmed <= written.confirmed) return
    yield* sql.transaction(
      Effect.gen(function* () {
        if (published > written.published) yield* persist("published_seq", published)
        if (confirmed > written.confirmed) yield* persist("confirmed_seq", confirmed)
      })
    )
    written.published = Math.max(written.published, published)
    written.confirmed = Math.max(written.confirmed, confirmed)
  })

  const rewind = (logSeq: number) => {
    state.rewindTo = Math.min(state.rewindTo ?? Number.POSITIVE_INFINITY, logSeq)
    Queue.offerUnsafe(wake, undefined)
  }

  /**
   * A cumulative ack confirms what the station sent, never more: an ack above the highest event handed to the
   * broker (in this process, or published before it) cannot be the consumer's honest word and is refused and
   * logged, so a forged ack cannot mark unsent or unreceived events confirmed.
   */
  const onAck = (message: BrokerMessage) =>
    Effect.gen(function* () {
      const ack = yield* decodeControl(AckMessage, message)
      if (ack === undefined) return
      // The consumer's word on bundles, from its latest ack: one that stops saying it (an older hub) gets none.
      state.bundleMax = Math.max(1, Math.min(options.bundleMax, ack.bundleMax ?? 1))
      const range = epochs.get(ack.epoch)
      if (range === undefined) {
        return yield* Effect.logWarning(`sync: ack for unknown epoch ${ack.epoch} ignored`)
      }
      const logSeq = range.base + ack.seq
      const sent = Math.min(Math.max(state.sentHigh, state.published), range.end ?? Number.POSITIVE_INFINITY)
      if (logSeq > sent) {
        return yield* Effect.logWarning(
          `sync: refused an ack of epoch ${ack.epoch} up to seq ${ack.seq}: this station has sent only up to seq ${Math.max(0, sent - range.base)} of it`
        )
      }
      if (logSeq <= state.confirmed) return
      state.confirmed = logSeq
      state.lastAckProgressMs = yield* nowMs
      state.ackTimeouts = 0
      // Written by a separate fiber: the driver processes incoming packets (PUBACKs included) only after this
      // handler returns, so an fsync here would delay every publish. A lost update only means a resend.
      Queue.offerUnsafe(marksChanged, undefined)
      Queue.offerUnsafe(wake, undefined)
      notify()
    }).pipe(Effect.catchCause((cause) => Effect.logError("sync: recording an ack failed", cause)))

  const onResend = (message: BrokerMessage) =>
    Effect.gen(function* () {
      const request = yield* decodeControl(ResendRequest, message)
      if (request === undefined) return
      const range = epochs.get(request.epoch)
      if (range === undefined) {
        return yield* Effect.logWarning(`sync: resend request for unknown epoch ${request.epoch} ignored`)
      }
      const now = yield* nowMs
      if (now - state.lastResendMs < options.resendMinIntervalMs) {
        return yield* Effect.logDebug(`sync: resend request from ${request.fromSeq} within the rate limit ignored`)
      }
      state.lastResendMs = now
      rewind(range.base + request.fromSeq - 1)
    })

  /** An event ready for the wire: its topic and the JSON of its envelope numbered within its epoch, encoded once. */
  interface Outgoing {
    readonly seq: number
    readonly topic: string
    readonly payload: Uint8Array
  }

  // No MQTT 5 user properties: nothing reads them (the envelope carries id, epoch and seq, and MQTT 3.1.1 drops
  // them), and encoding and copying them cost every publish.
  const outgoingOf = (row: EventRow, range: EpochRange): Outgoing => {
    const seq = Number(row.seq)
    return {
      seq,
      topic: Topics.event(siteId, stationId, row.type),
      payload: encodeUtf8(envelopeJsonOf(row, identity, seq - range.base))
    }
  }

  const publishOptions = { qos: 1, timeoutMs: options.publishTimeoutMs } as const
  const bundleTopic = Topics.eventBundle(siteId, stationId)

  /** Why the broker's answer means the event was not delivered, or undefined when it was. */
  const outcomeOf = (exit: Exit.Exit<PublishAck, BrokerError>): string | undefined => {
    if (Exit.isSuccess(exit)) {
      const code = exit.value.reasonCode
      return code === NO_SUBSCRIBERS
        ? "broker has no subscriber for the topic (reason code 0x10): not delivered"
        : code >= 0x80
          ? `broker refused the event (reason code 0x${code.toString(16)})`
          : undefined
    }
    const error = Cause.findErrorOption(exit.cause)
    return Option.isSome(error)
      ? `${error.value.reason}: ${error.value.message}`
      : `publish did not finish: ${Cause.pretty(exit.cause)}`
  }

  /**
   * The events after `afterSeq` the window allows next (one page), cut at an epoch change until the earlier epoch is
   * confirmed. Before any of them leaves, the high-water mark covers them and `sentHigh` is raised to the last: the
   * consumer may ack an event before its own PUBACK is back.
   */
  const nextPage = Effect.fnUntraced(function* (afterSeq: number) {
    const room = state.confirmed + options.maxUnconfirmed - afterSeq
    if (room <= 0) return []
    const rows = yield* log.readRows(afterSeq, Math.min(options.batchSize, room))
    const page: Array<Outgoing> = []
    for (const row of rows) {
      const range = epochs.get(row.epoch) ?? (yield* epochRange(row.epoch))
      if (range.base > state.confirmed) break
      page.push(outgoingOf(row, range))
    }
    const last = page.at(-1)
    if (last !== undefined && last.seq > state.markSeq) {
      // Raised to the log's end, not just this page: one durable write covers a whole backlog drain.
      const lastSeq = yield* log.lastSeq
      yield* highWaterMark.write({ epoch: identity.epoch, seq: lastSeq })
      state.markSeq = lastSeq
    }
    if (last !== undefined) state.sentHigh = Math.max(state.sentHigh, last.seq)
    return page
  })

  interface PumpResult {
    /** The last event of the contiguous run the broker accepted, or the cursor the pump started from. */
    readonly delivered: number
    /** Why the first event after `delivered` was not delivered; undefined when the pump simply ran out of work. */
    readonly failure: string | undefined
    /** Reading the log failed: the round fails with it once the publishes in flight are settled. */
    readonly readFailure: Cause.Cause<StoreError> | undefined
  }

  /**
   * Publishes from `afterSeq` on as a pipeline: up to `maxInFlight` publishes wait for their PUBACK at once and each
   * answer lets the next event go at once (answers that arrive together send their successors in one socket write),
   * while the next page is read from SQLite before the current one runs out, so the window never empties between
   * pages. It stops taking new events at the first failure, a rewind, a lost link, the end of the log or the
   * unconfirmed limit, waits for what is in flight and reports the contiguous run delivered. The drain-rate cap
   * holds the launches to `drainRatePerSec` on average (a page may go at once).
   */
  const pump = (afterSeq: number, first: ReadonlyArray<Outgoing>, services: Context.Context<never>) =>
    Effect.callback<PumpResult>((resume) => {
      const run = Effect.runForkWith(services)
      const clockService = Context.get(services, Clock.Clock)
      const startedMs = clockService.currentTimeMillisUnsafe()
      const queue: Array<Outgoing> = [...first]
      let queueHead = 0
      let queuedUpTo = first.at(-1)?.seq ?? afterSeq
      /** Launched events in order, and the answers of those not yet folded into `delivered`. */
      const launched: Array<number> = []
      let launchedHead = 0
      const answers = new Map<number, string | undefined>()
      let launchedCount = 0
      let inFlight = 0
      let delivered = afterSeq
      let persistedAt = afterSeq
      let failure: string | undefined
      let readFailure: Cause.Cause<StoreError> | undefined
      let reading = false
      let exhausted = false
      let stopping = false
      let pacer: Fiber.Fiber<void> | undefined
      let done = false

      const shouldStop = () =>
        stopping ||
        failure !== undefined ||
        readFailure !== undefined ||
        state.rewindTo !== undefined ||
        !state.connected

      const finish = () => {
        if (done || inFlight > 0 || reading || pacer !== undefined) return
        if (!shouldStop() && !(exhausted && queueHead >= queue.length)) return
        done = true
        resume(Effect.succeed({ delivered, failure, readFailure }))
      }

      const fold = () => {
        const before = delivered
        while (launchedHead < launched.length) {
          const seq = launched[launchedHead]!
          if (!answers.has(seq)) break
          const answer = answers.get(seq)
          if (answer !== undefined) {
            failure ??= answer
            break
          }
          answers.delete(seq)
          delivered = seq
          launchedHead++
        }
        if (launchedHead > 4096) {
          launched.splice(0, launchedHead)
          launchedHead = 0
        }
        if (delivered === before) return
        state.published = Math.max(state.published, delivered)
        if (delivered - persistedAt >= options.batchSize * 10) {
          persistedAt = delivered
          Queue.offerUnsafe(marksChanged, undefined)
          notify()
        }
      }

      const read = () => {
        if (reading || exhausted || shouldStop() || queue.length - queueHead >= options.maxInFlight) return
        reading = true
        const from = queuedUpTo
        run(nextPage(from)).addObserver((exit) => {
          reading = false
          if (Exit.isFailure(exit)) readFailure = exit.cause
          else if (exit.value.length === 0) exhausted = true
          else if (!shouldStop()) {
            if (queueHead > 0) {
              queue.splice(0, queueHead)
              queueHead = 0
            }
            queue.push(...exit.value)
            queuedUpTo = exit.value.at(-1)!.seq
          }
          launch()
        })
      }

      /** The next queued event, with up to `most - 1` more after it as one bundle when there are. */
      const takeMessage = (most: number) => {
        const first = queue[queueHead++]!
        let end = queueHead
        let bytes = 2 + first.payload.length
        while (end < queue.length && end - queueHead + 1 < most) {
          const size = queue[end]!.payload.length + 1
          if (bytes + size > options.bundleBytes) break
          bytes += size
          end++
        }
        if (end === queueHead) return { seqs: [first.seq], topic: first.topic, payload: first.payload }
        const parts = [first, ...queue.slice(queueHead, end)]
        queueHead = end
        return { seqs: parts.map((part) => part.seq), topic: bundleTopic, payload: joinBundle(parts, bytes) }
      }

      const launch = () => {
        while (!shouldStop() && inFlight < options.maxInFlight && queueHead < queue.length) {
          const allowance =
            ((clockService.currentTimeMillisUnsafe() - startedMs) * options.drainRatePerSec) / 1000 + options.batchSize
          if (launchedCount >= allowance) {
            if (pacer === undefined) {
              const waitMs = Math.max(1, Math.ceil(((launchedCount - allowance + 1) * 1000) / options.drainRatePerSec))
              const sleeping = run(Effect.sleep(waitMs))
              pacer = sleeping
              sleeping.addObserver(() => {
                pacer = undefined
                launch()
              })
            }
            break
          }
          const message = takeMessage(Math.min(state.bundleMax, Math.max(1, Math.floor(allowance - launchedCount))))
          launched.push(...message.seqs)
          launchedCount += message.seqs.length
          inFlight++
          run(broker.publish(message.topic, message.payload, publishOptions)).addObserver((exit) => {
            inFlight--
            const outcome = outcomeOf(exit)
            for (const seq of message.seqs) answers.set(seq, outcome)
            fold()
            launch()
          })
        }
        read()
        finish()
      }

      launch()
      return Effect.sync(() => {
        stopping = true
        pacer?.interruptUnsafe()
      })
    })

  const logPersistFailure = (cause: Cause.Cause<StoreError>) =>
    Effect.logError("sync: recording progress failed", cause)

  const waitForWork = (ms: number) => Queue.take(wake).pipe(Effect.timeoutOption(ms), Effect.asVoid)

  const checkAckTimeout = Effect.gen(function* () {
    if (state.sendCursor <= state.confirmed) return
    const now = yield* nowMs
    const limit = options.ackTimeoutMs * 2 ** Math.min(state.ackTimeouts, 5)
    if (now - state.lastAckProgressMs < limit) return
    state.ackTimeouts += 1
    state.lastAckProgressMs = now
    yield* Effect.logInfo(
      `sync: no ack for ${limit} ms, resending from ${state.confirmed + 1}` +
        (state.bundleMax > 1 ? " one event a message until an ack says the consumer takes bundles" : "")
    )
    // A consumer that quarantines the bundles (replaced by one from before them, or one that takes fewer) never
    // acks them, and so could never say so: the resend goes one event a message, and the next ack tells again.
    state.bundleMax = 1
    rewind(state.confirmed)
  })

  const round = Effect.gen(function* () {
    if (state.reconnected) {
      state.reconnected = false
      state.lastAckProgressMs = yield* nowMs
    }
    if (state.rewindTo !== undefined) {
      state.sendCursor = Math.min(state.sendCursor, state.rewindTo)
      state.rewindTo = undefined
    }
    if (!state.connected) return yield* waitForWork(options.idlePollMs)
    const first = yield* nextPage(state.sendCursor)
    if (first.length === 0) {
      yield* checkAckTimeout
      return yield* waitForWork(options.idlePollMs)
    }
    const result = yield* pump(state.sendCursor, first, yield* Effect.context<never>())
    if (result.delivered > state.sendCursor) {
      state.sendCursor = result.delivered
      state.published = Math.max(state.published, result.delivered)
      Queue.offerUnsafe(marksChanged, undefined)
      notify()
    }
    if (result.readFailure !== undefined) return yield* Effect.failCause(result.readFailure)
    if (result.failure !== undefined) {
      state.lastPublishError = result.failure
      state.failures += 1
      const delay = Math.min(options.retryMaxMs, options.retryInitialMs * 2 ** Math.min(state.failures - 1, 16))
      yield* Effect.logWarning(`sync: publish failed (${state.lastPublishError}); retrying in ${delay} ms`)
      notify()
      return yield* waitForWork(delay)
    }
    state.failures = 0
  })

  const sampleRate = Effect.gen(function* () {
    const now = yield* nowMs
    state.samples.push({ atMs: now, confirmed: state.confirmed })
    while ((state.samples[0]?.atMs ?? now) < now - options.rateWindowMs) state.samples.shift()
  })

  const start = Effect.gen(function* () {
    yield* broker.watch((brokerState) => {
      const connected = brokerState.connection === "connected"
      if (connected && !state.connected) {
        // Whatever was in flight when the link dropped may be lost anywhere between here and the consumer.
        state.reconnected = true
        rewind(state.confirmed)
      }
      state.connected = connected
      Queue.offerUnsafe(wake, undefined)
      notify()
    })
    state.connected = (yield* broker.state).connection === "connected"
    yield* broker.subscribe(Topics.acks(siteId, stationId), onAck)
    yield* broker.subscribe(Topics.resend(siteId, stationId), onResend)
    yield* Effect.forkScoped(
      round.pipe(
        Effect.catchCause((cause) =>
          Effect.gen(function* () {
            state.lastPublishError = `outbox round failed: ${String(cause)}`
            yield* Effect.logError("sync: outbox round failed", cause)
            yield* Effect.sleep(options.retryMaxMs / 10)
          })
        ),
        Effect.forever
      )
    )
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(sampleRate, Effect.sleep(1000))))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          yield* Queue.take(marksChanged)
          yield* Effect.sleep(options.markDelayMs)
          yield* persistMarks.pipe(Effect.catchCause(logPersistFailure))
        })
      )
    )
    // The marks the scope's end finds moved are written before the outbox is gone, so a clean stop resends nothing.
    yield* Effect.addFinalizer(() => persistMarks.pipe(Effect.catchCause(logPersistFailure)))
  })

  const status = Effect.gen(function* () {
    const lastSeq = yield* log.lastSeq
    const now = (yield* clock.now).wallMs
    const oldest = yield* sql.query<{ record_time_ms: number }>("SELECT record_time_ms FROM events WHERE seq = ?", [
      state.confirmed + 1
    ])
    const first = state.samples[0]
    const nowMonotonic = yield* nowMs
    const seconds = first === undefined ? 0 : (nowMonotonic - first.atMs) / 1000
    const oldestRecord = oldest[0]
    return {
      epoch: identity.epoch,
      depth: Math.max(0, lastSeq - state.confirmed),
      oldestUndeliveredAgeMs:
        oldestRecord === undefined ? null : Math.max(0, now - Number(oldestRecord.record_time_ms)),
      lastSeq,
      lastPublishedSeq: state.published,
      lastConfirmedSeq: state.confirmed,
      drainRatePerSec:
        first === undefined || seconds < 1 ? 0 : Math.round(((state.confirmed - first.confirmed) / seconds) * 10) / 10,
      broker: yield* broker.state,
      lastPublishError: state.lastPublishError
    } satisfies OutboxStatus
  })

  return Outbox.of({
    start,
    kick: Queue.offer(wake, undefined).pipe(Effect.asVoid),
    status,
    onChange: (listener) =>
      Effect.acquireRelease(
        Effect.sync(() => listeners.add(listener)),
        () => Effect.sync(() => listeners.delete(listener))
      ).pipe(Effect.asVoid)
  })
})

/** Decodes a control message (ack, resend); a malformed one is logged with its reason and otherwise ignored. */
export const decodeControl = <A>(schema: Schema.Decoder<A>, message: BrokerMessage) =>
  Effect.gen(function* () {
    const json = decodeJson(message.payload)
    if (!json.ok) {
      yield* Effect.logWarning(`sync: malformed message on ${message.topic}: ${json.reason}`)
      return undefined
    }
    const decoded = yield* Schema.decodeUnknownEffect(schema)(json.value).pipe(Effect.option)
    if (Option.isNone(decoded)) {
      yield* Effect.logWarning(`sync: message on ${message.topic} does not fit its schema`)
      return undefined
    }
    return decoded.value
  })
