/** The exactly-once consumer of a station's event stream: applies, holds out-of-order events, acks after commit. */
import { Cause, Clock, Context, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { Bounds } from "../bounds/Bounds.ts"
import { jsonBoundsProblem } from "../bounds/JsonBounds.ts"
import { encodeUtf8 } from "../bounds/Utf8.ts"
import { compiledDecoder } from "../events/compiledDecoder.ts"
import { type EventEnvelope, EventEnvelope as EventEnvelopeSchema } from "../events/Event.ts"
import { Sql, type SqlValue, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { makeArrivalPace } from "./ArrivalPace.ts"
import { Broker, type BrokerError, type BrokerMessage } from "./Broker.ts"
import { BundleSource } from "./Bundle.ts"
import { makeDoorbell } from "./Doorbell.ts"
import { makeQuarantine } from "./Quarantine.ts"
import { BUNDLE_LEAF, decodeJson, encodeJson, parseTopic, Topics } from "./Topics.ts"
import { takeWaiting } from "./takeWaiting.ts"

/**
 * An event that can never be applied as it is (its payload does not decode, a value is out of bounds): the consumer
 * quarantines it in its place in the sequence and goes on with the next, instead of holding the station's whole
 * stream behind it for ever. That holds for an event held behind a gap and applied after the one that filled it too:
 * the refusal is its own (its seq, its reason), never the event's that filled the gap. Any other failure of `apply`
 * is taken as passing (a database hiccup, a lock timeout) and retried: the event is held and tried again by the
 * consumer itself (`heldRetryMs`), or sooner when the station sends it again, and a held event that fails after the
 * event that filled its gap is its own failure too (the events before it commit, it stays held).
 */
export class EventRefused extends Schema.TaggedError<EventRefused>()("EventRefused", { reason: Schema.String }) {}

/** Something a person must look at in a station's stream: told to the consumer's owner in the recording transaction. */
export interface StreamAlert {
  /** `conflict`: a second event with a sequence number already taken; `refused`: an event quarantined in its place. */
  readonly kind: "conflict" | "refused"
  readonly siteId: string
  readonly stationId: string
  readonly epoch: string
  readonly seq: number
  readonly eventId: string
  /** The event that holds the sequence number (a conflict's first comer). */
  readonly heldBy?: string
  readonly reason: string
}

export interface ConsumerOptions {
  /** Site whose stations this consumer follows, or "+" for every site. */
  readonly siteId: string
  /** Whether this consumer knows how to apply `type` at `version`; unknown ones are held, never dropped. */
  readonly knows: (type: string, version: number) => boolean
  /**
   * The effect of one event. Runs inside the transaction that records (station, epoch, seq), so the effect and
   * the record commit together; a failure rolls both back and the event is held and tried again (`heldRetryMs`, or
   * when the station sends it again), unless it fails with `EventRefused`. The transaction is then redone without
   * the failed event's part when that event was a held one applied after the event that filled its gap: the events
   * before it commit.
   */
  readonly apply: (event: EventEnvelope) => Effect.Effect<void, unknown>
  /**
   * `apply` for several events in turn, with the same effect (optional): in a batch's transaction the events to
   * apply are gathered and handed over together, in order, before the transaction's alerts are told (`onAlert`) and
   * before its commit, so the owner can write them as sets. A failure fails the batch, which is then applied one
   * event per transaction through `apply`, as any failed batch is.
   */
  readonly applyBatch?: (events: ReadonlyArray<EventEnvelope>) => Effect.Effect<void, unknown>
  /** Acks are coalesced over this delay after a commit (cumulative, so one ack covers a burst). */
  readonly ackDelayMs: number
  /** A gap is re-requested at most this often per station epoch. */
  readonly resendIntervalMs: number
  /**
   * How long a gap may stand before the station is asked to resend. 0 asks at once. Behind a shared subscription
   * another consumer usually holds the missing events and is applying them right now (the broker spreads one
   * station's messages over the group), and asking at once would make every station resend its window again and
   * again.
   */
  readonly gapGraceMs: number
  /**
   * Messages from the subscription applied in one transaction at most: one commit (one fsync on the hub's
   * database) covers the batch. 1 applies each event in its own transaction.
   */
  readonly batchSize: number
  /**
   * How long a lane waits, after taking what had arrived, for more messages to join the batch, while it holds fewer
   * than `batchSize`: events that trickle in one by one then share one transaction (one commit, one fsync) instead
   * of a commit each. Only when they come close together: a lane that has been free for this long before a message
   * came applies it at once, and so does a lane whose messages have been coming further apart than this on average
   * (`ArrivalPace`), though two of them met by chance. 0 takes what is there and goes.
   */
  readonly batchWindowMs: number
  /**
   * Batches applied at once. Each station's messages always go to the same lane (by its topic), so a station's
   * order holds; transactions of different lanes name their stations as their partition, which PostgreSQL runs in
   * parallel (and SQLite one at a time). 1: one batch at a time.
   */
  readonly lanes: number
  /**
   * How far above a stream's cursor an early event is held. One beyond is not kept (the station sends it again once
   * the gap is filled, since it is unconfirmed), so a flood of far-ahead numbers cannot fill the disk.
   */
  readonly holdWindow: number
  /** Applied event ids kept per stream below its cursor, to tell a second event at a taken number from a repeat. */
  readonly idWindow: number
  /** Quarantine rows kept; older ones are removed and counted. */
  readonly quarantineLimit: number
  /**
   * How long after a held event's apply failed for a passing reason (a busy store, a lock timeout) the consumer tries
   * it again by itself (`drainHeld`), without waiting for its station (which may be offline) or the next start. The
   * wait doubles each time a try meets a failure again, up to `heldRetryMaxMs`, and begins anew at the next failure
   * once a try met none. Each stream (a station's epoch) backs off on its own, on the consumer's clock: one that keeps
   * failing does not slow another's tries.
   */
  readonly heldRetryMs: number
  /** The longest wait between two such tries. */
  readonly heldRetryMaxMs: number
  /**
   * The most events a bundle may carry (`Topics.eventBundle`); a larger one is quarantined whole. Told to the
   * stations in every ack, so a station sends bundles only to a consumer that takes them, and no larger.
   */
  readonly bundleMax: number
  /**
   * Conflicts and events refused in sequence, once each (e.g. to tell the station). Runs inside the transaction that
   * records them, at its end: after its events are applied and just before its commit, so a try that is rolled back
   * and redone (a held event after the refused one refused too, or failed) or a failed batch replayed one message at
   * a time tells nothing, and the owner is told once for the try that commits. A failure fails that transaction as a
   * failed `apply` does. Only a commit that fails after it was told can leave a told alert unrecorded (and told
   * again when the event comes again): tell through the transaction's own writes, as the hub does, and the telling
   * commits or rolls back with the record.
   */
  readonly onAlert: (alert: StreamAlert) => Effect.Effect<void, unknown>
  /**
   * Runs once an applied event's transaction has committed: wakes what works from the committed rows (on a database
   * with several connections, a reader woken inside the transaction may not see its rows yet).
   */
  readonly onCommitted: Effect.Effect<void>
}

export const defaultConsumerOptions = {
  ackDelayMs: 20,
  resendIntervalMs: 2_000,
  gapGraceMs: 0,
  batchSize: 200,
  batchWindowMs: 0,
  lanes: 1,
  holdWindow: 20_000,
  idWindow: 20_000,
  quarantineLimit: 1_000,
  heldRetryMs: 1_000,
  heldRetryMaxMs: 60_000,
  bundleMax: 64,
  onAlert: () => Effect.void,
  onCommitted: Effect.void
} as const

export type ConsumerOutcome = "applied" | "duplicate" | "held" | "deferred" | "conflict" | "quarantined" | "failed"

/**
 * Applies station events exactly once in sequence order per (station, epoch) over at-least-once delivery
 * (the per-client mutation id rule, as in Replicache): the last applied seq is stored in the same transaction as
 * the event's effect; a seq at or below it is a duplicate (acked again, applied never); one beyond the next is
 * held in `sync_consumer_held` and the station is asked to resend from the gap. The cumulative ack is published
 * only after the commit, so a crash between the two costs a resend, never a second application.
 *
 * Nothing real is dropped for a fake: the ids of recently applied events are kept (`sync_consumer_applied`), so
 * a second event at a number already taken, or already held, by another id is a **conflict**: quarantined with both
 * ids, counted (`sync_consumer_conflicts`) and raised (`onAlert`), never taken for a repeat. An event whose topic,
 * envelope and sender disagree, or that is not an event at all, is quarantined with the reason; one that names its
 * place in the stream but cannot be applied (malformed, out of bounds) is quarantined in that place, and the stream
 * goes on. So does an event the projection refuses (`EventRefused`) when it is applied after the event that filled
 * its gap, from the held ones: the transaction rolls back and is redone with that event refused in its own place, so
 * the events before it are applied, it is quarantined with its own seq and reason, and the held events after it
 * are applied. A held event whose apply fails there for a passing reason (a store error, a lock timeout) is redone
 * the same way, stopping before it: the event that filled the gap and the held ones before it commit, and it stays
 * held, with its reason, until the consumer tries it again by itself (`heldRetryMs`, backing off) or the station
 * sends it again, whichever comes first; the stream's partition keeps the two from applying anything twice.
 * Quarantined payloads keep 4 KB and the SHA-256 of the whole, early events are held only within `holdWindow` of the
 * cursor: a flood costs bounded disk.
 *
 * Messages from the subscription are taken in batches (whatever arrived, up to `batchSize`) and applied in one
 * transaction in arrival order, each by the same rules; a batch in which anything fails is rolled back as a
 * whole and processed again one message per transaction, so one bad event holds back only itself and its
 * successors, never the events before it. The subscription hands messages over through a bounded buffer: the
 * broker's PUBACK for a message may leave before its commit, which is fine because only the cumulative ack after
 * commit confirms anything, and a crash loses only what the station resends.
 *
 * Every transaction that touches a station's stream names that station as its partition (`Sql.transaction`), so
 * several consumers on one PostgreSQL (lanes of one hub, or several hubs sharing a subscription) apply different
 * stations at once and the same station one at a time: the read cursor, apply, advance rule holds across them.
 */
export class Consumer extends Context.Service<
  Consumer,
  {
    /**
     * Applies the held events whose turn has come (`drainHeld`), then subscribes and applies what arrives until the
     * scope closes; meanwhile it tries held events whose apply failed for a passing reason again (`heldRetryMs`).
     */
    readonly start: Effect.Effect<void, BrokerError, Scope.Scope>
    /**
     * Processes one message as if it came from the broker, in its own transaction. A bundle's outcome is the first
     * of its events' that is not "applied", or "applied".
     */
    readonly receive: (message: BrokerMessage) => Effect.Effect<ConsumerOutcome>
    /**
     * Processes messages in arrival order in one transaction (the subscription calls this); outcomes in order, one
     * per event: a bundle gives one for each event it carries, or one when it is quarantined whole.
     */
    readonly receiveBatch: (messages: ReadonlyArray<BrokerMessage>) => Effect.Effect<ReadonlyArray<ConsumerOutcome>>
    /**
     * Applies held events whose turn has come: after an upgrade taught the consumer their version, or after their
     * apply failed for a passing reason; `start` runs it first, so what was held before a restart is applied without
     * waiting for its station (which may be offline, or gone) to send it again, and again after each failure of that
     * kind, backing off (`heldRetryMs`), until nothing fails. Each stream in its own transaction: one the projection
     * refuses, or whose held row cannot be read (a broken or older version wrote it), is refused in its place (moved to
     * the quarantine and told once) and the stream goes on; one whose apply fails stops its stream there (the
     * events before it commit, it and those after it stay held) and is reported, and the other streams are drained
     * all the same.
     */
    readonly drainHeld: Effect.Effect<HeldDrain, StoreError>
  }
>()("packbench/core/sync/Consumer") {
  static readonly layer = (options: Pick<ConsumerOptions, "siteId" | "knows" | "apply"> & Partial<ConsumerOptions>) =>
    Layer.effect(Consumer, makeConsumer({ ...defaultConsumerOptions, ...options }))
}

interface StreamKey {
  readonly siteId: string
  readonly stationId: string
  readonly epoch: string
}

/** What `drainHeld` did. */
export interface HeldDrain {
  /** Held events that took their place: applied, or refused in it (those whose held row cannot be read too). */
  readonly taken: number
  /**
   * Streams whose drain stopped at a failure: at a held event whose apply failed (`seq`; the events before it were
   * applied, it and those after it stay held), or in their transaction (no `seq`; nothing of it was applied).
   */
  readonly failed: ReadonlyArray<StreamKey & { readonly seq?: number; readonly reason: string }>
}

/**
 * What a batch's transaction has learnt of each stream it touched: its cursor, and whether it holds any early events.
 * Sound only inside one transaction that holds the stream's partition (no one else writes the stream's rows
 * meanwhile), and dropped with it: it saves the per-event cursor read and the held-event lookups, which a stream
 * with nothing held does not need.
 */
interface StreamMemo {
  readonly key: StreamKey
  last?: number
  noneHeld?: boolean
  /** The cursor moved in this batch and is written once, at the batch's end. */
  moved?: boolean
  /** Ids applied in this batch not written to `sync_consumer_applied` yet, in order (written before it is read). */
  applied?: Array<{ readonly seq: number; readonly eventId: string }>
}
const BatchMemo = Context.Reference<Map<string, StreamMemo> | undefined>("packbench/core/sync/Consumer/BatchMemo", {
  defaultValue: () => undefined
})

/** The events a batch's transaction has yet to apply, in order, when the owner applies batches (`applyBatch`). */
const DeferredApplies = Context.Reference<Array<EventEnvelope> | undefined>(
  "packbench/core/sync/Consumer/DeferredApplies",
  { defaultValue: () => undefined }
)

const keyOf = (key: StreamKey) => `${key.siteId}\u0000${key.stationId}\u0000${key.epoch}`

const refusalKeyOf = (place: StreamKey & { readonly seq: number }) => `${keyOf(place)}\u0000${place.seq}`

/** What a failure says, for a report: a failure's reason or message, or a defect's. */
const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (typeof error === "object" && error !== null && "reason" in error && typeof error.reason === "string") {
    return error.reason
  }
  return error instanceof Error ? error.message : String(error)
}

/** A station's partition key: the unit two consumers (in one hub or several) never apply at the same time. */
const partitionOf = (place: { readonly siteId: string; readonly stationId: string }) =>
  `station:${place.siteId}/${place.stationId}`

/** The lane of a message: by its topic's station, so one station's messages keep their order. */
const laneOf = (topic: string, lanes: number): number => {
  if (lanes <= 1) return 0
  const parsed = parseTopic(topic)
  const key = parsed === undefined ? topic : `${parsed.siteId}/${parsed.stationId}`
  let hash = 2_166_136_261
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16_777_619)
  return (hash >>> 0) % lanes
}

/**
 * One event out of a bundle, as if it had come alone on its type's topic. Its topic and payload, wanted only for a
 * quarantine record or a log line, are made when asked for: the payload is the event's own text cut out of the
 * bundle, as the station sent it.
 */
class BundledEvent implements BrokerMessage {
  constructor(
    private readonly bundle: BrokerMessage,
    private readonly station: { readonly siteId: string; readonly stationId: string },
    private readonly source: BundleSource,
    private readonly index: number,
    private readonly type: unknown
  ) {}
  get topic(): string {
    const type = this.type
    return typeof type === "string" && type.length > 0 && type.length <= Bounds.maxIdChars
      ? Topics.event(this.station.siteId, this.station.stationId, type)
      : this.bundle.topic
  }
  get payload(): Uint8Array {
    return this.source.element(this.index)
  }
  get userProperties(): Readonly<Record<string, string>> {
    return this.bundle.userProperties
  }
}

/**
 * A passing failure of a transaction's own work: the admitted event's `apply`, a batch's `applyBatch`, telling an
 * alert. The transaction rolls back; a message's event is held until the station sends it again.
 */
class ApplyFailed extends Schema.TaggedError<ApplyFailed>()("ApplyFailed", { reason: Schema.String }) {}

/** Where an event stands in its stream, to name it in a failure of its own. */
const EventAt = {
  siteId: Schema.String,
  stationId: Schema.String,
  epoch: Schema.String,
  seq: Schema.Number,
  eventId: Schema.String
}

/**
 * `EventRefused` named with the event it was raised for: the admitted one or a held one applied after it in the same
 * transaction. The transaction rolls back and is redone with that event refused in its place (`redoing`).
 */
class RefusedAt extends Schema.TaggedError<RefusedAt>()("RefusedAt", { ...EventAt, reason: Schema.String }) {}

/**
 * A passing failure of `apply` (not `EventRefused`: a store error, a lock timeout) for a held event applied after the
 * event that filled its gap, named with that held event. The transaction rolls back and is redone stopping before it
 * (`redoing`): the event that filled the gap and the held ones before it commit, it and those after it stay held.
 */
class HeldFailed extends Schema.TaggedError<HeldFailed>()("HeldFailed", {
  ...EventAt,
  type: Schema.String,
  reason: Schema.String
}) {}

/**
 * What the earlier tries of a transaction being redone (`redoing`) learnt. `refusals`: the events refused, by stream
 * and seq with their ids and reasons; in this try each is refused in its place instead of applied. `stops`: per
 * stream, the held event whose apply failed; in this try the stream's held events are applied up to it and no
 * further.
 */
interface Redo {
  readonly refusals: Map<string, { readonly eventId: string; readonly reason: string }>
  readonly stops: Map<string, HeldStop>
}
/** A held event a redone transaction stopped before, because its apply failed in an earlier try. */
interface HeldStop {
  readonly key: StreamKey
  readonly seq: number
  readonly reason: string
}
const KnownRedo = Context.Reference<Redo | undefined>("packbench/core/sync/Consumer/KnownRedo", {
  defaultValue: () => undefined
})

/**
 * The alerts the running try of a transaction recorded and has yet to tell (`onAlert`): told at the end of its work,
 * so a try that is rolled back tells nothing.
 */
const UntoldAlerts = Context.Reference<Array<StreamAlert> | undefined>("packbench/core/sync/Consumer/UntoldAlerts", {
  defaultValue: () => undefined
})

/** What places a message in a station's stream, read before anything else of it is trusted. */
const EnvelopePlace = Schema.Struct({
  id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(Bounds.maxIdChars)),
  type: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(Bounds.maxIdChars)),
  siteId: Schema.String,
  stationId: Schema.String,
  epoch: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(Bounds.maxIdChars)),
  seq: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: Bounds.maxCounter }))
})
type EnvelopePlace = typeof EnvelopePlace.Type

/** The whole envelope with its place's checks: one decode of a message gives its event and its place. */
const PlacedEnvelope = Schema.Struct({ ...EventEnvelopeSchema.fields, ...EnvelopePlace.fields })

// Every message is decoded by these: compiled once, for the process.
const decodePlaceResult = compiledDecoder(EnvelopePlace)
const decodePlacedEnvelopeResult = compiledDecoder(PlacedEnvelope)

/** An event admitted to its stream: either whole, or placed but refused with the reason. */
type Admitted =
  | { readonly kind: "event"; readonly place: EnvelopePlace; readonly event: EventEnvelope }
  | { readonly kind: "refused"; readonly place: EnvelopePlace; readonly reason: string; readonly payload: Uint8Array }

/** The held-event retry of a pass over every stream, for a failure that named no stream. */
const allStreams = "(all streams)"

/** What names the event of an unreadable held row when neither its row nor its text does. */
const UNREADABLE_ID = "(unreadable)"

/** A held row as stored: `event_id` is null in rows held before ids had a column. */
interface HeldRow {
  readonly envelope: string
  readonly event_id: string | null
}

/** A held row read: its event, or why it cannot be read, with what names it for the quarantine and the alert. */
type ReadHeld =
  | { readonly kind: "event"; readonly event: EventEnvelope }
  | {
      readonly kind: "unreadable"
      readonly reason: string
      readonly eventId: string
      readonly type: string | undefined
    }

/** `value` if it is a string fit to name an event or a type (what a damaged row holds may be anything). */
const boundedId = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 && value.length <= Bounds.maxIdChars ? value : undefined

/** `boundedId` of the field `name` of a parsed JSON value, if it is an object with one. */
const idField = (value: unknown, name: "id" | "type"): string | undefined =>
  typeof value === "object" && value !== null && name in value
    ? boundedId((value as Record<string, unknown>)[name])
    : undefined

const streamOf = (place: EnvelopePlace): StreamKey => ({
  siteId: place.siteId,
  stationId: place.stationId,
  epoch: place.epoch
})

const makeConsumer = Effect.fnUntraced(function* (options: ConsumerOptions) {
  const sql = yield* Sql
  const broker = yield* Broker
  const clock = yield* StationClock
  // Built once: a held row is decoded by it, synchronously, without an Effect step per check.
  const decodeEnvelopeResult = Schema.decodeUnknownResult(EventEnvelopeSchema)

  /** Last committed seq per stream that still needs acking, and what was last acked. */
  const pendingAcks = new Map<string, StreamKey & { seq: number; acked: number; force: boolean }>()
  const lastResendMs = new Map<string, number>()
  /** Since when each stream has had a gap, while `gapGraceMs` is running; cleared when the stream moves on. */
  const gapSince = new Map<string, number>()
  const ackSignal = yield* Queue.sliding<void>(1)
  /**
   * The retries of held events whose apply failed for a passing reason (`retryFailedHeld`), one per stream, each
   * backing off on its own: a stream whose store keeps failing must not slow another's retries to its once a minute.
   * `asked`: a failure was reported while the retry's try ran, so it tries again even if that try met none. The
   * stream `allStreams` is a pass over every stream whose failure named none (reading which streams hold events).
   */
  const heldRetries = new Map<string, { asked: boolean; readonly firstTryMs: number }>()
  /** Retries asked for and not running yet: `start` runs each (before it, they wait here). */
  const heldRetryStarts = yield* Queue.unbounded<StreamKey | typeof allStreams>()
  /**
   * Asks for a retry of the stream's held events, once what asks is committed (it stays held). Its first try is due
   * `heldRetryMs` from now, however late the retry's fiber starts.
   */
  const wantHeldRetry = (stream: StreamKey | typeof allStreams) =>
    Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
      Effect.sync(() => {
        const id = stream === allStreams ? allStreams : keyOf(stream)
        const running = heldRetries.get(id)
        if (running !== undefined) {
          running.asked = true
          return
        }
        heldRetries.set(id, { asked: false, firstTryMs: nowMs + Math.max(1, options.heldRetryMs) })
        Queue.offerUnsafe(heldRetryStarts, stream)
      })
    )

  const wallMs = clock.now.pipe(Effect.map((now) => now.wallMs))
  const quarantineTable = makeQuarantine(sql, {
    table: "sync_consumer_quarantine",
    counters: "sync_consumer_counters",
    limit: options.quarantineLimit,
    what: "sync consumer"
  })

  const quarantine = (topic: string, payload: Uint8Array, reason: string) =>
    Effect.gen(function* () {
      yield* quarantineTable.add(topic, payload, reason, yield* wallMs)
      return "quarantined" as const
    })

  const memoOf = (key: StreamKey) =>
    Effect.map(BatchMemo, (memo) => {
      if (memo === undefined) return undefined
      const id = keyOf(key)
      let entry = memo.get(id)
      if (entry === undefined) {
        entry = { key }
        memo.set(id, entry)
      }
      return entry
    })

  const lastSeqOf = (key: StreamKey) =>
    Effect.gen(function* () {
      const memo = yield* memoOf(key)
      if (memo?.last !== undefined) return memo.last
      const rows = yield* sql.query<{ last_seq: number }>(
        "SELECT last_seq FROM sync_consumer_cursor WHERE site_id = ? AND station_id = ? AND epoch = ?",
        [key.siteId, key.stationId, key.epoch]
      )
      const last = Number(rows[0]?.last_seq ?? 0)
      if (memo !== undefined) memo.last = last
      return last
    })

  /** Whether the stream holds no early event at all: then there is nothing to look up, release or apply after. */
  const noneHeld = (key: StreamKey) =>
    Effect.gen(function* () {
      const memo = yield* memoOf(key)
      if (memo === undefined) return false
      if (memo.noneHeld === undefined) {
        const rows = yield* sql.query(
          "SELECT 1 AS held FROM sync_consumer_held WHERE site_id = ? AND station_id = ? AND epoch = ? LIMIT 1",
          [key.siteId, key.stationId, key.epoch]
        )
        memo.noneHeld = rows.length === 0
      }
      return memo.noneHeld
    })

  /**
   * A held row's event, or why it cannot be read (rows a broken or older version wrote): its text is no JSON, no event
   * envelope, out of bounds, or the envelope of another place or id than the row's. Never throws.
   */
  const readHeld = (key: StreamKey, seq: number, row: HeldRow): ReadHeld => {
    const named = boundedId(row.event_id)
    const unreadable = (reason: string, value?: unknown): ReadHeld => ({
      kind: "unreadable",
      reason,
      eventId: named ?? idField(value, "id") ?? UNREADABLE_ID,
      type: idField(value, "type")
    })
    let value: unknown
    try {
      value = JSON.parse(row.envelope)
    } catch (error) {
      return unreadable(`not JSON: ${error instanceof Error ? error.message : String(error)}`)
    }
    const bounds = jsonBoundsProblem(value)
    if (bounds !== undefined) return unreadable(`out of bounds: ${bounds}`, value)
    const decoded = decodeEnvelopeResult(value)
    if (decoded._tag === "Failure") return unreadable(`not an event envelope: ${decoded.failure.message}`, value)
    const event = decoded.success
    const eventId = named ?? event.id
    if (
      event.siteId !== key.siteId ||
      event.stationId !== key.stationId ||
      event.epoch !== key.epoch ||
      event.seq !== seq ||
      event.id !== eventId
    ) {
      return unreadable(
        `it holds ${event.siteId}/${event.stationId} epoch ${event.epoch} seq ${event.seq} (${event.id}), not ${key.siteId}/${key.stationId} epoch ${key.epoch} seq ${seq} (${eventId})`,
        value
      )
    }
    return { kind: "event", event }
  }

  /**
   * The id of the event held at `seq`, for telling a repeat from a conflict; rows held before ids had a column name
   * it in their envelope. Such a row that names no event at all cannot be told from the event `arriving` for its seq:
   * it gives way to it, moved to the quarantine with its reason.
   */
  const heldIdAt = (key: StreamKey, seq: number, arriving: string) =>
    Effect.flatMap(noneHeld(key), (none) => (none ? Effect.succeed(undefined) : heldIdAtInDatabase(key, seq, arriving)))

  const heldIdAtInDatabase = (key: StreamKey, seq: number, arriving: string) =>
    Effect.gen(function* () {
      const rows = yield* sql.query<HeldRow>(
        `SELECT event_id, envelope FROM sync_consumer_held
         WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?`,
        [key.siteId, key.stationId, key.epoch, seq]
      )
      const row = rows[0]
      if (row === undefined) return undefined
      if (row.event_id !== null) return row.event_id
      const held = readHeld(key, seq, row)
      if (held.kind === "event") return held.event.id
      if (held.eventId !== UNREADABLE_ID) return held.eventId
      yield* quarantineTable.add(
        Topics.event(key.siteId, key.stationId, held.type ?? "unknown"),
        encodeUtf8(row.envelope),
        `a held copy of seq ${seq} that cannot be read (${held.reason}) gave way to ${arriving}, sent for it`,
        yield* wallMs
      )
      yield* unhold(key, seq)
      return undefined
    })

  const hold = (event: EventEnvelope, reason: string) =>
    Effect.gen(function* () {
      yield* sql.execute(
        `INSERT INTO sync_consumer_held (site_id, station_id, epoch, seq, reason, envelope, received_at_ms, event_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (site_id, station_id, epoch, seq) DO UPDATE SET reason = excluded.reason,
           envelope = excluded.envelope, received_at_ms = excluded.received_at_ms, event_id = excluded.event_id`,
        [event.siteId, event.stationId, event.epoch, event.seq, reason, JSON.stringify(event), yield* wallMs, event.id]
      )
      const memo = yield* memoOf(streamOf(event))
      if (memo !== undefined) memo.noneHeld = false
    })

  const unhold = (key: StreamKey, seq: number) =>
    Effect.flatMap(noneHeld(key), (none) =>
      none
        ? Effect.succeed({ changes: 0 })
        : sql.execute("DELETE FROM sync_consumer_held WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?", [
            key.siteId,
            key.stationId,
            key.epoch,
            seq
          ])
    )

  /**
   * Moves the cursor to `place` and remembers whose number it is; the ids below the window are let go. In a batch
   * the rows wait in its memo and are written by `writeBatchRows`: the cursor once per stream, the ids together. A
   * place whose event nothing names (an unreadable held row without an id, refused in it) is remembered by no id: its
   * place in the stream is all that is known of it, so the station's resend of that seq is taken as its repeat, not
   * as a second event at a taken number.
   */
  const advance = (place: EnvelopePlace) =>
    Effect.gen(function* () {
      const named = place.id !== UNREADABLE_ID
      const memo = yield* memoOf(streamOf(place))
      if (memo !== undefined) {
        memo.last = place.seq
        memo.moved = true
        if (memo.applied === undefined) memo.applied = []
        if (named) memo.applied.push({ seq: place.seq, eventId: place.id })
        return
      }
      const now = yield* wallMs
      yield* sql.execute(
        `INSERT INTO sync_consumer_cursor (site_id, station_id, epoch, last_seq, updated_at_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (site_id, station_id, epoch) DO UPDATE SET last_seq = excluded.last_seq,
           updated_at_ms = excluded.updated_at_ms`,
        [place.siteId, place.stationId, place.epoch, place.seq, now]
      )
      if (named)
        yield* sql.execute(
          `INSERT INTO sync_consumer_applied (site_id, station_id, epoch, seq, event_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (site_id, station_id, epoch, seq) DO NOTHING`,
          [place.siteId, place.stationId, place.epoch, place.seq, place.id]
        )
      if (place.seq % 1_000 === 0) {
        yield* sql.execute(
          "DELETE FROM sync_consumer_applied WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq <= ?",
          [place.siteId, place.stationId, place.epoch, place.seq - options.idWindow]
        )
      }
    })

  /** Rows per multi-row statement: far below either database's limit on parameters. */
  const rowsPerStatement = 500

  /** Writes the applied ids a batch's memo holds (before anything reads them), and lets go of those below the window. */
  const writeAppliedIds = (memo: Map<string, StreamMemo>) =>
    Effect.gen(function* () {
      const rows: Array<ReadonlyArray<SqlValue>> = []
      const prunes: Array<ReadonlyArray<SqlValue>> = []
      for (const entry of memo.values()) {
        if (entry.applied === undefined || entry.applied.length === 0) continue
        const { siteId, stationId, epoch } = entry.key
        let prune: number | undefined
        for (const { seq, eventId } of entry.applied) {
          rows.push([siteId, stationId, epoch, seq, eventId])
          if (seq % 1_000 === 0) prune = seq
        }
        entry.applied = []
        if (prune !== undefined) prunes.push([siteId, stationId, epoch, prune - options.idWindow])
      }
      // Without `advance`'s ON CONFLICT: a number is written once, by the transaction that moves its stream's cursor
      // to it, and each of these is above the cursor this batch read under its stream's partition. Should a row be
      // there all the same, the batch fails and is applied one message at a time, through `advance`. PostgreSQL's
      // ON CONFLICT costs each row an index probe and a WAL record more, and this is a row for every event.
      for (let at = 0; at < rows.length; at += rowsPerStatement) {
        const chunk = rows.slice(at, at + rowsPerStatement)
        yield* sql.write(
          `INSERT INTO sync_consumer_applied (site_id, station_id, epoch, seq, event_id)
           VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
          chunk.flat()
        )
      }
      for (const prune of prunes) {
        yield* sql.write(
          "DELETE FROM sync_consumer_applied WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq <= ?",
          prune
        )
      }
    })

  /** At a batch's end, inside its transaction: the applied ids, and each moved stream's cursor in one statement. */
  const writeBatchRows = (memo: Map<string, StreamMemo>) =>
    Effect.gen(function* () {
      yield* writeAppliedIds(memo)
      const now = yield* wallMs
      const cursors: Array<ReadonlyArray<SqlValue>> = []
      for (const entry of memo.values()) {
        if (entry.moved !== true || entry.last === undefined) continue
        const { siteId, stationId, epoch } = entry.key
        cursors.push([siteId, stationId, epoch, entry.last, now])
        entry.moved = false
      }
      for (let at = 0; at < cursors.length; at += rowsPerStatement) {
        const chunk = cursors.slice(at, at + rowsPerStatement)
        yield* sql.write(
          `INSERT INTO sync_consumer_cursor (site_id, station_id, epoch, last_seq, updated_at_ms)
           VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}
           ON CONFLICT (site_id, station_id, epoch) DO UPDATE SET last_seq = excluded.last_seq,
             updated_at_ms = excluded.updated_at_ms`,
          chunk.flat()
        )
      }
    })

  /** A failure of `apply` for `event`: a refusal, named with the event it is for, or a passing one. */
  const applyFailure = (event: EventEnvelope) => (error: unknown) =>
    error instanceof EventRefused
      ? new RefusedAt({
          siteId: event.siteId,
          stationId: event.stationId,
          epoch: event.epoch,
          seq: event.seq,
          eventId: event.id,
          reason: error.reason
        })
      : new ApplyFailed({ reason: String(error) })

  const applyOne = (event: EventEnvelope) =>
    Effect.gen(function* () {
      const deferred = yield* DeferredApplies
      if (deferred !== undefined) deferred.push(event)
      else yield* options.apply(event).pipe(Effect.mapError(applyFailure(event)))
      yield* advance(event)
    })

  /** Applies the events a batch's transaction gathered so far, together, in order. */
  const applyDeferred = Effect.gen(function* () {
    const deferred = yield* DeferredApplies
    if (deferred === undefined || deferred.length === 0 || options.applyBatch === undefined) return
    const events = deferred.splice(0, deferred.length)
    // Which of the events a refusal is for is not known here: the batch fails as for any failure and is applied one
    // message per transaction, where each event is applied on its own and a refusal names its event.
    yield* options.applyBatch(events).pipe(
      Effect.mapError(
        (error) =>
          new ApplyFailed({
            reason: error instanceof EventRefused ? `an event of the batch was refused: ${error.reason}` : String(error)
          })
      )
    )
  })

  /** Why `place` was refused in an earlier try of the transaction being redone, if it was. */
  const refusedBefore = (place: EnvelopePlace) =>
    Effect.map(KnownRedo, (redo) => {
      const refusal = redo?.refusals.get(refusalKeyOf(place))
      return refusal !== undefined && refusal.eventId === place.id ? refusal.reason : undefined
    })

  /**
   * Runs `transaction` until no event in it is refused and no held event in it fails. Either rolls the whole
   * transaction back (the event's partial effect with it, and what the events before it did; on PostgreSQL a failed
   * statement leaves nothing else to do), and it is run again knowing that event (`KnownRedo`): a refused one is
   * quarantined in its own place with its own seq and reason instead of applied, the events before it are applied as
   * before, and the held ones after it after it; a held one whose apply failed for a passing reason is where its
   * stream's held events stop, so the events before it commit and it stays held for a later try. Exactly once and
   * in order, as if each had come alone. Each try knows one refusal more than the last or stops a stream before an
   * earlier event, so it ends. A failure of the admitted event itself is no held event's: it fails the whole. A held
   * event stopped before is tried again (`wantHeldRetry`) once the transaction has ended: asked inside it, a retry
   * could look before the commit that leaves it held.
   */
  const redoing = <A>(
    transaction: Effect.Effect<A, StoreError | ApplyFailed | RefusedAt | HeldFailed>
  ): Effect.Effect<A, StoreError | ApplyFailed> => {
    const redo: Redo = { refusals: new Map(), stops: new Map() }
    const attempt: Effect.Effect<A, StoreError | ApplyFailed> = transaction.pipe(
      Effect.provideService(KnownRedo, redo),
      Effect.catchTags({
        RefusedAt: (refused) => {
          const key = refusalKeyOf(refused)
          if (redo.refusals.get(key)?.eventId === refused.eventId) {
            return Effect.die(
              `sync consumer: seq ${refused.seq} (${refused.eventId}) was refused again after it was put in its place: ${refused.reason}`
            )
          }
          redo.refusals.set(key, { eventId: refused.eventId, reason: refused.reason })
          return Effect.suspend(() => attempt)
        },
        HeldFailed: (failed) => {
          const key = { siteId: failed.siteId, stationId: failed.stationId, epoch: failed.epoch }
          const stop = redo.stops.get(keyOf(key))
          if (stop !== undefined && stop.seq <= failed.seq) {
            return Effect.die(
              `sync consumer: seq ${failed.seq} (${failed.eventId}) was applied after its stream's held events were stopped before seq ${stop.seq}`
            )
          }
          redo.stops.set(keyOf(key), { key, seq: failed.seq, reason: failed.reason })
          return Effect.andThen(
            Effect.logWarning(
              `sync consumer: applying ${failed.type} seq ${failed.seq} of ${failed.siteId}/${failed.stationId} epoch ${failed.epoch} (held) failed: ${failed.reason}; it stays held, and its transaction is redone up to it`
            ),
            Effect.suspend(() => attempt)
          )
        }
      })
    )
    return attempt.pipe(
      Effect.ensuring(
        Effect.suspend(() => Effect.forEach(redo.stops.values(), (stop) => wantHeldRetry(stop.key), { discard: true }))
      )
    )
  }

  /** Tells the owner of alerts recorded (`onAlert`), in turn; a failure fails the transaction it runs in. */
  const tellAlerts = (alerts: ReadonlyArray<StreamAlert>) =>
    Effect.forEach(
      alerts,
      (told) =>
        Effect.andThen(
          Effect.logError(
            `sync consumer: ${told.kind} in ${told.siteId}/${told.stationId} epoch ${told.epoch} seq ${told.seq}: ${told.reason}`
          ),
          options
            .onAlert(told)
            .pipe(
              Effect.mapError(
                (error) =>
                  new ApplyFailed({ reason: `telling the ${told.kind} of seq ${told.seq} failed: ${String(error)}` })
              )
            )
        ),
      { discard: true }
    )

  /**
   * Runs a transaction's work, then tells the owner the alerts it recorded, still inside the transaction but after
   * everything else of it, just before its commit: a try that fails before then (rolled back and redone, or a
   * batch replayed one message at a time) has told nothing, so each alert is told once, by the try that commits.
   */
  const tellingAlertsAtEnd = <A, E, R>(work: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const untold: Array<StreamAlert> = []
      const value = yield* work.pipe(Effect.provideService(UntoldAlerts, untold))
      yield* tellAlerts(untold)
      return value
    })

  /** Records an alert once per (stream, seq, id), to be told at the end of its transaction; repeats only count. */
  const alert = (alertToRecord: StreamAlert, topic: string, payload: Uint8Array) =>
    Effect.gen(function* () {
      const now = yield* wallMs
      const excerpt = quarantineTable.excerpt(payload)
      const existing = yield* sql.query<{ id: number }>(
        `SELECT id FROM sync_consumer_conflicts
         WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ? AND event_id = ?`,
        [alertToRecord.siteId, alertToRecord.stationId, alertToRecord.epoch, alertToRecord.seq, alertToRecord.eventId]
      )
      const first = existing[0]
      if (first !== undefined) {
        yield* sql.execute("UPDATE sync_consumer_conflicts SET seen = seen + 1, last_seen_ms = ? WHERE id = ?", [
          now,
          first.id
        ])
        return
      }
      yield* sql.execute(
        `INSERT INTO sync_consumer_conflicts (kind, site_id, station_id, epoch, seq, event_id, held_by, topic, reason,
           payload, payload_sha256, payload_bytes, first_seen_ms, last_seen_ms, seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
        [
          alertToRecord.kind,
          alertToRecord.siteId,
          alertToRecord.stationId,
          alertToRecord.epoch,
          alertToRecord.seq,
          alertToRecord.eventId,
          alertToRecord.heldBy ?? null,
          topic,
          alertToRecord.reason,
          excerpt.text,
          excerpt.sha256,
          excerpt.bytes,
          now,
          now
        ]
      )
      const untold = yield* UntoldAlerts
      if (untold === undefined) yield* tellAlerts([alertToRecord])
      else untold.push(alertToRecord)
    })

  const conflict = (place: EnvelopePlace, heldBy: string, topic: string, payload: Uint8Array, why: string) =>
    alert(
      {
        kind: "conflict",
        ...streamOf(place),
        seq: place.seq,
        eventId: place.id,
        heldBy,
        reason: `seq ${place.seq} is ${why} ${heldBy}; ${place.id} is quarantined, not taken for a repeat`
      },
      topic,
      payload
    )

  /** Quarantines a placed event in its place: the cursor moves past it and the stream goes on. */
  const refuseInPlace = (place: EnvelopePlace, reason: string, topic: string, payload: Uint8Array) =>
    Effect.gen(function* () {
      yield* quarantineTable.add(topic, payload, `refused in sequence (seq ${place.seq}): ${reason}`, yield* wallMs)
      yield* advance(place)
      yield* alert({ kind: "refused", ...streamOf(place), seq: place.seq, eventId: place.id, reason }, topic, payload)
    })

  /**
   * Applies held successors of `lastSeq` as long as they are next and known, inside the caller's transaction; the
   * last seq it took, and the held event it stopped before because its apply failed, if it did. One the projection
   * refused in an earlier try of the transaction (`redoing`) is refused in its place instead: its quarantine record
   * keeps its envelope as held. One whose apply fails for a passing reason fails as that held event's own
   * (`HeldFailed`), never as the event's that filled the gap; in the try that redoes the transaction the run stops
   * before it, and its held row says why it waits.
   */
  const applyHeldAfter = (key: StreamKey, lastSeq: number) =>
    Effect.gen(function* () {
      const stop = (yield* KnownRedo)?.stops.get(keyOf(key))
      let seq = lastSeq
      while (true) {
        if (yield* noneHeld(key)) return { last: seq }
        if (stop?.seq === seq + 1) {
          yield* sql.execute(
            "UPDATE sync_consumer_held SET reason = ? WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?",
            [`apply failed: ${stop.reason}`, key.siteId, key.stationId, key.epoch, stop.seq]
          )
          return { last: seq, stopped: stop }
        }
        const rows = yield* sql.query<HeldRow>(
          `SELECT envelope, event_id FROM sync_consumer_held
           WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?`,
          [key.siteId, key.stationId, key.epoch, seq + 1]
        )
        const row = rows[0]
        if (row === undefined) return { last: seq }
        const held = readHeld(key, seq + 1, row)
        if (held.kind === "unreadable") {
          // Nothing can apply it, and waiting for its station to send it again would hold the stream behind it for as
          // long as the station is away, maybe for good: it is refused in its place, as an event the projection
          // refuses, and moves to the quarantine.
          const type = held.type ?? "unknown"
          const place: EnvelopePlace = { id: held.eventId, type, ...key, seq: seq + 1 }
          yield* refuseInPlace(
            place,
            `its held copy cannot be read: ${held.reason}`,
            Topics.event(key.siteId, key.stationId, type),
            encodeUtf8(row.envelope)
          )
          yield* unhold(key, place.seq)
          seq = place.seq
          continue
        }
        const event = held.event
        if (!options.knows(event.type, event.version)) return { last: seq }
        const refused = yield* refusedBefore(event)
        if (refused === undefined) {
          yield* applyOne(event).pipe(
            Effect.catchTag("ApplyFailed", (failure) =>
              Effect.fail(
                new HeldFailed({
                  siteId: event.siteId,
                  stationId: event.stationId,
                  epoch: event.epoch,
                  seq: event.seq,
                  eventId: event.id,
                  type: event.type,
                  reason: failure.reason
                })
              )
            )
          )
        } else {
          const topic = Topics.event(event.siteId, event.stationId, event.type)
          yield* refuseInPlace(event, refused, topic, encodeJson(event))
        }
        yield* unhold(key, event.seq)
        seq = event.seq
      }
    })

  const ackLater = (key: StreamKey, seq: number, force: boolean) => {
    noteAck(keyOf(key), key, seq, force)
    Queue.offerUnsafe(ackSignal, undefined)
  }
  /** `ackLater` without waking the acks' flush: for a loop over a batch's events, which wakes it once at its end. */
  const noteAck = (id: string, key: StreamKey, seq: number, force: boolean) => {
    const pending = pendingAcks.get(id)
    if (pending === undefined) pendingAcks.set(id, { ...key, seq, acked: 0, force })
    else {
      pending.seq = Math.max(pending.seq, seq)
      pending.force = pending.force || force
    }
  }

  const requestResend = (key: StreamKey, fromSeq: number) =>
    Effect.gen(function* () {
      const id = keyOf(key)
      const now = yield* Clock.currentTimeMillis
      if (options.gapGraceMs > 0) {
        const since = gapSince.get(id)
        if (since === undefined) {
          // Bounded like lastResendMs: made-up epochs cannot grow it.
          if (gapSince.size > 10_000) gapSince.clear()
          gapSince.set(id, now)
          return
        }
        if (now - since < options.gapGraceMs) return
      }
      if (now - (lastResendMs.get(id) ?? Number.NEGATIVE_INFINITY) < options.resendIntervalMs) return
      lastResendMs.set(id, now)
      // Old entries go, so a stream of made-up epochs cannot grow the map.
      if (lastResendMs.size > 10_000) {
        for (const [stream, at] of lastResendMs) if (now - at >= options.resendIntervalMs) lastResendMs.delete(stream)
      }
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

  /**
   * Checks a message's topic and envelope. Not an event, or one whose topic and envelope name different stations:
   * quarantined here (the broker lets a station publish only under its own ids, so the topic names the sender).
   * An event that names its place but is malformed or out of bounds is admitted as refused, to be quarantined in
   * that place.
   */
  const admit = (message: BrokerMessage) =>
    Effect.flatMap(wallMs, (now): Effect.Effect<Admitted | "quarantined", StoreError> => {
      const checked = check(message, now)
      return "quarantine" in checked
        ? quarantine(message.topic, message.payload, checked.quarantine)
        : Effect.succeed(checked)
    })

  /**
   * `admit`'s checks, without touching the database: an admitted event, or why the message is quarantined. Plain
   * code, so a batch checks its messages in one loop; `now` is the hub's wall clock for the skew check.
   */
  const check = (
    message: BrokerMessage,
    now: number,
    topic = parseTopic(message.topic)
  ): Admitted | { readonly quarantine: string } => {
    if (topic === undefined || topic.kind !== "events") return { quarantine: "not a station event topic" }
    const json = decodeJson(message.payload)
    if (!json.ok) return { quarantine: json.reason }
    return checkEnvelope(message, json.value, { ...topic, type: topic.rest }, now)
  }

  /**
   * `check` for every message of a batch: a bundle (`Topics.eventBundle`) is opened into its events, each checked as
   * if it had come alone, in the bundle's order, with the bundle's topic naming the sender. Its events' messages
   * cut their own text out of the bundle only when a quarantine record needs the payload.
   */
  const checkAll = (messages: ReadonlyArray<BrokerMessage>, now: number) => {
    const out: Array<{
      readonly message: BrokerMessage
      readonly checked: Admitted | { readonly quarantine: string }
    }> = []
    for (const message of messages) {
      const topic = parseTopic(message.topic)
      if (topic === undefined || topic.kind !== "events" || topic.rest !== BUNDLE_LEAF) {
        out.push({ message, checked: check(message, now, topic) })
        continue
      }
      const opened = openBundle(message.payload)
      if ("quarantine" in opened) {
        out.push({ message, checked: opened })
        continue
      }
      const source = new BundleSource(message.payload)
      const sender = { siteId: topic.siteId, stationId: topic.stationId, type: undefined }
      for (const [index, value] of opened.events.entries()) {
        const type = typeof value === "object" && value !== null && "type" in value ? value.type : undefined
        const single = new BundledEvent(message, topic, source, index, type)
        out.push({ message: single, checked: checkEnvelope(single, value, sender, now) })
      }
    }
    return out
  }

  /** A bundle's events, or why it is quarantined whole. */
  const openBundle = (
    payload: Uint8Array
  ): { readonly events: ReadonlyArray<unknown> } | { readonly quarantine: string } => {
    const json = decodeJson(payload)
    if (!json.ok) return { quarantine: json.reason }
    if (!Array.isArray(json.value) || json.value.length === 0) {
      return { quarantine: "a bundle is a non-empty JSON array of event envelopes" }
    }
    if (json.value.length > options.bundleMax) {
      return { quarantine: `a bundle of ${json.value.length} events: this consumer takes at most ${options.bundleMax}` }
    }
    return { events: json.value }
  }

  /**
   * An envelope's checks once its JSON is parsed: against the topic's station, and its type (`type`; undefined for
   * an event out of a bundle, whose topic names no type).
   */
  const checkEnvelope = (
    message: BrokerMessage,
    value: unknown,
    topic: { readonly siteId: string; readonly stationId: string; readonly type: string | undefined },
    now: number
  ): Admitted | { readonly quarantine: string } => {
    // Each value is decoded once on the usual way: the whole envelope, its place's checks included, once it is known
    // to be within bounds. Its place alone is decoded only for a message that is out of bounds or no whole envelope,
    // to quarantine it or refuse it in its place, with the reasons in the same order as ever: no place, another
    // sender, out of bounds, not a whole envelope.
    const bounds = jsonBoundsProblem(value)
    const whole = bounds === undefined ? decodePlacedEnvelopeResult(value) : undefined
    const placed = whole?._tag === "Success" ? whole : decodePlaceResult(value)
    if (placed._tag === "Failure") return { quarantine: `not an event envelope: ${placed.failure.message}` }
    const place: EnvelopePlace = placed.success
    if (
      place.siteId !== topic.siteId ||
      place.stationId !== topic.stationId ||
      (topic.type !== undefined && place.type !== topic.type)
    ) {
      return {
        quarantine: `envelope (${place.siteId}/${place.stationId}, ${place.type}) does not match its topic and sender (${topic.siteId}/${topic.stationId}, ${topic.type ?? "a bundle"})`
      }
    }
    const refused = (reason: string): Admitted => ({ kind: "refused", place, reason, payload: message.payload })
    if (whole === undefined) return refused(`out of bounds: ${bounds}`)
    if (whole._tag === "Failure") return refused(`not an event envelope: ${whole.failure.message}`)
    const event: EventEnvelope = whole.success
    // Old times are normal (a station offline for days sends them late); times far ahead are a broken clock or a
    // forgery, and the hub would schedule by them.
    if (event.eventTime.wallMs > now + Bounds.clockSkewMs) {
      return refused(
        `eventTime.wallMs is ${Math.round((event.eventTime.wallMs - now) / 60_000)} min ahead of the hub's clock`
      )
    }
    if (event.recordTimeMs > now + Bounds.clockSkewMs) {
      return refused(`recordTimeMs is ${Math.round((event.recordTimeMs - now) / 60_000)} min ahead of the hub's clock`)
    }
    return { kind: "event", place, event }
  }

  type Step = {
    readonly outcome: "applied" | "duplicate" | "held" | "deferred" | "conflict" | "quarantined" | "failed"
    readonly key: StreamKey
    readonly last: number
  }

  /**
   * Applies, holds, refuses or drops one admitted event. Runs inside the caller's transaction. A refused event is
   * put in its place only when that place is next; one further ahead is not kept (the station sends it again once
   * the gap before it is filled, as it is unconfirmed), nor is any event beyond the hold window.
   */
  const step = (admitted: Admitted, message: BrokerMessage) =>
    Effect.gen(function* () {
      const { place } = admitted
      const key = streamOf(place)
      const last = yield* lastSeqOf(key)
      if (place.seq <= last) {
        const memo = yield* BatchMemo
        if (memo !== undefined) yield* writeAppliedIds(memo)
        const rows = yield* sql.query<{ event_id: string }>(
          `SELECT event_id FROM sync_consumer_applied
           WHERE site_id = ? AND station_id = ? AND epoch = ? AND seq = ?`,
          [key.siteId, key.stationId, key.epoch, place.seq]
        )
        // An unnamed refused place that an older version recorded under the stand-in name names no event either.
        const holder = rows[0]?.event_id
        if (holder !== undefined && holder !== UNREADABLE_ID && holder !== place.id) {
          yield* conflict(place, holder, message.topic, message.payload, "already taken by")
          return { outcome: "conflict", key, last } satisfies Step
        }
        return { outcome: "duplicate", key, last } satisfies Step
      }
      const heldBy = yield* heldIdAt(key, place.seq, place.id)
      if (heldBy !== undefined && heldBy !== place.id) {
        yield* conflict(place, heldBy, message.topic, message.payload, "already held for")
        return { outcome: "conflict", key, last } satisfies Step
      }
      if (place.seq > last + 1) {
        if (admitted.kind === "refused" || place.seq > last + options.holdWindow) {
          return { outcome: "deferred", key, last } satisfies Step
        }
        yield* hold(admitted.event, `gap: waiting for ${last + 1}`)
        return { outcome: "held", key, last } satisfies Step
      }
      if (admitted.kind === "refused") {
        yield* refuseInPlace(place, admitted.reason, message.topic, message.payload)
        yield* unhold(key, place.seq)
        return { outcome: "quarantined", key, last: (yield* applyHeldAfter(key, place.seq)).last } satisfies Step
      }
      const event = admitted.event
      if (!options.knows(event.type, event.version)) {
        yield* hold(event, `not known to this consumer (its upgrade will apply it): ${event.type} v${event.version}`)
        return { outcome: "held", key, last } satisfies Step
      }
      yield* applyOne(event)
      yield* unhold(key, place.seq)
      return { outcome: "applied", key, last: (yield* applyHeldAfter(key, place.seq)).last } satisfies Step
    })

  /** Streams per look-up of `readStreams`: far below either database's limit on parameters. */
  const streamsPerQuery = 100

  /**
   * Reads the cursor of every stream a batch touches, and whether it holds early events, in one query per hundred
   * streams, into the batch's memo: instead of two queries per stream when its first event comes up.
   */
  const readStreams = (memo: Map<string, StreamMemo>, placed: ReadonlyArray<{ readonly event: Admitted }>) =>
    Effect.gen(function* () {
      const keys = new Map<string, StreamKey>()
      for (const { event } of placed) {
        const id = keyOf(event.place)
        if (!keys.has(id) && !memo.has(id)) keys.set(id, streamOf(event.place))
      }
      const all = [...keys.values()]
      for (let at = 0; at < all.length; at += streamsPerQuery) {
        const chunk = all.slice(at, at + streamsPerQuery)
        const where = chunk.map(() => "(site_id = ? AND station_id = ? AND epoch = ?)").join(" OR ")
        const params = chunk.flatMap((key) => [key.siteId, key.stationId, key.epoch])
        const rows = yield* sql.query<{
          what: string
          site_id: string
          station_id: string
          epoch: string
          last_seq: number
        }>(
          `SELECT 'cursor' AS what, site_id, station_id, epoch, last_seq FROM sync_consumer_cursor WHERE ${where}
           UNION ALL
           SELECT DISTINCT 'held' AS what, site_id, station_id, epoch, 0 AS last_seq FROM sync_consumer_held
           WHERE ${where}`,
          [...params, ...params]
        )
        for (const key of chunk) memo.set(keyOf(key), { key, last: 0, noneHeld: true })
        for (const row of rows) {
          const entry = memo.get(keyOf({ siteId: row.site_id, stationId: row.station_id, epoch: row.epoch }))
          if (entry === undefined) continue
          if (row.what === "cursor") entry.last = Number(row.last_seq)
          else entry.noneHeld = false
        }
      }
    })

  /**
   * `step` for the usual event of a batch, in plain code: the next one of a stream the batch has already read (its
   * cursor known, nothing held), of a known type and version, while the batch's applies are deferred. It is applied
   * exactly as `step` would (gathered for `applyBatch`, the cursor advanced in the memo; nothing to unhold, nothing
   * held after it); undefined for anything else, which goes through `step`.
   */
  const nextInStream = (
    memo: Map<string, StreamMemo>,
    admitted: Admitted,
    deferred: Array<EventEnvelope>
  ): Step | undefined => {
    if (admitted.kind !== "event") return undefined
    const { place, event } = admitted
    const entry = memo.get(keyOf(place))
    if (entry === undefined || entry.last === undefined || entry.noneHeld !== true) return undefined
    if (place.seq !== entry.last + 1 || !options.knows(event.type, event.version)) return undefined
    deferred.push(event)
    entry.last = place.seq
    entry.moved = true
    if (entry.applied === undefined) entry.applied = []
    entry.applied.push({ seq: place.seq, eventId: place.id })
    return { outcome: "applied", key: entry.key, last: place.seq }
  }

  /** What follows a commit: ask for a gap, and ack cumulatively (repeats force a re-ack: theirs was lost). */
  const afterCommit = (result: Step) =>
    Effect.gen(function* () {
      if (result.outcome === "held" || result.outcome === "deferred") {
        yield* requestResend(result.key, result.last + 1)
      } else if (result.outcome === "applied" || result.outcome === "quarantined") {
        gapSince.delete(keyOf(result.key))
      }
      if (result.outcome === "applied") yield* options.onCommitted
      if (result.outcome !== "failed") {
        ackLater(result.key, result.last, result.outcome === "duplicate" || result.outcome === "conflict")
      }
      return result.outcome
    })

  /**
   * One message in its own transaction. A refusal, of this event or of a held one applied after it, is the refused
   * event's own: the transaction is redone with that one refused in its place (`redoing`). So is a held one's passing
   * failure: the transaction is redone up to it, so this event and the held ones before it commit and it stays held.
   * Only a failure of this event's own (or of telling an alert) holds this event.
   */
  const processOne = (admitted: Admitted, message: BrokerMessage) =>
    redoing(
      Effect.gen(function* () {
        // Refused in an earlier try, its partial effect rolled back with it: now it is put in its place as refused.
        const reason = admitted.kind === "event" ? yield* refusedBefore(admitted.place) : undefined
        const current: Admitted =
          reason === undefined ? admitted : { kind: "refused", place: admitted.place, reason, payload: message.payload }
        return yield* sql.transaction(tellingAlertsAtEnd(step(current, message)), {
          partition: [partitionOf(admitted.place)]
        })
      })
    ).pipe(
      Effect.catchTag("ApplyFailed", (failure) =>
        Effect.gen(function* () {
          if (admitted.kind === "event") {
            yield* hold(admitted.event, `apply failed: ${failure.reason}`)
            yield* wantHeldRetry(streamOf(admitted.place))
          }
          const { type, siteId, stationId, epoch, seq } = admitted.place
          yield* Effect.logWarning(
            `sync consumer: applying ${type} seq ${seq} of ${siteId}/${stationId} epoch ${epoch} failed: ${failure.reason}`
          )
          const key = streamOf(admitted.place)
          return { outcome: "failed", key, last: admitted.place.seq - 1 } satisfies Step
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
    parseTopic(message.topic)?.rest === BUNDLE_LEAF
      ? Effect.map(
          receiveBatch([message]),
          (outcomes) => outcomes.find((outcome) => outcome !== "applied") ?? "applied"
        )
      : receiveOne(message)

  const receiveOne = (message: BrokerMessage): Effect.Effect<ConsumerOutcome> =>
    Effect.gen(function* () {
      const admitted = yield* admit(message)
      return admitted === "quarantined" ? admitted : yield* processOne(admitted, message)
    }).pipe(guarded(message.topic))

  const receiveBatch = (messages: ReadonlyArray<BrokerMessage>): Effect.Effect<ReadonlyArray<ConsumerOutcome>> =>
    Effect.gen(function* () {
      // The checks first, in plain code; then one transaction for the batch's quarantine records, if any: a flood
      // of junk costs one commit per batch, and a batch without junk none.
      // No station's stream is touched there (only the quarantine's rows, by single statements): an empty partition.
      const now = yield* wallMs
      const checked = checkAll(messages, now)
      const admitted = yield* (
        checked.some(({ checked }) => "quarantine" in checked)
          ? sql.transaction(
              Effect.forEach(checked, ({ message, checked }) =>
                "quarantine" in checked
                  ? Effect.map(quarantine(message.topic, message.payload, checked.quarantine), (event) => ({
                      message,
                      event: event as Admitted | "quarantined" | "failed"
                    }))
                  : Effect.succeed({ message, event: checked as Admitted | "quarantined" | "failed" })
              ),
              { partition: [] }
            )
          : Effect.succeed(
              checked.map(({ message, checked }) => ({
                message,
                event: checked as Admitted | "quarantined" | "failed"
              }))
            )
      ).pipe(
        Effect.catchCause((cause) =>
          Effect.as(
            Effect.logError("sync consumer: admitting a batch failed", cause),
            messages.map((message) => ({ message, event: "failed" as const }))
          )
        )
      )
      const placed: Array<{ readonly message: BrokerMessage; readonly event: Admitted }> = []
      // The batch's stations, each once (the driver locks each once, in its own order).
      const partitions = new Set<string>()
      for (const entry of admitted) {
        if (typeof entry.event === "string") continue
        placed.push(entry as { readonly message: BrokerMessage; readonly event: Admitted })
        partitions.add(partitionOf(entry.event.place))
      }
      // One event alone goes this way too: the usual next event of its stream then costs one look-up of the cursor
      // and held events and the batch's set-based writes, instead of `step`'s statement for each.
      const together =
        placed.length === 0
          ? undefined
          : yield* sql
              .transaction(
                // Its alerts are told after its events are applied and its rows written: a batch that fails is
                // replayed one message at a time, and tells them then.
                tellingAlertsAtEnd(
                  Effect.gen(function* () {
                    const memo = new Map<string, StreamMemo>()
                    const deferred: Array<EventEnvelope> | undefined = options.applyBatch === undefined ? undefined : []
                    const steps = yield* Effect.gen(function* () {
                      yield* readStreams(memo, placed)
                      const out: Array<Step> = []
                      for (const { message, event } of placed) {
                        out.push(
                          (deferred === undefined ? undefined : nextInStream(memo, event, deferred)) ??
                            (yield* step(event, message))
                        )
                      }
                      return out
                    }).pipe(Effect.provideService(BatchMemo, memo), Effect.provideService(DeferredApplies, deferred))
                    yield* applyDeferred.pipe(Effect.provideService(DeferredApplies, deferred))
                    yield* writeBatchRows(memo)
                    return steps
                  })
                ),
                // It reads ahead: it need not wait for a sync still running (the hub sender's verdicts, a lane's
                // batch before), since what it read leaves only once its own commit is on disk (the station's ack
                // waits for that; a reader that reads ahead itself, as the hub's sender does, takes on what that
                // costs), and that sync vouches for every commit before it. The next parcel's notification then
                // does not wait for the last mail's verdicts to reach the disk.
                {
                  partition: [...partitions],
                  batchWrites: true,
                  readsAhead: true
                }
              )
              .pipe(
                Effect.catchCause((cause) =>
                  Effect.as(
                    Effect.logDebug(`sync consumer: a batch of ${placed.length} failed, applying one by one`, cause),
                    undefined
                  )
                )
              )
      const outcomes: Array<ConsumerOutcome> = []
      let next = 0
      let appliedTogether = false
      for (const { message, event } of admitted) {
        if (typeof event === "string") {
          outcomes.push(event)
          continue
        }
        const committed = together?.[next++]
        if (committed?.outcome === "applied") {
          // `afterCommit` of an applied event, in plain code; the owner is woken once for the batch, below. The acks'
          // flush is woken by the first and once more at the end (the signal holds one wake-up: those between would
          // only replace it), so it also sees the acks noted while another message's `afterCommit` was running.
          const id = keyOf(committed.key)
          gapSince.delete(id)
          noteAck(id, committed.key, committed.last, false)
          if (!appliedTogether) Queue.offerUnsafe(ackSignal, undefined)
          appliedTogether = true
          outcomes.push("applied")
          continue
        }
        outcomes.push(
          yield* (committed === undefined ? processOne(event, message) : afterCommit(committed)).pipe(
            guarded(message.topic)
          )
        )
      }
      if (appliedTogether) {
        Queue.offerUnsafe(ackSignal, undefined)
        yield* options.onCommitted
      }
      return outcomes
    })

  const flushAcks = Effect.gen(function* () {
    for (const [id, pending] of pendingAcks) {
      if (pending.seq <= pending.acked && !pending.force) {
        // Acked and quiet: forgotten, so the map holds only streams with something to say.
        pendingAcks.delete(id)
        continue
      }
      const seq = pending.seq
      pending.force = false
      yield* broker
        .publish(
          Topics.acks(pending.siteId, pending.stationId),
          encodeJson({ epoch: pending.epoch, seq, bundleMax: options.bundleMax }),
          {
            qos: 1,
            timeoutMs: 10_000
          }
        )
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

  /**
   * Asks every station seen before to resend after what was applied: covers messages a broker dropped. A stream
   * this consumer holds events of but has applied none of (its first event missing) is asked from its start, not left
   * to its station's ack timeout (up to minutes).
   */
  const resendAllKnown = Effect.gen(function* () {
    const rows = yield* sql.query<{ site_id: string; station_id: string; epoch: string; last_seq: number }>(
      `SELECT site_id, station_id, epoch, last_seq FROM sync_consumer_cursor
       UNION
       SELECT DISTINCT h.site_id, h.station_id, h.epoch, 0 FROM sync_consumer_held h
       WHERE NOT EXISTS (SELECT 1 FROM sync_consumer_cursor c
                         WHERE c.site_id = h.site_id AND c.station_id = h.station_id AND c.epoch = h.epoch)`
    )
    for (const row of rows) {
      yield* requestResend(
        { siteId: row.site_id, stationId: row.station_id, epoch: row.epoch },
        Number(row.last_seq) + 1
      )
    }
  }).pipe(Effect.catchCause((cause) => Effect.logError("sync consumer: resend after reconnect failed", cause)))

  /**
   * One stream's held events whose turn has come, in a transaction of their own under the station's partition: the
   * cursor is read inside it, so another consumer applying the same station (a lane, another hub) is waited for,
   * never raced. A refused one is refused in its place and one that fails stops the run (`redoing`).
   */
  const drainStream = (key: StreamKey) =>
    redoing(
      sql.transaction(
        tellingAlertsAtEnd(
          Effect.gen(function* () {
            const from = yield* lastSeqOf(key)
            return { from, ...(yield* applyHeldAfter(key, from)) }
          })
        ),
        { partition: [partitionOf(key)] }
      )
    )

  /**
   * One stream's held events whose turn has come (`drainStream`), acked once committed; its failure is its own,
   * reported (`failure`) and logged, never the caller's.
   */
  const drainOne = (key: StreamKey) =>
    Effect.gen(function* () {
      const drained = yield* drainStream(key).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.interrupt
            : Effect.as(
                Effect.logError(
                  `sync consumer: draining the held events of ${key.siteId}/${key.stationId} epoch ${key.epoch} failed; they stay held`,
                  cause
                ),
                { failure: reasonOf(cause) }
              )
        )
      )
      if ("failure" in drained) return { taken: 0, failure: { ...key, reason: drained.failure } }
      let taken = 0
      // Acked only once committed: a try that rolled back (an event in it refused or failed) confirms nothing.
      if (drained.last > drained.from) {
        ackLater(key, drained.last, false)
        gapSince.delete(keyOf(key))
        taken = drained.last - drained.from
      }
      return drained.stopped === undefined
        ? { taken }
        : { taken, failure: { ...key, seq: drained.stopped.seq, reason: drained.stopped.reason } }
    })

  const drainHeld = Effect.gen(function* () {
    // Streams whose next event is held, including those whose very first event was held (no cursor row yet); those
    // held behind a gap wait for the missing event, which only its station has.
    const rows = yield* sql.query<{ site_id: string; station_id: string; epoch: string }>(
      `SELECT h.site_id, h.station_id, h.epoch FROM sync_consumer_held h
       LEFT JOIN sync_consumer_cursor c USING (site_id, station_id, epoch)
       WHERE h.seq = COALESCE(c.last_seq, 0) + 1
       ORDER BY h.site_id, h.station_id, h.epoch`
    )
    let taken = 0
    const failed: Array<HeldDrain["failed"][number]> = []
    for (const row of rows) {
      // One stream's failure is its own: reported, and the other streams are drained all the same.
      const drained = yield* drainOne({ siteId: row.site_id, stationId: row.station_id, epoch: row.epoch })
      taken += drained.taken
      if (drained.failure !== undefined) failed.push(drained.failure)
    }
    if (taken > 0) yield* options.onCommitted
    yield* Effect.forEach(failed, wantHeldRetry, { discard: true })
    return { taken, failed } satisfies HeldDrain
  })

  /** One try of a stream's retry (or of a pass over all, `allStreams`): whether it still meets a failure. */
  const retryOnce = (stream: StreamKey | typeof allStreams): Effect.Effect<boolean> =>
    stream === allStreams
      ? drainHeld.pipe(
          Effect.tap(({ taken }) =>
            taken > 0 ? Effect.logInfo(`sync consumer: applied ${taken} held events on trying them again`) : Effect.void
          ),
          // Each failing stream has asked for its own retry.
          Effect.as(false),
          Effect.catchTag("StoreError", (error) =>
            Effect.as(Effect.logError("sync consumer: trying held events again failed; tried again later", error), true)
          )
        )
      : Effect.gen(function* () {
          const drained = yield* drainOne(stream)
          if (drained.taken > 0) {
            yield* options.onCommitted
            yield* Effect.logInfo(
              `sync consumer: applied ${drained.taken} held events of ${stream.siteId}/${stream.stationId} epoch ${stream.epoch} on trying them again`
            )
          }
          return drained.failure !== undefined
        })

  /**
   * Tries a stream's held events whose apply failed for a passing reason again, so it goes on once the cause has
   * passed without its station sending anything (it may be offline for days): `heldRetryMs` after the failure, then
   * after twice as long each time a try meets a failure again, up to `heldRetryMaxMs`, until a try meets none. Each
   * stream backs off on its own and starts anew on its own success. Bounded: one pass of the stream per try, and at
   * most one try per `heldRetryMaxMs` while a failure lasts.
   */
  const retryFailedHeld = (stream: StreamKey | typeof allStreams) =>
    Effect.gen(function* () {
      const id = stream === allStreams ? allStreams : keyOf(stream)
      let waitMs = Math.max(1, options.heldRetryMs)
      let dueMs = heldRetries.get(id)?.firstTryMs ?? (yield* Clock.currentTimeMillis) + waitMs
      while (true) {
        yield* Effect.sleep(Math.max(0, dueMs - (yield* Clock.currentTimeMillis)))
        const retry = heldRetries.get(id) ?? { asked: false, firstTryMs: dueMs }
        // What was asked for until now is this try's to do; a failure reported while it runs asks again.
        retry.asked = false
        const stillFailing = yield* retryOnce(stream)
        const done = !stillFailing && !retry.asked
        if (done) {
          heldRetries.delete(id)
          return
        }
        waitMs = stillFailing
          ? Math.min(waitMs * 2, Math.max(waitMs, options.heldRetryMaxMs))
          : Math.max(1, options.heldRetryMs)
        dueMs = (yield* Clock.currentTimeMillis) + waitMs
      }
    })

  const start = Effect.gen(function* () {
    // What was held before this start and whose turn has come (an upgrade taught this consumer its version, or its
    // apply failed for a passing reason) is applied first. Its station would send it again, since a held event is
    // never acked (the ack is the cursor), but only once it is online and its ack timeout or a gap after it comes
    // round: it may be offline for days, or gone for good with the events the hub holds.
    yield* drainHeld.pipe(
      Effect.tap(({ taken }) =>
        taken > 0 ? Effect.logInfo(`sync consumer: applied ${taken} events held before this start`) : Effect.void
      ),
      Effect.catchTag("StoreError", (error) =>
        Effect.andThen(
          Effect.logError("sync consumer: draining held events at start failed; they are tried again later", error),
          wantHeldRetry(allStreams)
        )
      )
    )
    // A failure to apply a held event, at start or later, is tried again by the consumer itself, each stream backing
    // off on its own.
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.flatMap(Queue.take(heldRetryStarts), (stream) => Effect.forkScoped(retryFailedHeld(stream)))
      )
    )
    // Bounded: when applying falls behind, the subscription handler waits, and so does the broker.
    const lanes = Math.max(1, Math.floor(options.lanes))
    const incoming = yield* Effect.forEach(Array.from({ length: lanes }), () =>
      Effect.map(Queue.bounded<BrokerMessage>(Math.max(1, options.batchSize)), (queue) => ({
        queue,
        // Rung by each offer: an empty lane's fiber waits on it rather than in `Queue.take`, whose waiter the offer
        // wakes only on the scheduler's next turn, after the I/O callbacks already due.
        doorbell: makeDoorbell(),
        // How close together its messages come: only a steady stream is worth the batch window's wait.
        pace: makeArrivalPace()
      }))
    )
    const batchSize = Math.max(1, options.batchSize)
    for (const { queue: lane, doorbell, pace } of incoming) {
      /** When this lane last finished a batch (monotonic ms). */
      let freeSince = Number.NEGATIVE_INFINITY
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.gen(function* () {
            let messages = yield* takeWaiting(lane, batchSize)
            // Woken, it takes at once: a new turn of `forever` would first wait for the scheduler (a yield).
            while (messages.length === 0) {
              yield* doorbell.wait
              messages = yield* takeWaiting(lane, batchSize)
            }
            // The window is for events that come close together; one that comes after a quiet spell (a parcel a
            // few seconds after the last) would only wait for company that is not coming, and so would one that
            // met another by chance in a slow stream (two parcels at 100 a second that one TCP read brought): it
            // waits only while the lane's messages have been coming closer together than the window on average.
            const closeBehind = (yield* Clock.currentTimeMillis) - freeSince < options.batchWindowMs
            if (closeBehind && messages.length < batchSize && pace.expectsMoreWithin(options.batchWindowMs)) {
              yield* Effect.sleep(options.batchWindowMs)
              messages.push(...(yield* takeWaiting(lane, batchSize - messages.length)))
            }
            yield* receiveBatch(messages)
            freeSince = yield* Clock.currentTimeMillis
          })
        )
      )
    }
    yield* broker.subscribe(Topics.eventsOf(options.siteId), (message) => {
      const lane = incoming[laneOf(message.topic, lanes)]!
      return Effect.andThen(
        Queue.offer(lane.queue, message),
        Effect.map(Clock.currentTimeMillis, (nowMs) => {
          lane.pace.note(nowMs)
          lane.doorbell.ring()
        })
      )
    })
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

  return Consumer.of({ start, receive, receiveBatch, drainHeld })
})
