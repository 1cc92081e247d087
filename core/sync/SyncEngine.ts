/** The station's sync engine: outbox and inbox over the broker, and the status row it keeps. */
import { Context, Effect, Layer, Option, Queue, type Scope } from "effect"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker } from "./Broker.ts"
import { FleetPresence } from "./FleetPresence.ts"
import { Inbox } from "./Inbox.ts"
import { Outbox, type OutboxStatus } from "./Outbox.ts"
import { presenceMessage } from "./Presence.ts"
import { fleetHeartbeatMs, type OutboxHealthMessage } from "./SiteFleetSummary.ts"
import { encodeJson, Topics } from "./Topics.ts"

/** The row `packbench outbox` reads to tell whether the station runs and how its link is. */
export const STATUS_KEY = "engine"

export interface EngineStatusRow extends OutboxStatus {
  readonly running: boolean
  readonly updatedAtMs: number
}

/**
 * The station's sync as one service: starting its layer subscribes the inbox, starts the outbox publisher,
 * announces presence (retained birth on every connect; the driver holds the retained "offline" will) and keeps
 * the `sync_status` row current for the CLI. Closing the scope says "offline" cleanly and stops everything.
 */
export class SyncEngine extends Context.Service<
  SyncEngine,
  {
    readonly status: Effect.Effect<OutboxStatus, StoreError>
    /** Calls `listener` whenever the status may have changed (publish, ack, link), until the scope closes. */
    readonly changes: (listener: () => void) => Effect.Effect<void, never, Scope.Scope>
    /** Wakes the publisher: call after an append so the event leaves at once. */
    readonly kick: Effect.Effect<void>
  }
>()("packbench/core/sync/SyncEngine") {
  static readonly layer = (
    options: {
      readonly statusEveryMs?: number
      /** The station software's version, told in every presence message so a manager sees which runs where. */
      readonly appVersion?: string
      /** The station's numbering slot, told in every birth so stations that share one see it (FleetPresence). */
      readonly numbering?: { readonly stationIndex: number; readonly stations: number }
    } = {}
  ) =>
    Layer.effect(
      SyncEngine,
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const inbox = yield* Inbox
        const broker = yield* Broker
        const sql = yield* Sql
        const clock = yield* StationClock
        const identity = yield* StationIdentity
        const presenceTopic = Topics.presence(identity.siteId, identity.stationId)

        const writeStatus = (running: boolean) =>
          Effect.gen(function* () {
            const status = yield* outbox.status
            const now = (yield* clock.now).wallMs
            const row: EngineStatusRow = { ...status, running, updatedAtMs: now }
            yield* sql.execute(
              `INSERT INTO sync_status (key, value, updated_at_ms) VALUES (?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms`,
              [STATUS_KEY, JSON.stringify(row), now]
            )
          }).pipe(Effect.catchCause((cause) => Effect.logWarning("sync: writing the status row failed", cause)))

        const presence = (state: "online" | "offline", at: number) => ({
          ...presenceMessage(identity, state, at),
          ...(options.appVersion === undefined ? {} : { appVersion: options.appVersion }),
          ...(options.numbering === undefined || state !== "online" ? {} : { numbering: options.numbering })
        })
        const announce = (state: "online" | "offline") =>
          Effect.gen(function* () {
            const at = (yield* clock.now).wallMs
            yield* broker
              .publish(presenceTopic, encodeJson(presence(state, at)), {
                qos: 1,
                retain: true,
                timeoutMs: 2_000
              })
              .pipe(Effect.catch((error) => Effect.logWarning(`sync: presence ${state} not sent: ${error.message}`)))
          })

        // The outbox report for the hub's fleet summary: retained, sent on every connect, when depth, confirmed
        // position or epoch change, and every minute (so the hub sees the report is current).
        const healthTopic = Topics.outboxHealth(identity.siteId, identity.stationId)
        let reported: { key: string; atMs: number } | undefined
        const reportOutbox = Effect.gen(function* () {
          if ((yield* broker.state).connection !== "connected") return
          const status = yield* outbox.status
          const at = (yield* clock.now).wallMs
          const key = `${status.epoch}/${status.depth}/${status.lastConfirmedSeq}`
          if (reported !== undefined && reported.key === key && at - reported.atMs < fleetHeartbeatMs) return
          const report: OutboxHealthMessage = {
            at,
            siteId: identity.siteId,
            stationId: identity.stationId,
            epoch: status.epoch,
            depth: status.depth,
            oldestUnconfirmedAt: status.oldestUndeliveredAgeMs === null ? null : at - status.oldestUndeliveredAgeMs,
            lastConfirmedSeq: status.lastConfirmedSeq
          }
          yield* broker.publish(healthTopic, encodeJson(report), { qos: 1, retain: true, timeoutMs: 2_000 })
          reported = { key, atMs: at }
        }).pipe(Effect.catchCause((cause) => Effect.logWarning("sync: the outbox report was not sent", cause)))

        yield* inbox.start
        yield* outbox.start
        let connected = false
        const births = yield* Queue.sliding<void>(1)
        yield* broker.watch((state) => {
          const now = state.connection === "connected"
          if (now && !connected) Queue.offerUnsafe(births, undefined)
          connected = now
        })
        connected = (yield* broker.state).connection === "connected"
        if (connected) Queue.offerUnsafe(births, undefined)
        // A last will of an earlier connection that reached the broker after this connection's birth (a takeover, a
        // queued message of the persistent session) would leave the station retained as offline while it runs.
        const fleet = yield* Effect.serviceOption(FleetPresence)
        if (Option.isSome(fleet)) yield* fleet.value.contradicted(() => Queue.offerUnsafe(births, undefined))
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.andThen(
              Queue.take(births),
              Effect.andThen(
                announce("online"),
                Effect.sync(() => {
                  reported = undefined
                })
              )
            )
          )
        )
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.andThen(
              Effect.andThen(writeStatus(true), reportOutbox),
              Effect.sleep(options.statusEveryMs ?? 2_000)
            )
          )
        )
        yield* Effect.addFinalizer(() => Effect.andThen(announce("offline"), writeStatus(false)))

        return SyncEngine.of({
          status: outbox.status,
          changes: (listener) =>
            Effect.gen(function* () {
              yield* outbox.onChange(listener)
              yield* broker.watch(() => listener())
            }),
          kick: outbox.kick
        })
      })
    )
}
