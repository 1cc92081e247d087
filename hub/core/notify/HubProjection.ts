/** The hub's projection of station and carrier events into parcels, orders and due notifications. */
import { Context, Effect, Layer, Queue, Random, type Result, Schema } from "effect"
import { Bounds, clockProblem } from "../../../core/bounds/Bounds.ts"
import { oneLine } from "../../../core/bounds/oneLine.ts"
import type { Locale } from "../../../core/config/StationConfig.ts"
import { compiledDecoder } from "../../../core/events/compiledDecoder.ts"
import { orderTransaction } from "../../../core/events/Epcis.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { EventDefinition } from "../../../core/events/EventDefinition.ts"
import { uuid7, uuid7With } from "../../../core/events/Uuid7.ts"
import type { Address, Order } from "../../../core/orders/Order.ts"
import {
  HubCorrectionIgnoredCause,
  InboundUpdateIgnored,
  OrderAddressCorrected,
  OrderCancelled,
  OrderReceived,
  OrderReinstated
} from "../../../core/orders/OrderEvents.ts"
import {
  OrderAddressHold,
  ParcelHandedToCarrier,
  ParcelLinesRenumbered,
  ParcelPacked
} from "../../../core/pack/PackEvents.ts"
import {
  ReturnCancelled,
  ReturnReceived,
  ReturnRefundDecided,
  ReturnRefundDecisionCorrected,
  ReturnRefundIssued,
  refundDecidedVersions
} from "../../../core/returns/ReturnsEvents.ts"
import { stationEventVersions } from "../../../core/station/StationEventCatalog.ts"
import { Sql, type SqlValue, type StoreError } from "../../../core/store/Sql.ts"
import { EventRefused } from "../../../core/sync/Consumer.ts"
import { type Doorbell, makeDoorbell } from "../../../core/sync/Doorbell.ts"
import {
  type InboundVersion,
  inboundVersion,
  inboundVersionProblem,
  newestPlausibleVersion
} from "../../../core/sync/InboundVersion.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import {
  answerWaitDone,
  type CorrectionTold,
  correctionsWaitOver,
  ignoredNow,
  lockedMails,
  mayBeHoldRound,
  overriddenBySource,
  type ParcelBeforePacking,
  packedAfterLeft,
  parcelBeforePacking,
  parcelLeftNow,
  recordAnswer
} from "../correction/CorrectionAnswers.ts"
import { recordStationHasOrder, type StationRef } from "../correction/CorrectionToStations.ts"
import {
  newerKnownVersion,
  pruneEpcisEvents,
  type ReinstatementTold,
  recordEpcisEvent,
  recordReinstatement,
  recordShopCancellation,
  uncorrectingEpcisRow
} from "../epcis/HubEpcis.ts"
import { recordMetricsFacts } from "../metrics/MetricsFacts.ts"
import { makeRefundLedger, orderRow, STATION_ORDER_INSERT } from "../refunds/RefundLedger.ts"
import type { CarrierTrackingEvent } from "../tracking/CarrierTrackingEvent.ts"
import type { TrackingStatus, TrackingSubReason } from "../tracking/TrackingStatus.ts"
import { currentStatus, mergeTimeline, type TimelineEntry } from "../tracking/TrackingTimeline.ts"
import { TrackingTokens } from "../tracking/TrackingTokens.ts"
import { type BatchStatement, type RowShape, rowsStatement, TableRows } from "./BatchRows.ts"
import { customerTimeZone, shipToPlace } from "./CustomerTimeZone.ts"
import { HubSettings } from "./HubSettings.ts"
import type { NotificationKind } from "./NotificationKind.ts"
import {
  correctionSubject,
  dueTimedIntents,
  expectedDelivery,
  intentsForStationFact,
  intentsForTrackingChange,
  type NotificationIntent,
  refundSubject,
  type StationFact,
  settleDelayMs
} from "./NotificationRules.ts"

/** The station event types the hub acts on, at the versions it understands: every one a station of a release wrote. */
const handled: Readonly<Record<string, ReadonlyArray<number>>> = {
  [OrderReceived.type]: [OrderReceived.version],
  [OrderCancelled.type]: [OrderCancelled.version],
  [OrderReinstated.type]: [OrderReinstated.version],
  [OrderAddressCorrected.type]: [OrderAddressCorrected.version],
  [OrderAddressHold.type]: [OrderAddressHold.version],
  [InboundUpdateIgnored.type]: [InboundUpdateIgnored.version],
  [ParcelPacked.type]: [ParcelPacked.version],
  [ParcelHandedToCarrier.type]: [ParcelHandedToCarrier.version],
  [ReturnReceived.type]: [ReturnReceived.version],
  [ReturnCancelled.type]: [ReturnCancelled.version],
  [ReturnRefundDecided.type]: refundDecidedVersions,
  [ReturnRefundDecisionCorrected.type]: [ReturnRefundDecisionCorrected.version],
  [ReturnRefundIssued.type]: [ReturnRefundIssued.version]
}

/**
 * What became of one order from the shop's own stream. `implausible-version`: a version no sender can have given by
 * the hub's clock (`inboundVersion`), refused and logged with the reason; the stations' inboxes quarantine the same
 * message with it.
 */
export type ShopOrderOutcome = "applied" | "stale" | "implausible-version"

/**
 * What became of one carrier scan. `ahead-of-clock`: stamped further ahead of the hub's clock than clocks drift
 * (`Bounds.clockSkewMs`); kept, it would stay the newest scan of its parcel's timeline whatever came after.
 * `before-parcel`: stamped before its parcel was packed (`scanFloorMs`), so a scan of another parcel under the same
 * tracking number (carriers hand numbers out again after some years, and feeds answer the old parcel's scans); kept,
 * its "delivered" would stick against every real scan and mail the customer that the parcel has arrived.
 */
export type CarrierEventOutcome = "added" | "duplicate" | "unknown-parcel" | "ahead-of-clock" | "before-parcel"

/**
 * The earliest time a scan of a parcel packed at `packedAtMs` (the packing station's clock) can have: the carrier made
 * its label during the packing, and the station's clock and the carrier's may each be `Bounds.clockSkewMs` off. A
 * parcel the hub knows only from its handover has no floor: it may have waited at the station for any time.
 */
export const scanFloorMs = (packedAtMs: number) => packedAtMs - 2 * Bounds.clockSkewMs

/** A carrier scan as a log line names it: the carrier's ids on one line (a line break in one would forge an entry). */
const scanNamed = (event: CarrierTrackingEvent) =>
  oneLine(`${event.carrier} scan ${event.eventId} of ${event.trackingNumber}`)

/**
 * A station event's payload as its definition reads it. One that does not fit (malformed, out of bounds, an e-mail
 * field that is not one address) can never be applied: the consumer quarantines it in its place and goes on.
 */
/**
 * The read of a run's handovers' orders (`count` order ids) with their customers' locales. The locale comes by a
 * subquery per order (an index look-up each), not a join: for the join PostgreSQL's planner read hub_customers whole
 * each batch (a hash join), seen at 12,000 customers. On PostgreSQL each order is looked up by its key from a list of
 * the ids (a lateral subquery that is not flattened into a join, so it runs once per id): for `order_id IN (…)` the
 * planner read every order up to some 10,000 of them, analysed or not (its cost model takes the 60-odd index look-ups
 * for reads from disk), about 1 ms of the server's time a batch at 8,000 orders where the look-ups take 0.35 ms.
 * SQLite looks `IN (…)` up by the key itself.
 */
const handoverOrdersRead = (dialect: "sqlite" | "postgres", count: number): string => {
  const locale = "(SELECT c.locale FROM hub_customers c WHERE c.customer_id = o.customer_id) AS locale"
  return dialect === "postgres"
    ? `SELECT o.order_id, ${locale}, o.service_level, o.ship_to
       FROM (VALUES ${Array.from({ length: count }, () => "(?)").join(", ")}) AS k (order_id)
       CROSS JOIN LATERAL (SELECT o.order_id, o.customer_id, o.service_level, o.ship_to FROM hub_orders o
         WHERE o.order_id = k.order_id LIMIT 1) AS o`
    : `SELECT o.order_id, ${locale}, o.service_level, o.ship_to FROM hub_orders o
       WHERE o.order_id IN (${Array.from({ length: count }, () => "?").join(", ")})`
}

const decodeOrRefuse = <Type extends string, Payload>(
  definition: EventDefinition<Type, Payload>,
  raw: unknown
): Effect.Effect<Payload, EventRefused> => {
  const decoded = payloadOrRefusal(definition, raw)
  return decoded instanceof EventRefused ? Effect.fail(decoded) : Effect.succeed(decoded)
}
/**
 * `decodeOrRefuse` in plain code, for a loop over a batch's events: the payload, or the refusal to fail with. A
 * payload is never an `EventRefused` (it is a decoded plain object).
 */
const payloadOrRefusal = <Type extends string, Payload>(
  definition: EventDefinition<Type, Payload>,
  raw: unknown
): Payload | EventRefused => {
  let decode = payloadDecoders.get(definition) as ((input: unknown) => Result.Result<Payload, Error>) | undefined
  if (decode === undefined) {
    decode = compiledDecoder(definition.payload)
    payloadDecoders.set(definition, decode)
  }
  const decoded = decode(raw)
  return decoded._tag === "Success"
    ? decoded.success
    : new EventRefused({ reason: `${definition.type} v${definition.version} payload: ${decoded.failure.message}` })
}
/** Each definition's payload decoder, compiled once (as `decodePayload` reads it), run synchronously per event. */
const payloadDecoders = new WeakMap<object, (input: unknown) => Result.Result<unknown, Error>>()

/**
 * The order version a station event carries, checked by the rule of every versioned inbound type (`inboundVersion`)
 * against the hub's clock as it applies the event. One no sender can have given (1e15: a compromised or broken
 * station, or a forged shop message it took before it checked) would leave every genuine later change of the order
 * stale at the hub for good: its event is refused in its place with the reason, as a payload that does not fit.
 */
const orderVersionOrRefuse = (
  definition: { readonly type: string; readonly version: number },
  orderId: string,
  version: number,
  nowMs: number
): Effect.Effect<InboundVersion, EventRefused> =>
  inboundVersion(`order ${orderId}`, version, nowMs).pipe(Effect.mapError(orderVersionRefusal(definition)))
const orderVersionRefusal =
  (definition: { readonly type: string; readonly version: number }) =>
  (problem: string): EventRefused =>
    new EventRefused({ reason: `${definition.type} v${definition.version} payload: ${problem}` })
/** `orderVersionOrRefuse`'s check in plain code: undefined when the version is one a sender can have given. */
const orderVersionRefused = (
  definition: { readonly type: string; readonly version: number },
  orderId: string,
  version: number,
  nowMs: number
): EventRefused | undefined => {
  const problem = inboundVersionProblem(version, nowMs)
  return problem === undefined ? undefined : orderVersionRefusal(definition)(`order ${orderId}: ${problem}`)
}

interface ParcelRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly status: string | null
  readonly handed_at_ms: number | null
  readonly expected_delivery_by_ms: number | null
  readonly last_scan_at_ms: number | null
  readonly delivered_at_ms: number | null
}

/** The statement forms of the hub's station-event writes: one row for an event applied alone, many for a batch. */
const METRICS_ORDER: RowShape = {
  head: "INSERT INTO hub_metrics_orders (order_id, customer_id, placed_at_ms) VALUES",
  columns: 3,
  tail: "ON CONFLICT (order_id) DO NOTHING"
}
const CUSTOMER: RowShape = {
  head: "INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms) VALUES",
  columns: 6,
  tail: "ON CONFLICT (customer_id) DO NOTHING"
}
/** A station has the order; only one new to it can need a correction sent, which the batch leaves to one-by-one. */
const ORDER_STATION: RowShape = {
  head: "INSERT INTO hub_order_stations (order_id, site_id, station_id, first_seen_ms) VALUES",
  columns: 4,
  tail: "ON CONFLICT (order_id, site_id, station_id) DO NOTHING"
}
const ORDER: RowShape = {
  head: `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
           station_id, ship_to, updated_at_ms) VALUES`,
  columns: 10,
  // A newer version, or any over a stored one no sender can have given (`InboundVersion.supersedes`: the parameter
  // is `newestPlausible` by the hub's clock).
  tail: `ON CONFLICT (order_id) DO UPDATE SET order_version = excluded.order_version,
           brand = excluded.brand, service_level = excluded.service_level, carrier = excluded.carrier,
           ship_to = COALESCE(hub_orders.ship_to, excluded.ship_to), updated_at_ms = excluded.updated_at_ms
         WHERE excluded.order_version > hub_orders.order_version OR hub_orders.order_version > ?`
}
/**
 * A parcel's upsert: `columns` take the event's values, `keep` (the parcel's station, which a handover names only
 * until the hub hears of the packing) only where the row has none.
 */
const parcelUpsert = (columns: ReadonlyArray<string>, keep: ReadonlyArray<string> = []) =>
  `ON CONFLICT (parcel_id) DO UPDATE SET ${columns
    .map((column) =>
      keep.includes(column)
        ? `${column} = COALESCE(hub_parcels.${column}, excluded.${column})`
        : `${column} = excluded.${column}`
    )
    .join(", ")}`
const parcelShape = (columns: ReadonlyArray<string>, keep: ReadonlyArray<string> = []): RowShape => {
  const all = ["carrier", "tracking_number", "updated_at_ms", ...columns]
  return {
    head: `INSERT INTO hub_parcels (parcel_id, order_id, tracking_token, ${all.join(", ")}) VALUES`,
    columns: 3 + all.length,
    tail: parcelUpsert(all, keep)
  }
}
/** The station that packed a parcel: its label's address is that station's (hub migration 77). */
const PARCEL_STATION = ["site_id", "station_id"]
const PARCEL_PACKED = parcelShape([...PARCEL_STATION, "packed_at_ms"])
const PARCEL_HANDED = parcelShape(
  [...PARCEL_STATION, "handed_at_ms", "handover_batch_id", "expected_delivery_date", "expected_delivery_by_ms"],
  PARCEL_STATION
)
/**
 * A parcel packed and handed over in one batch: both upserts as one (the handover's values win where both set, but
 * for the packing station).
 */
const PARCEL_PACKED_HANDED = parcelShape([
  ...PARCEL_STATION,
  "packed_at_ms",
  "handed_at_ms",
  "handover_batch_id",
  "expected_delivery_date",
  "expected_delivery_by_ms"
])
const NOTIFICATION: RowShape = {
  head: `INSERT INTO hub_notifications (notification_id, kind, subject_id, order_id, parcel_id, delay_reason,
           trigger_event_id, created_at_ms) VALUES`,
  columns: 8,
  tail: "ON CONFLICT (kind, subject_id) DO NOTHING RETURNING notification_id"
}
const FEEDBACK: RowShape = {
  head: "INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms) VALUES",
  columns: 4,
  tail: "ON CONFLICT (parcel_id) DO NOTHING"
}
const EPCIS_EVENT: RowShape = {
  head: `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms,
           document) VALUES`,
  columns: 8,
  tail: "ON CONFLICT (event_id) DO NOTHING"
}
const OUTBOX: RowShape = {
  head: "INSERT INTO hub_outbox (notification_id, channel, status, attempts, next_attempt_ms) VALUES",
  columns: 5,
  tail: ""
}

/**
 * Turns facts into the hub's state and the notifications they call for. Station events come through the sync
 * consumer, which runs `applyStationEvent` inside the transaction that records the event's sequence number, so
 * the notification row and "this event was applied" commit together. Nothing is sent here: the sender reads
 * the outbox after commit.
 */
export class HubProjection extends Context.Service<
  HubProjection,
  {
    /**
     * Whether the consumer may apply (type, version): the types the hub acts on at their version, the other station
     * event types of its release (no-ops) up to the version written; newer versions and unknown types are held.
     */
    readonly knows: (type: string, version: number) => boolean
    readonly applyStationEvent: (event: EventEnvelope) => Effect.Effect<void, StoreError | EventRefused>
    /**
     * `applyStationEvent` for each event in turn, with the same outcome, in few statements: runs of orders received,
     * parcels packed and parcels handed over are written as multi-row statements per table and read with one query
     * (see `applyStationEvents` below); every other event is applied on its own, between them.
     */
    readonly applyStationEvents: (
      events: ReadonlyArray<EventEnvelope>
    ) => Effect.Effect<void, StoreError | EventRefused>
    /**
     * An order as the shop's own stream carries it (the shop's `order.upsert` to a station's inbox, which only the
     * shop may publish): the one source that changes an order's customer data and paid amounts, by a newer version.
     * Whether the order is cancelled it leaves to the stations' `order.cancelled`: only a station knows whether the
     * parcel has left, and with it whether the order's mail stops. A newer version that is not cancelled takes a
     * cancellation back, as the stations' `order.reinstated` and `order.received` of it do, whichever comes first.
     * A version no sender can have given is refused (`ShopOrderOutcome`); one stored before versions were checked
     * gives way to the next genuine one. Runs in its own transaction.
     */
    readonly applyShopOrder: (
      order: Order,
      siteId: string,
      stationId: string
    ) => Effect.Effect<ShopOrderOutcome, StoreError>
    readonly applyCarrierEvent: (event: CarrierTrackingEvent) => Effect.Effect<CarrierEventOutcome, StoreError>
    /** Records the time-driven notifications (delay alerts, feedback requests) due now; returns how many. */
    readonly tick: Effect.Effect<number, StoreError>
    /** The sender's: rung when something new may be due. */
    readonly senderDoorbell: Doorbell
    /** Wakes the sender after a transaction that may have recorded notifications has committed. */
    readonly wakeSender: Effect.Effect<void>
    /** Taken by the hub message publisher: a message for a station or the shop was recorded. */
    readonly messageWakeups: Queue.Dequeue<void>
    /** Wakes the hub message publisher after a message was recorded elsewhere (e.g. an alert to a station). */
    readonly wakeMessages: Effect.Effect<void>
  }
>()("packbench/hub/core/notify/HubProjection") {
  static readonly layer = Layer.effect(
    HubProjection,
    Effect.gen(function* () {
      const sql = yield* Sql
      const clock = yield* StationClock
      const tokens = yield* TrackingTokens
      const settings = yield* HubSettings
      const senderDoorbell = makeDoorbell()
      const messageWakeups = yield* Queue.sliding<void>(1)
      const ledger = makeRefundLedger(sql)
      const nowMs = Effect.map(clock.now, (now) => now.wallMs)

      /** A notification's row: one per (kind, subject), so a repeated intent inserts nothing. */
      const NOTIFICATION_INSERT = `INSERT INTO hub_notifications
          (notification_id, kind, subject_id, order_id, parcel_id, delay_reason, trigger_event_id, created_at_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, subject_id) DO NOTHING`
      const notificationRow = (
        notificationId: string,
        intent: NotificationIntent,
        triggerEventId: string,
        now: number
      ): ReadonlyArray<SqlValue> => [
        notificationId,
        intent.kind,
        intent.subjectId,
        intent.orderId,
        intent.parcelId ?? null,
        intent.delayReason ?? null,
        triggerEventId,
        now
      ]

      const record = Effect.fnUntraced(function* (intent: NotificationIntent, triggerEventId: string) {
        const now = yield* nowMs
        const notificationId = yield* uuid7(now)
        const inserted = yield* sql.execute(
          NOTIFICATION_INSERT,
          notificationRow(notificationId, intent, triggerEventId, now)
        )
        if (inserted.changes === 0) return false
        if (intent.kind === "feedback-request" && intent.parcelId !== undefined) {
          // The answer page's secret is made with the request, in its transaction: the mail always has a link.
          yield* sql.execute(
            `INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (parcel_id) DO NOTHING`,
            [intent.parcelId, intent.orderId, yield* tokens.next, now]
          )
        }
        const channels = settings.webhookUrl === undefined ? ["email"] : ["email", "webhook"]
        for (const channel of channels) {
          yield* sql.execute(
            "INSERT INTO hub_outbox (notification_id, channel, status, attempts, next_attempt_ms) VALUES (?, ?, 'pending', 0, ?)",
            [notificationId, channel, now + settleDelayMs(intent.kind, settings.notify)]
          )
        }
        senderDoorbell.ring()
        return true
      })

      /**
       * `record` for a station event, in statements whose results it needs not read, so a batch's transaction can
       * send them together: the feedback and outbox rows go in only if this notification's row did (its id is new,
       * so it exists only if the insert was not a repeat of the kind and subject).
       */
      const recordWritten = Effect.fnUntraced(function* (intent: NotificationIntent, triggerEventId: string) {
        const now = yield* nowMs
        const notificationId = yield* uuid7(now)
        yield* sql.write(NOTIFICATION_INSERT, notificationRow(notificationId, intent, triggerEventId, now))
        if (intent.kind === "feedback-request" && intent.parcelId !== undefined) {
          yield* sql.write(
            `INSERT INTO hub_feedback (parcel_id, order_id, token, requested_at_ms)
             SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM hub_notifications WHERE notification_id = ?)
             ON CONFLICT (parcel_id) DO NOTHING`,
            [intent.parcelId, intent.orderId, yield* tokens.next, now, notificationId]
          )
        }
        const channels = settings.webhookUrl === undefined ? ["email"] : ["email", "webhook"]
        for (const channel of channels) {
          yield* sql.write(
            `INSERT INTO hub_outbox (notification_id, channel, status, attempts, next_attempt_ms)
             SELECT ?, ?, 'pending', 0, ? WHERE EXISTS (SELECT 1 FROM hub_notifications WHERE notification_id = ?)`,
            [notificationId, channel, now + settleDelayMs(intent.kind, settings.notify), notificationId]
          )
        }
        senderDoorbell.ring()
      })

      /**
       * The hub heard of a parcel of `orderId` (packed, or handed over before its packing was heard), maybe one more:
       * a feedback request recorded for the order that has not
       * begun to go out is taken back, with its answer link, and the order's delivered parcels get their timers again,
       * so the tick records it anew the delay after the last parcel's delivery. One sent, being sent or suppressed
       * stays as it is.
       */
      const putOffFeedback = Effect.fnUntraced(function* (orderId: string) {
        // Nearly every parcel's order has no request yet: one look-up by the (kind, subject) key, not four writes.
        const requested = yield* sql.query(
          "SELECT 1 AS requested FROM hub_notifications WHERE kind = 'feedback-request' AND subject_id = ?",
          [orderId]
        )
        if (requested.length === 0) return
        const notYetSent = `SELECT n.notification_id FROM hub_notifications n
          WHERE n.kind = 'feedback-request' AND n.subject_id = ?
            AND NOT EXISTS (SELECT 1 FROM hub_outbox o WHERE o.notification_id = n.notification_id AND o.status <> 'pending')`
        yield* sql.write(
          `DELETE FROM hub_feedback WHERE answered_at_ms IS NULL AND parcel_id IN (SELECT n.parcel_id
             FROM hub_notifications n WHERE n.notification_id IN (${notYetSent}))`,
          [orderId]
        )
        yield* sql.write(`DELETE FROM hub_outbox WHERE notification_id IN (${notYetSent})`, [orderId])
        yield* sql.write(
          `DELETE FROM hub_notifications WHERE kind = 'feedback-request' AND subject_id = ?
             AND NOT EXISTS (SELECT 1 FROM hub_outbox o WHERE o.notification_id = hub_notifications.notification_id)`,
          [orderId]
        )
        yield* sql.write(
          `UPDATE hub_parcels SET timers_done_at_ms = NULL
           WHERE order_id = ? AND status = 'delivered' AND timers_done_at_ms IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM hub_notifications n WHERE n.kind = 'feedback-request' AND n.subject_id = ?)`,
          [orderId, orderId]
        )
      })

      const recordAll = (intents: ReadonlyArray<NotificationIntent>, triggerEventId: string) =>
        Effect.forEach(intents, (intent) => record(intent, triggerEventId), { discard: true })

      /**
       * Keeps notifications that wait in the outbox from going out, with the reason: what they announce no longer
       * holds (the order was cancelled, the return voided). A row that is already being sent is left to finish.
       */
      const suppressPending = (where: string, params: ReadonlyArray<string>, reason: string) =>
        sql.execute(
          `UPDATE hub_outbox SET status = 'suppressed', suppressed_reason = ?, deferred_reason = NULL
           WHERE status = 'pending' AND notification_id IN (SELECT notification_id FROM hub_notifications WHERE ${where})`,
          [reason, ...params]
        )

      /**
       * The hub's last word on whether the order is cancelled: the order version it came with (0 before any) and
       * whether the order is cancelled now.
       */
      const cancellationState = (orderId: string) =>
        sql
          .query<{ cancellation_version: number | null; cancelled_at_ms: number | null }>(
            "SELECT cancellation_version, cancelled_at_ms FROM hub_orders WHERE order_id = ?",
            [orderId]
          )
          .pipe(
            Effect.map((rows) => ({
              version: Number(rows[0]?.cancellation_version ?? 0),
              cancelled: rows[0]?.cancelled_at_ms !== null && rows[0]?.cancelled_at_ms !== undefined
            }))
          )

      /**
       * The order is not cancelled at `version`: a cancellation the hub holds from an older version was taken back.
       * Stations record that as `order.reinstated`; those of a version before it recorded only the version's
       * `order.received`, and the shop's own stream carries the version too, so the hub takes it back from whichever
       * tells it first. Only a cancellation in force is taken back here, and only by a newer version (or over a stored
       * one no sender can have given: `newestPlausible`): an order never cancelled keeps no word, so a later
       * cancellation is still its first. A notice of the cancellation that has not gone out yet is suppressed, and
       * the reinstatement is exported as `told` (below).
       */
      const cancellationTakenBackBy = Effect.fnUntraced(function* (
        orderId: string,
        received: InboundVersion,
        told: Effect.Effect<ReinstatementTold, StoreError>
      ) {
        const taken = yield* sql.execute(
          `UPDATE hub_orders SET cancelled_at_ms = NULL, cancellation_version = ?, updated_at_ms = ?
           WHERE order_id = ? AND cancelled_at_ms IS NOT NULL
             AND (cancellation_version IS NULL OR cancellation_version < ? OR cancellation_version > ?)`,
          [received.version, yield* nowMs, orderId, received.version, received.newestPlausible]
        )
        yield* cancellationWithdrawn(orderId, received, taken.changes > 0, told)
      })
      /**
       * A cancellation the shop took back at `received`: when the hub counted the order cancelled (`hubTookBack`), its
       * notice, if still to go, is suppressed. The order's EPCIS void, which the export records whether or not the
       * hub counted the order cancelled (a shipped order's is voided too), is no longer the one in force when it is
       * of an older version: the reinstatement is exported (a TransactionEvent ADD at the time and place of `told`,
       * the message that took it back), and a later cancellation voids the order again (a repeat of a void in force
       * adds nothing).
       */
      const cancellationWithdrawn = (
        orderId: string,
        received: InboundVersion,
        hubTookBack: boolean,
        told: Effect.Effect<ReinstatementTold, StoreError>
      ) =>
        Effect.gen(function* () {
          if (hubTookBack) yield* suppressCancellationNotice(orderId)
          yield* Effect.provideService(
            recordReinstatement(orderId, received, hubTookBack, told, { timeZone: settings.epcis.timeZone }),
            Sql,
            sql
          )
        })
      const suppressCancellationNotice = (orderId: string) =>
        suppressPending(
          "order_id = ? AND kind = 'order-cancelled'",
          [orderId],
          `the cancellation of order ${orderId} was taken back`
        )

      const orderLocale = (orderId: string) =>
        sql
          .query<{ locale: string; service_level: string; ship_to: string | null }>(
            `SELECT c.locale, o.service_level, o.ship_to FROM hub_orders o JOIN hub_customers c USING (customer_id)
             WHERE o.order_id = ?`,
            [orderId]
          )
          .pipe(Effect.map((rows) => rows[0]))

      /**
       * A parcel row exists from its first sight, packed or handed over (a station may have sent only one). One
       * statement, not a read then a write: stations are applied in parallel on PostgreSQL, and two may name it.
       */
      const ensureParcel = Effect.fnUntraced(function* (
        parcel: {
          readonly parcelId: string
          readonly orderId: string
          readonly carrier: string
          readonly trackingNumber: string
        },
        /**
         * What the event sets on the row, new or not (carrier and tracking number included), `keep` only where the
         * row has none: one upsert.
         */
        set: {
          readonly columns: ReadonlyArray<string>
          readonly values: ReadonlyArray<SqlValue>
          readonly keep?: ReadonlyArray<string>
        }
      ) {
        const columns = ["carrier", "tracking_number", "updated_at_ms", ...set.columns]
        yield* sql.write(
          `INSERT INTO hub_parcels (parcel_id, order_id, tracking_token, ${columns.join(", ")})
           VALUES (?, ?, ?, ${columns.map(() => "?").join(", ")})
           ${parcelUpsert(columns, set.keep)}`,
          [
            parcel.parcelId,
            parcel.orderId,
            yield* tokens.next,
            parcel.carrier,
            parcel.trackingNumber,
            yield* nowMs,
            ...set.values
          ]
        )
      })

      /** A station's order as a `hub_customers` row: the customer the hub keeps unless the shop's stream says more. */
      const customerRow = (order: Order, now: number) => [
        order.customer.customerId,
        order.customer.firstName,
        order.customer.lastName,
        order.customer.email,
        order.customer.locale,
        now
      ]
      /** A station's order as a `hub_orders` row, one event applied alone or in a batch. */
      const hubOrderRow = (order: Order, event: EventEnvelope, now: number) => [
        order.orderId,
        order.version,
        order.customer.customerId,
        order.brand,
        order.serviceLevel,
        order.carrier,
        event.siteId,
        event.stationId,
        JSON.stringify(order.shipTo),
        now
      ]

      /**
       * The station has the order (it told the hub of it, or held it): a customer's correction goes to it too, and
       * one taken before the station had the order is sent to it now (hub/core/correction/CorrectionToStations.ts).
       */
      const stationHasOrder = (orderId: string, event: EventEnvelope, now: number) =>
        Effect.flatMap(
          recordStationHasOrder(sql, orderId, { siteId: event.siteId, stationId: event.stationId }, now),
          (sent) => (sent > 0 ? Effect.sync(() => Queue.offerUnsafe(messageWakeups, undefined)) : Effect.void)
        )

      /**
       * Why the station did not apply a customer's correction, when the customer is to hear of it: the parcel had
       * left, or the order's source had set another address itself. An older correction than one taken (the
       * customer's newer one holds), an older station's event without a word, or a word of a newer station that this
       * hub does not know tell the customer nothing (the last is logged: upgrade the hub).
       */
      const customerCauseOf = (ignored: typeof InboundUpdateIgnored.payload.Type, event: EventEnvelope) =>
        Effect.gen(function* () {
          if (ignored.cause === undefined || ignored.cause === "not-newer") return undefined
          const cause = Schema.decodeUnknownOption(HubCorrectionIgnoredCause)(ignored.cause)
          if (cause._tag === "None") {
            yield* Effect.logWarning(
              `hub: ${event.siteId}/${event.stationId} did not apply correction ${ignored.receivedVersion} of order ${ignored.orderId} for a reason this hub does not know (${ignored.cause}): the customer is told nothing`
            )
            return undefined
          }
          return cause.value
        })

      /**
       * Whether the customer is to hear now that their correction is not used, from every station's answer so far
       * (hub/core/correction/CorrectionAnswers.ts); `station` is the one whose word this is, none for the timer pass
       * that ends the wait for silent ones. A mail that the parcel waits for a label with the new address, if still to
       * go, does not go then: it would tell of an address the parcel no longer gets.
       */
      const correctionIgnored = Effect.fnUntraced(function* (
        orderId: string,
        correction: number,
        station: StationRef | undefined,
        now: number
      ) {
        const decided = yield* ignoredNow(
          sql,
          { orderId, correction, station, waitMs: settings.notify.correctionAnswerWaitMs },
          now
        )
        if (decided === "withheld-parcel-left") {
          // Said once, by the timer pass that ends the wait (a station's word after it, or a replay, says nothing).
          if (station !== undefined) return undefined
          yield* Effect.logWarning(
            `hub: no station keeps correction ${correction} of order ${orderId}, but a parcel of the order recorded before the hub kept its station has left with the carrier, labelled for the customer's address or the source's: the customer is told nothing (check the parcel's address)`
          )
          return undefined
        }
        if (decided === undefined) return undefined
        return yield* notUsed(orderId, decided)
      })

      /**
       * The customer is told that correction `correction` is not used: a mail that the parcel waits for a label with
       * the new address, if still to go, does not go (it would tell of an address the parcel no longer gets). Told
       * again (`toldAgain`): the mail that the parcel goes to the source's address went, and a parcel left without the
       * correction since: that is a mail of its own.
       */
      const notUsed = Effect.fnUntraced(function* (orderId: string, told: CorrectionTold) {
        const { correction, cause } = told
        yield* suppressPending(
          "kind = 'address-correction-relabel' AND subject_id = ?",
          [correctionSubject(orderId, correction)],
          `correction ${correction} of order ${orderId} is not used (${cause})`
        )
        return {
          type: told.toldAgain ? "order.hub-correction-parcel-left" : "order.hub-correction-ignored",
          orderId,
          correction,
          ...(told.parcel === undefined ? {} : { parcel: told.parcel })
        } satisfies StationFact
      })

      /**
       * A parcel of the order left with the carrier: when its station had not applied the customer's latest
       * correction, the customer is told at once where it goes (hub/core/correction/CorrectionAnswers.ts's
       * `leftParcelOutcome`). Returns the facts to tell.
       */
      const parcelLeft = Effect.fnUntraced(function* (orderId: string, parcelId: string, now: number) {
        const decided = yield* parcelLeftNow(sql, { orderId, parcelId }, now)
        if (decided === undefined) return []
        return [yield* notUsed(orderId, decided)]
      })

      /**
       * The hub hears of a parcel's packing after another station handed it over: what the customer was told of their
       * correction follows the packing station's answer (hub/core/correction/CorrectionAnswers.ts's
       * `packedAfterLeft`). A mail of the handover's that turns out wrong does not go while it still waits; one that
       * went is followed by one mail that says so. Returns the facts to tell.
       */
      const packedAfterHandover = Effect.fnUntraced(function* (
        packed: { readonly orderId: string; readonly parcelId: string },
        before: ParcelBeforePacking | undefined,
        event: EventEnvelope,
        now: number
      ) {
        const station = { siteId: event.siteId, stationId: event.stationId }
        const decided = yield* packedAfterLeft(
          sql,
          { ...packed, station, before, waitMs: settings.notify.correctionAnswerWaitMs },
          now
        )
        if (decided === undefined) return []
        if (decided.type === "told") return [yield* notUsed(packed.orderId, decided)]
        const reason = `${event.siteId}/${event.stationId} packed parcel ${packed.parcelId} of order ${packed.orderId} with correction ${decided.correction} applied: the parcel carries the customer's address`
        if (decided.mails.length > 0) {
          yield* suppressPending(
            `notification_id IN (${decided.mails.map(() => "?").join(", ")})`,
            decided.mails,
            reason
          )
        }
        if (!decided.mailWent) return []
        yield* Effect.logWarning(
          `hub: ${reason}, after the customer was told it left without it: they are told that mail was wrong`
        )
        return [
          {
            type: "order.hub-correction-applied",
            orderId: packed.orderId,
            correction: decided.correction,
            ...(decided.parcel === undefined ? {} : { parcel: decided.parcel })
          }
        ] satisfies Array<StationFact>
      })

      /**
       * The order at the event's station has `shipTo`, an address its source set (a version of the order, or the
       * source's own correction): a customer's correction applied there that set another is overridden. The hub's
       * copy of the order, which took the correction, follows the source's address unless something changed it since;
       * the customer is told once no station keeps the correction. Returns the facts to tell.
       */
      const sourceAddressAt = Effect.fnUntraced(function* (
        orderId: string,
        orderVersion: number,
        shipTo: Address,
        event: EventEnvelope,
        now: number
      ) {
        const station = { siteId: event.siteId, stationId: event.stationId }
        const facts: Array<StationFact> = []
        for (const correction of yield* overriddenBySource(sql, { orderId, orderVersion, station, shipTo }, now)) {
          yield* sql.execute(
            `UPDATE hub_orders SET ship_to = ?, updated_at_ms = ? WHERE order_id = ? AND ship_to = (
               SELECT ship_to FROM hub_address_corrections WHERE order_id = ? AND hold_round = ?)`,
            [JSON.stringify(shipTo), now, orderId, orderId, correction]
          )
          const ignored = yield* correctionIgnored(orderId, correction, station, now)
          if (ignored !== undefined) facts.push(ignored)
        }
        return facts
      })

      /**
       * A station applied correction `correction` after the hub had decided that no station keeps it (the station was
       * silent through the wait, or answered late). A mail of it still to go is suppressed: it is no longer so. One
       * that went stands, and no mail contradicts it (the customer was asked to write to support if the parcel should
       * go to the new address): logged for the staff, and no further mail of the correction goes. A mail that a parcel
       * left without the correction stays whether it went or not: that parcel is gone. Returns whether the customer
       * may still hear of the correction.
       */
      const appliedAfterTold = Effect.fnUntraced(function* (orderId: string, correction: number, event: EventEnvelope) {
        const subject = correctionSubject(orderId, correction)
        const told = yield* lockedMails(sql, ["address-correction-ignored"], [subject])
        if (told.length === 0) return true
        // A parcel that left without the correction is gone whatever this station does now: its mail goes.
        const kept = yield* sql.query<{ ignored_cause: string | null }>(
          "SELECT ignored_cause FROM hub_address_corrections WHERE order_id = ? AND hold_round = ?",
          [orderId, correction]
        )
        const cause = kept[0]?.ignored_cause
        if (cause === "handed-to-carrier" || cause === "parcel-left") {
          yield* Effect.logWarning(
            `hub: ${event.siteId}/${event.stationId} applied correction ${correction} of order ${orderId} after a parcel of the order had left without it (${cause}): the customer is told that parcel's address (check the order's other parcels)`
          )
          return false
        }
        yield* suppressPending(
          "kind = 'address-correction-ignored' AND subject_id = ?",
          [subject],
          `${event.siteId}/${event.stationId} applied correction ${correction} of order ${orderId} after all`
        )
        if (told.every((row) => row.status === "pending" || row.status === "suppressed")) return true
        yield* Effect.logWarning(
          `hub: ${event.siteId}/${event.stationId} applied correction ${correction} of order ${orderId} after the customer was told it is not used: no further mail of it goes (check which address the parcel gets)`
        )
        return false
      })

      /**
       * A station applied a customer's correction: recorded as its answer. When the order's parcel was packed there
       * already, labelled for the address before, the station holds it (`labelReprintRequired`: handover and reprint
       * refuse it until a manager voids it and the order is packed again, with a label for the new address): the
       * customer is told that. A correction through a shop connector carries no number of the hub's: it is known by
       * the shop side's order version it was sent at, and answered as the hub's own (applied, or the parcel had left).
       * A number the hub never sent is logged.
       */
      const correctionApplied = Effect.fnUntraced(function* (
        corrected: typeof OrderAddressCorrected.payload.Type,
        event: EventEnvelope,
        now: number
      ) {
        if (corrected.correction !== undefined && !mayBeHoldRound(corrected.correction)) {
          yield* Effect.logWarning(
            `hub: ${event.siteId}/${event.stationId} applied correction ${corrected.correction} of order ${corrected.orderId}, a number no hold of the hub's has`
          )
          return undefined
        }
        const known = yield* sql.query<{ hold_round: number }>(
          corrected.correction === undefined
            ? `SELECT hold_round FROM hub_address_corrections
               WHERE order_id = ? AND route = 'shop' AND order_version = ?`
            : `SELECT hold_round FROM hub_address_corrections
               WHERE order_id = ? AND route = 'station' AND hold_round = ?`,
          [corrected.orderId, corrected.correction ?? corrected.orderVersion]
        )
        const correction = known[0]
        if (correction === undefined) {
          if (corrected.correction !== undefined) {
            yield* Effect.logWarning(
              `hub: ${event.siteId}/${event.stationId} applied correction ${corrected.correction} of order ${corrected.orderId}, which the hub never sent`
            )
          }
          return undefined
        }
        const hold = Number(correction.hold_round)
        const station = { siteId: event.siteId, stationId: event.stationId }
        // The station's first word on the correction (a replay repeats one the hub had, which decided nothing new).
        const firstWord =
          (yield* sql.query(
            `SELECT 1 FROM hub_correction_answers
             WHERE order_id = ? AND hold_round = ? AND site_id = ? AND station_id = ?`,
            [corrected.orderId, hold, station.siteId, station.stationId]
          )).length === 0
        // A shop connector's correction comes as the order's next version, which the station stores even after the
        // parcel left: the parcel travels to the address it was labelled for, as a station says of a hub's correction
        // it did not apply for that.
        if (corrected.parcelAlreadyHandedOver === true) {
          yield* recordAnswer(
            sql,
            { orderId: corrected.orderId, correction: hold, station, outcome: "ignored", cause: "handed-to-carrier" },
            now
          )
          return yield* correctionIgnored(corrected.orderId, hold, station, now)
        }
        yield* recordAnswer(
          sql,
          {
            orderId: corrected.orderId,
            correction: hold,
            station,
            outcome: "applied",
            cause: null,
            orderVersion: corrected.orderVersion
          },
          now
        )
        if (firstWord && !(yield* appliedAfterTold(corrected.orderId, hold, event))) return undefined
        if (!corrected.labelReprintRequired) return undefined
        return {
          type: "order.hub-correction-relabel",
          orderId: corrected.orderId,
          correction: hold
        } satisfies StationFact
      })

      const applyStationEvent = Effect.fnUntraced(function* (event: EventEnvelope) {
        yield* Effect.provideService(recordMetricsFacts(event), Sql, sql).pipe(
          Effect.mapError((error) =>
            typeof error === "string" ? new EventRefused({ reason: `${event.type} payload: ${error}` }) : error
          )
        )
        // A cancellation's void is recorded with its version, once that is decoded and checked (below); a
        // reinstatement once, however many stations tell of it (`recordReinstatement`), never as a view one carries.
        if (event.type !== OrderCancelled.type && event.type !== OrderReinstated.type) {
          yield* Effect.provideService(recordEpcisEvent(event, { timeZone: settings.epcis.timeZone }), Sql, sql)
        }
        const now = yield* nowMs
        let fact: StationFact | undefined
        /** Facts the event tells besides its own: a customer's correction the source's address overrode. */
        let alsoFacts: ReadonlyArray<StationFact> = []
        switch (event.type) {
          case OrderReceived.type: {
            const { order } = yield* decodeOrRefuse(OrderReceived, event.payload)
            const received = yield* orderVersionOrRefuse(OrderReceived, order.orderId, order.version, now)
            // A station tells the hub of an order it has not heard of; the customer's data it never changes: that
            // is the shop's, through its own stream (applyShopOrder).
            yield* sql.write(rowsStatement(CUSTOMER, 1), customerRow(order, now))
            // A stale version (a late resend from another station) never overwrites a newer one.
            yield* sql.write(rowsStatement(ORDER, 1), [...hubOrderRow(order, event, now), received.newestPlausible])
            if (order.status !== "cancelled")
              yield* cancellationTakenBackBy(order.orderId, received, Effect.succeed({ by: "station", event }))
            yield* stationHasOrder(order.orderId, event, now)
            yield* ledger.recordOrder(order)
            if ((yield* ledger.releaseParked(order.orderId, now)) > 0) Queue.offerUnsafe(messageWakeups, undefined)
            // A version whose address is not the customer's correction that the station applied: the source's own.
            alsoFacts = yield* sourceAddressAt(order.orderId, order.version, order.shipTo, event, now)
            fact = { type: "order.received", orderId: order.orderId }
            break
          }
          case OrderCancelled.type: {
            const cancelled = yield* decodeOrRefuse(OrderCancelled, event.payload)
            const received = yield* orderVersionOrRefuse(OrderCancelled, cancelled.orderId, cancelled.orderVersion, now)
            // The newest version the hub knows before this word: a newer one took a cancellation it never voided back.
            const known = yield* sql.query<{ order_version: number | string }>(
              "SELECT order_version FROM hub_orders WHERE order_id = ?",
              [cancelled.orderId]
            )
            const knownVersion = known[0] === undefined ? undefined : Number(known[0].order_version)
            yield* Effect.provideService(
              recordEpcisEvent(event, { timeZone: settings.epcis.timeZone }, received, knownVersion),
              Sql,
              sql
            )
            yield* sql.execute(
              `UPDATE hub_orders SET order_version = ?, updated_at_ms = ?
               WHERE order_id = ? AND (order_version < ? OR order_version > ?)`,
              [cancelled.orderVersion, now, cancelled.orderId, cancelled.orderVersion, received.newestPlausible]
            )
            // A parcel on its way is not stopped by the cancellation: a return follows, not this. Nor is a packed one
            // at a station that lets it ship (no `parcelHeld`); one the station holds back never leaves (a manager
            // voids it), so the order is cancelled like any other and nothing else of it goes out.
            const parcelLeaves =
              cancelled.previousStatus === "shipped" ||
              (cancelled.previousStatus === "packed" && cancelled.parcelHeld !== true)
            if (parcelLeaves) return
            // A late word of a cancellation a newer version the hub knows took back (`newerKnownVersion`): as the
            // export voids nothing for it, the order is not cancelled by it, what waits to go out still goes, and the
            // customer reads of no cancellation. Should that version cancel the order, its own word does.
            if (newerKnownVersion(received, knownVersion) !== undefined) return
            // Older than the shop taking a cancellation back (a late station's word): it changes nothing. The same
            // version again (another station of the site), or another word of an order cancelled already,
            // suppresses what came since and tells the customer nothing new. A last word stored at a version no sender
            // can have given is no version to compare with (`supersedes`).
            const before = yield* cancellationState(cancelled.orderId)
            if (before.version !== cancelled.orderVersion && !received.supersedes(before.version)) return
            yield* sql.execute(
              `UPDATE hub_orders SET cancelled_at_ms = COALESCE(cancelled_at_ms, ?), cancellation_version = ?,
                 updated_at_ms = ? WHERE order_id = ?`,
              [event.eventTime.wallMs, cancelled.orderVersion, now, cancelled.orderId]
            )
            yield* suppressPending(
              "order_id = ? AND kind <> 'order-cancelled'",
              [cancelled.orderId],
              `order ${cancelled.orderId} was cancelled`
            )
            if (before.cancelled) return
            // Cancelled again after the shop took a cancellation back: a notice of its own (the first one was for
            // the cancellation taken back).
            fact =
              before.version === 0
                ? { type: "order.cancelled", orderId: cancelled.orderId }
                : {
                    type: "order.cancelled",
                    orderId: cancelled.orderId,
                    afterReinstatementVersion: cancelled.orderVersion
                  }
            break
          }
          case OrderReinstated.type: {
            // The shop took a cancellation back: the order's facts from now on mail as any order's. What was
            // suppressed while it was cancelled stays so (it was for then). A cancellation notice that has not gone
            // out yet is suppressed now: the customer would read of a cancellation that no longer holds. A
            // reinstatement older than the hub's last word on the order's cancellation changes nothing.
            const reinstated = yield* decodeOrRefuse(OrderReinstated, event.payload)
            const received = yield* orderVersionOrRefuse(
              OrderReinstated,
              reinstated.orderId,
              reinstated.orderVersion,
              now
            )
            const taken = yield* sql.execute(
              `UPDATE hub_orders SET cancelled_at_ms = NULL, cancellation_version = ?, updated_at_ms = ?
               WHERE order_id = ?
                 AND (cancellation_version IS NULL OR cancellation_version < ? OR cancellation_version > ?)`,
              [reinstated.orderVersion, now, reinstated.orderId, reinstated.orderVersion, received.newestPlausible]
            )
            yield* cancellationWithdrawn(
              reinstated.orderId,
              received,
              taken.changes > 0,
              Effect.succeed({ by: "station", event })
            )
            return
          }
          case OrderAddressCorrected.type: {
            // The station took a corrected address (from the shop or the customer's page): the hub's copy follows,
            // unless a shop connector owns the order, whose address the hub takes from the shop's stream only.
            const corrected = yield* decodeOrRefuse(OrderAddressCorrected, event.payload)
            const received = yield* orderVersionOrRefuse(
              OrderAddressCorrected,
              corrected.orderId,
              corrected.orderVersion,
              now
            )
            yield* sql.execute(
              `UPDATE hub_orders SET ship_to = ?, order_version = ?, updated_at_ms = ?
               WHERE order_id = ? AND (order_version <= ? OR order_version > ?) AND customer_source <> 'shop'`,
              [
                JSON.stringify(corrected.shipTo),
                corrected.orderVersion,
                now,
                corrected.orderId,
                corrected.orderVersion,
                received.newestPlausible
              ]
            )
            if (corrected.releasedHold) {
              yield* sql.execute(
                `UPDATE hub_orders SET address_problems = NULL, hold_released_at_ms = ?, updated_at_ms = ?
                 WHERE order_id = ?`,
                [event.eventTime.wallMs, now, corrected.orderId]
              )
            }
            const relabel = yield* correctionApplied(corrected, event, now)
            // The source's own correction (a shop connector's order: the customer's, by the version it has) overrides
            // a customer's correction applied at the station, unless the parcel had left with it.
            if (corrected.correction === undefined && corrected.parcelAlreadyHandedOver !== true) {
              alsoFacts = yield* sourceAddressAt(
                corrected.orderId,
                corrected.orderVersion,
                corrected.shipTo,
                event,
                now
              )
            }
            if (relabel === undefined && alsoFacts.length === 0) return
            fact = relabel
            break
          }
          case OrderAddressHold.type: {
            const hold = yield* decodeOrRefuse(OrderAddressHold, event.payload)
            yield* stationHasOrder(hold.orderId, event, now)
            // Each hold is counted: a hold after a correction (the station re-checked the corrected address, or a
            // later version of the order) is a new request with its own mail and link, and the earlier ones stop.
            yield* sql.execute(
              `UPDATE hub_orders SET address_problems = ?, hold_station_id = ?, hold_released_at_ms = NULL,
                 address_holds = address_holds + 1, updated_at_ms = ? WHERE order_id = ?`,
              [JSON.stringify(hold.problems.map((problem) => problem.message)), event.stationId, now, hold.orderId]
            )
            const holds = yield* sql.query<{ address_holds: number }>(
              "SELECT address_holds FROM hub_orders WHERE order_id = ?",
              [hold.orderId]
            )
            const round = Math.max(1, Number(holds[0]?.address_holds ?? 1))
            if (round > 1) {
              yield* suppressPending(
                "order_id = ? AND kind = 'address-correction'",
                [hold.orderId],
                `a newer address hold of order ${hold.orderId} asks again`
              )
            }
            fact = { type: "order.address-hold", orderId: hold.orderId, round }
            break
          }
          case InboundUpdateIgnored.type: {
            // Most messages a station does not apply are stale versions, nothing to tell anyone. A customer's
            // correction it did not apply is its answer to it, which the customer may be told of, from every
            // station's answer (hub/core/correction/CorrectionAnswers.ts): the customer typed an address and gets
            // the parcel at another one.
            const ignored = yield* decodeOrRefuse(InboundUpdateIgnored, event.payload)
            if (ignored.messageType !== "order.hub-address-correction") return
            const cause = yield* customerCauseOf(ignored, event)
            // Only a correction the hub took and sent to the stations, named by the hold it answers: a station's word
            // about any other mails no one.
            const known = mayBeHoldRound(ignored.receivedVersion)
              ? yield* sql.query<{ hold_round: number }>(
                  `SELECT hold_round FROM hub_address_corrections
                   WHERE order_id = ? AND hold_round = ? AND route = 'station'`,
                  [ignored.orderId, ignored.receivedVersion]
                )
              : []
            if (known[0] === undefined) {
              if (cause !== undefined) {
                yield* Effect.logWarning(
                  `hub: ${event.siteId}/${event.stationId} did not apply correction ${ignored.receivedVersion} of order ${ignored.orderId}, which the hub never sent: the customer is told nothing`
                )
              }
              return
            }
            // The hub's copy of the order took the customer's address when the correction was made: it goes back to
            // the address the station keeps, unless something changed it since.
            if (ignored.keptShipTo !== undefined) {
              yield* sql.execute(
                `UPDATE hub_orders SET ship_to = ?, updated_at_ms = ? WHERE order_id = ? AND ship_to = (
                   SELECT ship_to FROM hub_address_corrections WHERE order_id = ? AND hold_round = ?)`,
                [JSON.stringify(ignored.keptShipTo), now, ignored.orderId, ignored.orderId, ignored.receivedVersion]
              )
            }
            const station = { siteId: event.siteId, stationId: event.stationId }
            yield* recordAnswer(
              sql,
              {
                orderId: ignored.orderId,
                correction: ignored.receivedVersion,
                station,
                // The customer's newer correction holds there.
                outcome: ignored.cause === "not-newer" ? "replaced" : "ignored",
                cause: cause ?? null
              },
              now
            )
            fact = yield* correctionIgnored(ignored.orderId, ignored.receivedVersion, station, now)
            if (fact === undefined) return
            break
          }
          case ParcelPacked.type: {
            const packed = yield* decodeOrRefuse(ParcelPacked, event.payload)
            // Heard after its handover (another station's stream ran ahead): the packing station's answer decides.
            const before = yield* parcelBeforePacking(sql, packed)
            yield* ensureParcel(packed, {
              columns: [...PARCEL_STATION, "packed_at_ms"],
              values: [event.siteId, event.stationId, event.eventTime.wallMs]
            })
            alsoFacts = yield* packedAfterHandover(packed, before, event, now)
            yield* putOffFeedback(packed.orderId)
            fact = { type: "parcel.packed", orderId: packed.orderId, parcelId: packed.parcelId }
            break
          }
          case ParcelHandedToCarrier.type: {
            const handed = yield* decodeOrRefuse(ParcelHandedToCarrier, event.payload)
            const order = yield* orderLocale(handed.orderId)
            const expected = expectedDelivery(
              event.eventTime.wallMs,
              handed.carrier,
              order?.service_level ?? "*",
              customerTimeZone(
                shipToPlace(order?.ship_to ?? null),
                (order?.locale ?? "de") as Locale,
                settings.notify.timeZones
              ),
              settings.notify
            )
            yield* ensureParcel(handed, {
              columns: [
                ...PARCEL_STATION,
                "handed_at_ms",
                "handover_batch_id",
                "expected_delivery_date",
                "expected_delivery_by_ms"
              ],
              values: [
                event.siteId,
                event.stationId,
                event.eventTime.wallMs,
                `${event.siteId}/${handed.batchId}`,
                expected.date,
                expected.byMs
              ],
              keep: PARCEL_STATION
            })
            alsoFacts = yield* parcelLeft(handed.orderId, handed.parcelId, now)
            yield* putOffFeedback(handed.orderId)
            fact = { type: "parcel.handed-to-carrier", orderId: handed.orderId, parcelId: handed.parcelId }
            break
          }
          case ParcelLinesRenumbered.type: {
            // The shop numbered the order's lines anew: the refund ledger learns which item each former line held.
            yield* ledger.applyLinesRenumbered(yield* decodeOrRefuse(ParcelLinesRenumbered, event.payload))
            return
          }
          case ReturnReceived.type: {
            const received = yield* decodeOrRefuse(ReturnReceived, event.payload)
            // An unknown return (no order found at the door) has no customer to tell.
            if (!received.known || received.orderId === null) return
            // Return ids are numbered per station and carry the station id; the site makes them unique.
            fact = {
              type: "return.received",
              orderId: received.orderId,
              returnRef: `${event.siteId}/${received.returnId}`
            }
            break
          }
          case ReturnCancelled.type: {
            // A correction: the return it voids no longer counts, in the metrics, the ledger or the customer's mail.
            const cancelled = yield* decodeOrRefuse(ReturnCancelled, event.payload)
            yield* ledger.applyReturnCancelled(event, cancelled, now)
            yield* suppressPending(
              "kind = 'return-received' AND subject_id = ?",
              [`${event.siteId}/${cancelled.returnId}`],
              `return ${cancelled.returnId} was cancelled at the returns desk: ${cancelled.reason}`
            )
            Queue.offerUnsafe(messageWakeups, undefined)
            return
          }
          case ReturnRefundDecided.type: {
            yield* ledger.applyDecided(event, yield* decodeOrRefuse(ReturnRefundDecided, event.payload), now)
            Queue.offerUnsafe(messageWakeups, undefined)
            return
          }
          case ReturnRefundDecisionCorrected.type: {
            // A correction of a decision is applied as the decision it states: a version 1 hold at 0 of a unit decided
            // with no refund claimed nothing, and its correction claims nothing; a claim the corrected decision made
            // is released as a later no-refund releases it.
            const corrected = yield* decodeOrRefuse(ReturnRefundDecisionCorrected, event.payload)
            yield* ledger.applyDecided(event, corrected, now)
            Queue.offerUnsafe(messageWakeups, undefined)
            return
          }
          case ReturnRefundIssued.type: {
            const issued = yield* decodeOrRefuse(ReturnRefundIssued, event.payload)
            yield* ledger.applyIssued(event, issued, now)
            const subject = refundSubject(issued.orderId, issued.shopRefundId)
            // The station issues a unit once; a replayed event finds the row and changes nothing.
            yield* sql.execute(
              `INSERT INTO hub_refund_notice_units (order_id, line_id, unit, refund_subject, shop_refund_id,
                 amount_minor, currency, event_id, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (order_id, line_id, unit) DO NOTHING`,
              [
                issued.orderId,
                issued.lineId,
                issued.unit,
                subject,
                issued.shopRefundId,
                issued.amountCents,
                issued.currency,
                event.id,
                now
              ]
            )
            fact = { type: "return.refund-issued", orderId: issued.orderId, shopRefundId: issued.shopRefundId }
            break
          }
          default:
            return
        }
        yield* Effect.forEach(
          [...(fact === undefined ? [] : [fact]), ...alsoFacts].flatMap((told) =>
            intentsForStationFact(told, settings.notify)
          ),
          (intent) => recordWritten(intent, event.id),
          { discard: true }
        )
      })

      /**
       * The run's reads by its keys: planned for the tables as they are each time (once a batch), not held to the plan
       * PostgreSQL cached while they were small (it read `hub_orders` whole every batch after that).
       */
      const growingTables = { planEachTime: true } as const
      /** Keys per IN list: far below either database's limit on parameters. */
      const keysPerQuery = 500
      const inChunks = (keys: ReadonlyArray<string>) => {
        const chunks: Array<ReadonlyArray<string>> = []
        for (let at = 0; at < keys.length; at += keysPerQuery) chunks.push(keys.slice(at, at + keysPerQuery))
        return chunks
      }
      const writeAll = (statements: ReadonlyArray<BatchStatement>) =>
        Effect.forEach(statements, (statement) => sql.write(statement.text, statement.params), { discard: true })

      /** An event of a run: decoded, with what its rows need once the run's reads are in. */
      type RunEvent =
        | { readonly kind: "received"; readonly event: EventEnvelope; readonly order: Order }
        | { readonly kind: "packed"; readonly event: EventEnvelope; readonly packed: typeof ParcelPacked.payload.Type }
        | {
            readonly kind: "handed"
            readonly event: EventEnvelope
            readonly handed: typeof ParcelHandedToCarrier.payload.Type
          }

      /**
       * A run of orders received, parcels packed and handed over, applied as `applyStationEvent` would one by one:
       * - the tables it writes are written by no read it makes but one (the handover's order and customer), and no
       *   statement reads another table, so each table's rows go in their own statements, in event order, split
       *   where a key repeats (`TableRows`), customers before orders (their foreign key), notifications before
       *   their outbox rows;
       * - the handovers' orders are read in one query after the run's orders are written: a run never holds an
       *   order received after a handover of the same order (`applyStationEvents` ends the run before it), so each
       *   handover reads what it read one event at a time;
       * - a refund decision parked for one of its orders is released, a customer's correction of one sent to a
       *   station new to it, a cancellation of one taken back by its newer version, and a customer told that their
       *   correction is not used by a parcel of the order that left, only one event at a time (no event of a run
       *   parks one, takes a correction or cancels an order, so queries before the run tell), nor a parcel of a corrected
       *   order packed (its packing may be heard after another station handed it over); the station's answers
       *   to a correction (`order.address-corrected`, `inbound.update-ignored`) are never in a run;
       * - notification rows are inserted with RETURNING: a feedback or outbox row goes in only for a notification
       *   that was new, as `recordWritten`'s `WHERE EXISTS` had it.
       * Tokens and notification ids are drawn in the order `applyStationEvent` draws them.
       */
      const applyRun = (run: ReadonlyArray<RunEvent>) =>
        Effect.gen(function* () {
          if (run.length === 0) return
          const received = new Set<string>()
          // A parcel of an order the customer corrected that left, or whose packing is heard after it left, may tell
          // them what became of their correction.
          const ofParcels = new Set<string>()
          for (const item of run) {
            if (item.kind === "received") received.add(item.order.orderId)
            else ofParcels.add(item.kind === "handed" ? item.handed.orderId : item.packed.orderId)
          }
          const receivedIds = [...received]
          const parcelIds = [...ofParcels]
          const oneByOne = Effect.gen(function* () {
            for (const item of run) yield* applyStationEvent(item.event)
          })
          for (const chunk of inChunks(receivedIds)) {
            const marks = chunk.map(() => "?").join(", ")
            const found = yield* sql.query(
              `SELECT 1 AS parked FROM hub_refund_parked WHERE order_id IN (${marks})
               UNION ALL SELECT 1 FROM hub_address_corrections WHERE order_id IN (${marks})
               UNION ALL SELECT 1 FROM hub_orders WHERE cancelled_at_ms IS NOT NULL AND order_id IN (${marks})
               UNION ALL SELECT 1 FROM hub_epcis_voided_transactions WHERE biz_transaction IN (${marks})
               LIMIT 1`,
              [
                ...chunk,
                ...chunk,
                ...chunk,
                // An order the export voided (a shipped one the hub does not count cancelled): the version may take it
                // back, or raise the version that took it back (HubEpcis.ts's `recordReinstatement`).
                ...chunk.map((orderId) => orderTransaction(orderId)[0]!.bizTransaction)
              ],
              growingTables
            )
            if (found.length > 0) return yield* oneByOne
          }
          for (const chunk of inChunks(parcelIds)) {
            const marks = chunk.map(() => "?").join(", ")
            // A feedback request recorded for an order one more parcel is heard of is put off (`putOffFeedback`).
            const found = yield* sql.query(
              `SELECT 1 AS corrected FROM hub_address_corrections WHERE order_id IN (${marks})
               UNION ALL SELECT 1 FROM hub_notifications WHERE kind = 'feedback-request' AND subject_id IN (${marks})
               LIMIT 1`,
              [...chunk, ...chunk],
              growingTables
            )
            if (found.length > 0) return yield* oneByOne
          }
          const metrics = new TableRows()
          const customers = new TableRows()
          const orders = new TableRows()
          const orderStations = new TableRows()
          const refundOrders = new TableRows()
          const parcels = new TableRows()
          const notifications = new TableRows()
          const epcis = new TableRows()
          /** Handovers' rows whose expected delivery is filled in once their orders are read. */
          const handovers: Array<{ readonly item: RunEvent & { kind: "handed" }; readonly values: Array<SqlValue> }> =
            []
          const intents: Array<{
            readonly intent: NotificationIntent
            readonly notificationId: string
            readonly now: number
            readonly feedbackToken: string | undefined
          }> = []
          // Looked up once for the run's ids: each id draws from it as `uuid7` would, in the same order.
          const random = yield* Random.Random
          for (const item of run) {
            const { event } = item
            // A run's kinds correct no event: their views go in with the run's other rows.
            const epcisRow = uncorrectingEpcisRow(event, { timeZone: settings.epcis.timeZone })
            if (epcisRow !== undefined) epcis.add(event.id, EPCIS_EVENT, epcisRow)
            const now = yield* nowMs
            let fact: StationFact
            switch (item.kind) {
              case "received": {
                const { order } = item
                const placedAtMs = Date.parse(order.placedAt)
                metrics.add(order.orderId, METRICS_ORDER, [
                  order.orderId,
                  order.customer.customerId,
                  Number.isNaN(placedAtMs) ? event.eventTime.wallMs : placedAtMs
                ])
                customers.add(order.customer.customerId, CUSTOMER, customerRow(order, now))
                orders.add(order.orderId, ORDER, hubOrderRow(order, event, now))
                orderStations.add(`${order.orderId}\u0000${event.siteId}\u0000${event.stationId}`, ORDER_STATION, [
                  order.orderId,
                  event.siteId,
                  event.stationId,
                  now
                ])
                refundOrders.add(order.orderId, STATION_ORDER_INSERT, orderRow(order, "station"))
                fact = { type: "order.received", orderId: order.orderId }
                break
              }
              case "packed": {
                const { packed } = item
                parcels.add(packed.parcelId, PARCEL_PACKED, [
                  packed.parcelId,
                  packed.orderId,
                  yield* tokens.next,
                  packed.carrier,
                  packed.trackingNumber,
                  yield* nowMs,
                  event.siteId,
                  event.stationId,
                  event.eventTime.wallMs
                ])
                fact = { type: "parcel.packed", orderId: packed.orderId, parcelId: packed.parcelId }
                break
              }
              case "handed": {
                const { handed } = item
                const values: Array<SqlValue> = [
                  handed.parcelId,
                  handed.orderId,
                  yield* tokens.next,
                  handed.carrier,
                  handed.trackingNumber,
                  yield* nowMs,
                  event.siteId,
                  event.stationId,
                  event.eventTime.wallMs,
                  `${event.siteId}/${handed.batchId}`,
                  null,
                  null
                ]
                // Packed earlier in the run: one row does both upserts. It keeps the first insert's parcel, order
                // and token (an upsert's conflict sets none of them), the packing station and time, and takes the
                // rest from the handover, as the second upsert did.
                let row = values
                parcels.add(handed.parcelId, PARCEL_HANDED, values, (earlier) => {
                  if (earlier.shape !== PARCEL_PACKED) return undefined
                  const [parcelId, orderId, token, , , , siteId, stationId, packedAtMs] = earlier.values
                  row = [
                    parcelId!,
                    orderId!,
                    token!,
                    ...values.slice(3, 6),
                    siteId!,
                    stationId!,
                    packedAtMs!,
                    ...values.slice(8)
                  ]
                  return { shape: PARCEL_PACKED_HANDED, values: row }
                })
                handovers.push({ item, values: row })
                fact = { type: "parcel.handed-to-carrier", orderId: handed.orderId, parcelId: handed.parcelId }
                break
              }
            }
            for (const intent of intentsForStationFact(fact, settings.notify)) {
              const at = yield* nowMs
              const notificationId = uuid7With(random, at)
              const feedbackToken =
                intent.kind === "feedback-request" && intent.parcelId !== undefined ? yield* tokens.next : undefined
              notifications.add(
                `${intent.kind}\u0000${intent.subjectId}`,
                NOTIFICATION,
                notificationRow(notificationId, intent, event.id, at)
              )
              intents.push({ intent, notificationId, now: at, feedbackToken })
            }
          }
          yield* writeAll(epcis.statements())
          yield* writeAll(metrics.statements())
          yield* writeAll(customers.statements())
          yield* writeAll(orders.statements([newestPlausibleVersion(yield* nowMs)]))
          yield* writeAll(orderStations.statements())
          yield* writeAll(refundOrders.statements())
          if (handovers.length > 0) {
            const known = new Map<string, { locale: string; service_level: string; ship_to: string | null }>()
            for (const chunk of inChunks([...new Set(handovers.map(({ item }) => item.handed.orderId))])) {
              const rows = yield* sql.query<{
                order_id: string
                locale: string
                service_level: string
                ship_to: string | null
              }>(handoverOrdersRead(sql.dialect, chunk.length), chunk, growingTables)
              for (const row of rows) known.set(row.order_id, row)
            }
            for (const { item, values } of handovers) {
              const order = known.get(item.handed.orderId)
              const expected = expectedDelivery(
                item.event.eventTime.wallMs,
                item.handed.carrier,
                order?.service_level ?? "*",
                customerTimeZone(
                  shipToPlace(order?.ship_to ?? null),
                  (order?.locale ?? "de") as Locale,
                  settings.notify.timeZones
                ),
                settings.notify
              )
              // The last two columns of either form.
              values[values.length - 2] = expected.date
              values[values.length - 1] = expected.byMs
            }
          }
          yield* writeAll(parcels.statements())
          if (intents.length === 0) return
          const inserted = new Set<string>()
          for (const statement of notifications.statements()) {
            const rows = yield* sql.query<{ notification_id: string }>(statement.text, statement.params)
            for (const row of rows) inserted.add(row.notification_id)
          }
          const feedback = new TableRows()
          const outbox = new TableRows()
          const channels = settings.webhookUrl === undefined ? ["email"] : ["email", "webhook"]
          for (const { intent, notificationId, now, feedbackToken } of intents) {
            if (!inserted.has(notificationId)) continue
            if (feedbackToken !== undefined && intent.parcelId !== undefined) {
              feedback.add(intent.parcelId, FEEDBACK, [intent.parcelId, intent.orderId, feedbackToken, now])
            }
            for (const channel of channels) {
              outbox.add(`${notificationId}\u0000${channel}`, OUTBOX, [
                notificationId,
                channel,
                "pending",
                0,
                now + settleDelayMs(intent.kind, settings.notify)
              ])
            }
          }
          yield* writeAll(feedback.statements())
          yield* writeAll(outbox.statements())
          senderDoorbell.ring()
        })

      /**
       * The events in order, runs of the frequent kinds (orders received, parcels packed and handed over) applied
       * together by `applyRun`, every other event on its own at its place. A run ends before an order received that
       * one of its handovers has read, and before any other event.
       */
      const applyStationEvents = (events: ReadonlyArray<EventEnvelope>) =>
        Effect.gen(function* () {
          let run: Array<RunEvent> = []
          let readOrders = new Set<string>()
          const endRun = Effect.suspend(() => {
            const ending = run
            run = []
            readOrders = new Set()
            return applyRun(ending)
          })
          // The run's events are decoded and checked in plain code; a refusal fails the batch as the effects did.
          for (const event of events) {
            switch (event.type) {
              case OrderReceived.type: {
                const received = payloadOrRefusal(OrderReceived, event.payload)
                if (received instanceof EventRefused) return yield* Effect.fail(received)
                const { order } = received
                const refused = orderVersionRefused(OrderReceived, order.orderId, order.version, yield* nowMs)
                if (refused !== undefined) return yield* Effect.fail(refused)
                if (readOrders.has(order.orderId)) yield* endRun
                run.push({ kind: "received", event, order })
                break
              }
              case ParcelPacked.type: {
                const packed = payloadOrRefusal(ParcelPacked, event.payload)
                if (packed instanceof EventRefused) return yield* Effect.fail(packed)
                run.push({ kind: "packed", event, packed })
                break
              }
              case ParcelHandedToCarrier.type: {
                const handed = payloadOrRefusal(ParcelHandedToCarrier, event.payload)
                if (handed instanceof EventRefused) return yield* Effect.fail(handed)
                readOrders.add(handed.orderId)
                run.push({ kind: "handed", event, handed })
                break
              }
              default: {
                yield* endRun
                yield* applyStationEvent(event)
              }
            }
          }
          yield* endRun
        })

      /**
       * The shop's stream taking a cancellation back, as the export tells it (`ShopReinstatement`): the hub's word at
       * the hub's time, from the shop connector that keeps the order, if one does.
       */
      const shopReinstatement = (order: Order, siteId: string, stationId: string, now: number) =>
        Effect.gen(function* () {
          const connector = yield* sql.query<{ connector_id: string }>(
            "SELECT connector_id FROM shop_orders WHERE order_id = ?",
            [order.orderId]
          )
          return {
            by: "shop",
            shop: {
              id: yield* uuid7(now),
              atMs: now,
              siteId,
              stationId,
              connectorId: connector[0]?.connector_id,
              orderVersion: order.version
            }
          } satisfies ReinstatementTold
        })

      const applyShopOrder = (order: Order, siteId: string, stationId: string) =>
        Effect.gen(function* () {
          const now = yield* nowMs
          const checked = yield* Effect.result(inboundVersion(`order ${order.orderId}`, order.version, now))
          if (checked._tag === "Failure") {
            yield* Effect.logWarning(
              `hub: the shop's order.upsert to ${siteId}/${stationId} refused: ${checked.failure}`
            )
            return "implausible-version" as const
          }
          return yield* applyCheckedShopOrder(order, checked.success, siteId, stationId, now)
        })

      const applyCheckedShopOrder = (
        order: Order,
        received: InboundVersion,
        siteId: string,
        stationId: string,
        now: number
      ) =>
        sql.transaction(
          Effect.gen(function* () {
            const known = yield* sql.query<{ shop_version: number | null }>(
              "SELECT shop_version FROM hub_orders WHERE order_id = ?",
              [order.orderId]
            )
            const shopVersion = known[0]?.shop_version
            if (shopVersion !== undefined && shopVersion !== null && !received.supersedes(Number(shopVersion))) {
              return "stale" as const
            }
            yield* sql.execute(
              `INSERT INTO hub_customers (customer_id, first_name, last_name, email, locale, updated_at_ms)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (customer_id) DO UPDATE SET first_name = excluded.first_name,
                 last_name = excluded.last_name, email = excluded.email, locale = excluded.locale,
                 updated_at_ms = excluded.updated_at_ms`,
              [
                order.customer.customerId,
                order.customer.firstName,
                order.customer.lastName,
                order.customer.email,
                order.customer.locale,
                now
              ]
            )
            yield* sql.execute(
              `INSERT INTO hub_orders (order_id, order_version, customer_id, brand, service_level, carrier, site_id,
                 station_id, ship_to, updated_at_ms, customer_source, shop_version)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'shop', ?)
               ON CONFLICT (order_id) DO UPDATE SET order_version = excluded.order_version,
                 customer_id = excluded.customer_id, brand = excluded.brand, service_level = excluded.service_level,
                 carrier = excluded.carrier, ship_to = excluded.ship_to, updated_at_ms = excluded.updated_at_ms,
                 customer_source = 'shop', shop_version = excluded.shop_version`,
              [
                order.orderId,
                order.version,
                order.customer.customerId,
                order.brand,
                order.serviceLevel,
                order.carrier,
                siteId,
                stationId,
                JSON.stringify(order.shipTo),
                now,
                order.version
              ]
            )
            if (order.status !== "cancelled") {
              yield* cancellationTakenBackBy(order.orderId, received, shopReinstatement(order, siteId, stationId, now))
            } else yield* Effect.provideService(recordShopCancellation(order.orderId, received), Sql, sql)
            yield* ledger.recordShopOrder(order, received)
            if ((yield* ledger.releaseParked(order.orderId, now)) > 0) Queue.offerUnsafe(messageWakeups, undefined)
            return "applied" as const
          })
        )

      const applyCarrierEvent = (event: CarrierTrackingEvent) =>
        sql.transaction(
          Effect.gen(function* () {
            const parcels = yield* sql.query<ParcelRow & { readonly packed_at_ms: number | null }>(
              `SELECT parcel_id, order_id, status, packed_at_ms, handed_at_ms, expected_delivery_by_ms, last_scan_at_ms,
                 delivered_at_ms FROM hub_parcels WHERE carrier = ? AND tracking_number = ?`,
              [event.carrier, event.trackingNumber]
            )
            const parcel = parcels[0]
            if (parcel === undefined) return "unknown-parcel" as const
            const receivedMs = yield* nowMs
            if (event.occurredAtMs > receivedMs + Bounds.clockSkewMs) {
              yield* Effect.logWarning(
                `hub: ${scanNamed(event)} refused: its time ${clockProblem(event.occurredAtMs, receivedMs)}`
              )
              return "ahead-of-clock" as const
            }
            if (parcel.packed_at_ms !== null && event.occurredAtMs < scanFloorMs(Number(parcel.packed_at_ms))) {
              yield* Effect.logWarning(
                `hub: ${scanNamed(event)} refused: its time ${new Date(event.occurredAtMs).toISOString()} is before its parcel ${parcel.parcel_id} was packed (${new Date(Number(parcel.packed_at_ms)).toISOString()})`
              )
              return "before-parcel" as const
            }
            const rows = yield* sql.query<{
              carrier_event_id: string
              status: TrackingStatus
              sub_reason: TrackingSubReason | null
              occurred_at_ms: number
            }>(
              "SELECT carrier_event_id, status, sub_reason, occurred_at_ms FROM hub_tracking_events WHERE parcel_id = ?",
              [parcel.parcel_id]
            )
            const timeline: ReadonlyArray<TimelineEntry> = rows.map((row) => ({
              eventId: row.carrier_event_id,
              status: row.status,
              subReason: row.sub_reason ?? undefined,
              occurredAtMs: Number(row.occurred_at_ms)
            }))
            const merged = mergeTimeline(timeline, { ...event, eventId: event.eventId })
            if (!merged.added) return "duplicate" as const
            const now = receivedMs
            yield* sql.execute(
              `INSERT INTO hub_tracking_events (parcel_id, carrier_event_id, status, sub_reason, occurred_at_ms,
                 location, description, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
              [
                parcel.parcel_id,
                event.eventId,
                event.status,
                event.subReason ?? null,
                event.occurredAtMs,
                event.location ?? null,
                event.description ?? null,
                now
              ]
            )
            const before = currentStatus(timeline)
            const after = currentStatus(merged.timeline)
            const deliveredAt =
              after === "delivered"
                ? merged.timeline.find((entry) => entry.status === "delivered")?.occurredAtMs
                : undefined
            // A parcel back in transit after "returned" or "expired" has timers again: the tick reads it once more.
            yield* sql.execute(
              `UPDATE hub_parcels SET status = ?, last_scan_at_ms = ?, delivered_at_ms = ?, updated_at_ms = ?,
                 timers_done_at_ms = CASE WHEN ? = 1 THEN timers_done_at_ms ELSE NULL END
               WHERE parcel_id = ?`,
              [
                after ?? null,
                Math.max(Number(parcel.last_scan_at_ms ?? 0), event.occurredAtMs),
                deliveredAt ?? null,
                now,
                after === "returned-to-sender" || after === "expired" ? 1 : 0,
                parcel.parcel_id
              ]
            )
            yield* recordAll(
              intentsForTrackingChange({ orderId: parcel.order_id, parcelId: parcel.parcel_id }, before, after),
              `carrier:${event.carrier}:${event.eventId}`
            )
            return "added" as const
          })
        )

      /** Corrections a timer pass decides at most: a backlog (a hub that was down) is worked off pass by pass. */
      const correctionsPerTick = 500
      const tick = sql.transaction(
        Effect.gen(function* () {
          const now = yield* nowMs
          yield* Effect.provideService(pruneEpcisEvents(now, settings.epcis.retentionDays), Sql, sql)
          // Only the parcels whose timers may still be due (a partial index): one found done is marked and not read
          // again, so a tick costs the parcels in flight, not every parcel ever handed over.
          const parcels = yield* sql.query<ParcelRow>(
            `SELECT parcel_id, order_id, status, handed_at_ms, expected_delivery_by_ms, last_scan_at_ms,
               delivered_at_ms FROM hub_parcels
             WHERE handed_at_ms IS NOT NULL AND timers_done_at_ms IS NULL`
          )
          let recorded = 0
          for (const parcel of parcels) {
            const kinds = yield* sql.query<{ kind: NotificationKind }>(
              `SELECT kind FROM hub_notifications WHERE (kind = 'delay-alert' AND subject_id = ?)
                 OR (kind = 'feedback-request' AND subject_id = ?)`,
              [parcel.parcel_id, parcel.order_id]
            )
            if (
              parcel.status === "returned-to-sender" ||
              parcel.status === "expired" ||
              kinds.some((row) => row.kind === "feedback-request")
            ) {
              yield* sql.execute("UPDATE hub_parcels SET timers_done_at_ms = ? WHERE parcel_id = ?", [
                now,
                parcel.parcel_id
              ])
              continue
            }
            const otherParcels =
              parcel.status === "delivered"
                ? yield* sql.query<{ status: string | null; delivered_at_ms: number | null }>(
                    "SELECT status, delivered_at_ms FROM hub_parcels WHERE order_id = ? AND parcel_id <> ?",
                    [parcel.order_id, parcel.parcel_id]
                  )
                : []
            const intents = dueTimedIntents(
              {
                orderId: parcel.order_id,
                parcelId: parcel.parcel_id,
                status: (parcel.status ?? undefined) as TrackingStatus | undefined,
                handedAtMs: parcel.handed_at_ms === null ? undefined : Number(parcel.handed_at_ms),
                expectedDeliveryByMs:
                  parcel.expected_delivery_by_ms === null ? undefined : Number(parcel.expected_delivery_by_ms),
                lastScanAtMs: parcel.last_scan_at_ms === null ? undefined : Number(parcel.last_scan_at_ms),
                deliveredAtMs: parcel.delivered_at_ms === null ? undefined : Number(parcel.delivered_at_ms),
                notified: new Set(kinds.map((row) => row.kind)),
                otherParcels: otherParcels.map((other) => ({
                  status: (other.status ?? undefined) as TrackingStatus | undefined,
                  deliveredAtMs: other.delivered_at_ms === null ? undefined : Number(other.delivered_at_ms)
                }))
              },
              now,
              settings.notify
            )
            for (const intent of intents) if (yield* record(intent, `timer:${now}`)) recorded++
          }
          // Customers' corrections whose wait for the stations' answers is over: decided from the answers there are,
          // once each (a hub started anew reads only those not decided yet).
          const waitMs = settings.notify.correctionAnswerWaitMs
          for (const { orderId, correction } of yield* correctionsWaitOver(sql, waitMs, now, correctionsPerTick)) {
            const fact = yield* correctionIgnored(orderId, correction, undefined, now)
            for (const intent of fact === undefined ? [] : intentsForStationFact(fact, settings.notify)) {
              if (yield* record(intent, `timer:${now}`)) recorded++
            }
            yield* answerWaitDone(sql, orderId, correction, now)
          }
          return recorded
        })
      )

      return HubProjection.of({
        knows: (type, version) => {
          const acted = handled[type]
          if (acted !== undefined) return acted.includes(version)
          // A type of no use to the hub (a scan, a sign-in) is taken at any version its release wrote; a type not in
          // the catalog comes from a newer station, and is held until the upgrade that may act on it.
          const written = stationEventVersions.get(type)
          return written !== undefined && version <= written
        },
        applyStationEvent,
        applyStationEvents,
        applyShopOrder,
        applyCarrierEvent,
        tick,
        senderDoorbell,
        wakeSender: Effect.sync(() => senderDoorbell.ring()),
        messageWakeups,
        wakeMessages: Effect.sync(() => Queue.offerUnsafe(messageWakeups, undefined))
      })
    })
  )
}
