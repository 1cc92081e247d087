/** The hub's composition: its services over its database, and the loops and HTTP server that run it. */
import { Duration, Effect, Layer, type Scope } from "effect"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { Broker } from "../../../core/sync/Broker.ts"
import { Consumer } from "../../../core/sync/Consumer.ts"
import type { SyncAlertMessage } from "../../../core/sync/SyncAlerts.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { runFleetSummaries } from "../../core/fleet/FleetSummaries.ts"
import {
  type CarrierPollSettings,
  defaultCarrierPollSettings,
  pollDueCarriers
} from "../../core/notify/CarrierPollScheduler.ts"
import { enqueueHubMessage, HubMessagePublisher, HubStream } from "../../core/notify/HubMessages.ts"
import { HubProjection } from "../../core/notify/HubProjection.ts"
import { HubSettings, type HubSettingsShape } from "../../core/notify/HubSettings.ts"
import type { Mailer } from "../../core/notify/Mailer.ts"
import { hubMigrations } from "../../core/notify/migrations/hubMigrations.ts"
import { NotificationSender } from "../../core/notify/NotificationSender.ts"
import { lockOrderOf, lockOrdersOf } from "../../core/notify/OrderLock.ts"
import { followShopOrders } from "../../core/notify/ShopOrderFeed.ts"
import type { WebhookSender } from "../../core/notify/WebhookSender.ts"
import { makeShopHub, noShops, type ShopHubOptions, Shops } from "../../core/shop/ShopHub.ts"
import type { CarrierTrackingPoller } from "../../core/tracking/CarrierTrackingPoller.ts"
import type { TrackingTokens } from "../../core/tracking/TrackingTokens.ts"
import { defaultHubDatabase, type HubDatabase, layerHubDatabase } from "./HubDatabase.ts"
import { startHubHttpServer } from "./HubHttpServer.ts"

export interface HubOptions {
  readonly dataDir: string
  /** Where the hub keeps its state; `hub.db` in `dataDir` when absent. */
  readonly database?: HubDatabase
  readonly settings: HubSettingsShape
  readonly http: {
    readonly host: string
    readonly port: number
    readonly webhookSecret: string
    readonly metricsToken: string
  }
  /** How often the sender looks at the outbox when nothing woke it. */
  readonly senderPollMs?: number
  /** How often the delay and feedback timers are checked. */
  readonly tickIntervalMs?: number
  readonly ackDelayMs?: number
  /**
   * Batches of station events the consumer applies at once, each station always in the same one (default: 4 on
   * PostgreSQL, where different stations' transactions run in parallel; 2 on SQLite, which writes one at a time: one
   * lane checks its messages and writes its batch while the other's commit is synced, since a batch reads ahead of
   * the sync. Measured with `npm run bench:hub`, SQLite as `packbench hub` runs it: 8.1–10.6k events/s in one lane,
   * 12.4k in two).
   */
  readonly consumerLanes?: number
  /**
   * How long a gap in a station's stream may stand before the station is asked to resend (default 0: at once).
   * Behind a shared subscription another hub is usually applying the missing events: `packbench hub --shared-group`
   * waits `sharedGapGraceMs` (5 s).
   */
  readonly consumerGapGraceMs?: number
  /**
   * How long the consumer lets events that arrive one by one gather into one transaction (default 3 ms): one commit
   * per few events instead of one per event, at a few milliseconds of latency. An event after a quiet spell (as long
   * as the window) is applied at once.
   */
  readonly consumerBatchWindowMs?: number
  /** How often each site's fleet summary is looked at and sent down when it changed (default 5 s). */
  readonly fleetSummaryEveryMs?: number
  /** Carrier APIs polled for the scans of open parcels, besides the webhook; none by default. */
  readonly pollers?: ReadonlyArray<CarrierTrackingPoller>
  readonly carrierPoll?: Partial<CarrierPollSettings>
  /** How often the scheduler looks for a carrier whose poll is due. */
  readonly pollCheckMs?: number
  /**
   * The shop connectors, and the broker login they publish the stations' shop inbox messages with (the shop side's
   * own, apart from the hub's); none: no shop is connected.
   */
  readonly shops?: {
    readonly options: ShopHubOptions
    readonly broker: Effect.Effect<Broker["Service"], unknown, Scope.Scope>
    /** How often the push and poll loops look again when nothing woke them; default 1 s. */
    readonly loopMs?: number
  }
}

/** Services the hub needs from outside: broker, mail, webhooks, tokens and the clock are all swappable. */
export type HubEnvironment = Broker | Mailer | WebhookSender | TrackingTokens | StationClock

/**
 * The hub's services over its database (`hub.db` in the data directory unless `database` names another). The consumer applies station events through the
 * projection, inside the consumer's own transaction, so "event applied" and "notification recorded" commit
 * together; the sender works from the committed outbox.
 */
export const hubLayer = (options: HubOptions) => {
  const database = Layer.mergeAll(
    layerHubDatabase(options.database ?? defaultHubDatabase(options.dataDir)),
    Layer.succeed(HubSettings, options.settings)
  )
  const projection = HubProjection.layer
  const shops = Layer.effect(
    Shops,
    Effect.gen(function* () {
      const sql = yield* Sql
      const clock = yield* StationClock
      return makeShopHub(
        sql,
        Effect.map(clock.now, (now) => now.wallMs),
        options.shops?.options ?? noShops
      )
    })
  )
  const consumer = Layer.unwrap(
    Effect.gen(function* () {
      const hub = yield* HubProjection
      const shopSide = yield* Shops
      const sql = yield* Sql
      const clock = yield* StationClock
      return Consumer.layer({
        siteId: "+",
        knows: hub.knows,
        // The shops' pushes are queued in the transaction that applies the event, after the hub's own projection.
        apply: (event) =>
          lockOrderOf(sql, event).pipe(
            Effect.andThen(hub.applyStationEvent(event)),
            Effect.andThen(shopSide.applyStationEvent(event))
          ),
        // A batch at once, in few statements, where no shop connector follows the events: one that does reads and
        // queues per event, right after the hub's own projection of it, so then each event goes on its own.
        ...(shopSide.connectors.length === 0
          ? {
              applyBatch: (events: ReadonlyArray<EventEnvelope>) =>
                lockOrdersOf(sql, events).pipe(Effect.andThen(hub.applyStationEvents(events)))
            }
          : {}),
        // A conflict or a refused event in a station's stream is told to that station, on the hub's own stream to
        // it, in the transaction that records it: its Manager screen shows it and its bench raises the alert.
        onAlert: (alert) =>
          Effect.gen(function* () {
            const payload: SyncAlertMessage = {
              kind: alert.kind,
              epoch: alert.epoch,
              seq: alert.seq,
              eventId: alert.eventId,
              ...(alert.heldBy === undefined ? {} : { heldBy: alert.heldBy }),
              reason: alert.reason.slice(0, 2_048)
            }
            yield* enqueueHubMessage(
              sql,
              {
                stream: HubStream.station(alert.siteId, alert.stationId),
                topic: Topics.hubInbox(alert.siteId, alert.stationId, "sync.alert"),
                type: "sync.alert",
                version: 1,
                payload
              },
              (yield* clock.now).wallMs
            )
            yield* hub.wakeMessages
          }),
        // The projection rings the sender's doorbell inside the transaction, which on SQLite (one connection) is
        // enough: the sender wakes once the apply's code has returned (or, should the transaction wait for something
        // first, its claim waits for the lock until the commit). On PostgreSQL the sender's query may run before the
        // commit and miss the rows, so it is woken again after it. (On SQLite that second wake-up cost a claim that
        // found nothing, a transaction of its own, for every batch.)
        onCommitted: sql.dialect === "postgres" ? hub.wakeSender : Effect.void,
        ...(options.ackDelayMs === undefined ? {} : { ackDelayMs: options.ackDelayMs }),
        lanes: options.consumerLanes ?? (sql.dialect === "postgres" ? 4 : 2),
        ...(options.consumerGapGraceMs === undefined ? {} : { gapGraceMs: options.consumerGapGraceMs }),
        batchWindowMs: options.consumerBatchWindowMs ?? 3
      })
    })
  )
  return Layer.mergeAll(consumer, NotificationSender.layer, HubMessagePublisher.layer).pipe(
    Layer.provideMerge(Layer.merge(projection, shops)),
    Layer.provideMerge(database)
  )
}

/**
 * Runs the hub until the scope closes: migrates, recovers interrupted sends, starts the consumer, the sender,
 * the timers, the carrier pollers (if any) and the HTTP server. Returns the HTTP address.
 */
export const runHub = Effect.fn("Hub.run")(function* (options: HubOptions) {
  yield* migrate(hubMigrations)
  const sender = yield* NotificationSender
  const projection = yield* HubProjection
  const consumer = yield* Consumer
  const messages = yield* HubMessagePublisher
  const recovered = yield* sender.recoverInterrupted
  if (recovered > 0) yield* Effect.logWarning(`hub: ${recovered} sends were interrupted by a crash; resending them`)

  const pollMs = options.senderPollMs ?? 5_000
  // The sender claims a notification as soon as the apply's commit wakes it (the projection's doorbell, rung in the
  // transaction, and again by the consumer's `onCommitted` on PostgreSQL), keeps the SMTP pool busy and records
  // verdicts in batches; the poll is only the fallback for what nobody woke it for.
  yield* Effect.forkScoped(sender.run({ doorbell: projection.senderDoorbell, pollMs }))
  yield* Effect.forkScoped(
    Effect.forever(
      Effect.andThen(
        projection.tick.pipe(Effect.catchCause((cause) => Effect.logError("hub: timer pass failed", cause))),
        Effect.sleep(Duration.millis(options.tickIntervalMs ?? 60_000))
      )
    )
  )
  yield* messages.start(projection.messageWakeups, pollMs)
  if (options.shops !== undefined && options.shops.options.connectors.length > 0) {
    const shops = yield* Shops
    yield* shops.start(yield* options.shops.broker, options.shops.loopMs ?? 1_000)
  }
  const pollers = options.pollers ?? []
  if (pollers.length > 0) {
    const pollSettings = { ...defaultCarrierPollSettings, ...options.carrierPoll }
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.andThen(
          pollDueCarriers(pollers, pollSettings).pipe(
            Effect.catchCause((cause) => Effect.logError("hub: carrier poll pass failed", cause))
          ),
          Effect.sleep(Duration.millis(options.pollCheckMs ?? 5_000))
        )
      )
    )
  }
  yield* followShopOrders(projection)
  yield* consumer.start
  yield* runFleetSummaries(yield* Broker, yield* Sql, yield* StationClock, options.fleetSummaryEveryMs ?? 5_000)
  return yield* startHubHttpServer(options.http)
})
