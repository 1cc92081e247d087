/** The site's station fleet view, built from presence messages. */
import { Context, Effect, Layer, Schema, type Scope } from "effect"
import { Bounds, clockProblem } from "../bounds/Bounds.ts"
import { oneLine } from "../bounds/oneLine.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { FleetProblem, type FleetProblemCode, fleetProblem } from "./FleetProblem.ts"
import { INBOX_QUARANTINE_LIMIT } from "./Inbox.ts"
import { OfflineReason, offlineReasonOf } from "./OfflineReason.ts"
import { maxPresenceBytes, PresenceMessage } from "./Presence.ts"
import { makeQuarantine } from "./Quarantine.ts"
import { maxFleetStations } from "./SiteFleetSummary.ts"
import { decodeJson, parseTopic, Topics } from "./Topics.ts"

/** One station of the site as its presence messages tell it. */
export const StationPresence = Schema.Struct({
  stationId: Schema.String,
  state: Schema.Literals(["online", "offline"]),
  /**
   * When the current state began. A retained last will carries the time the station connected, not when it was
   * lost, so an "offline: connection lost" read from the retained message (not seen happen) has no known start.
   */
  sinceMs: Schema.NullOr(Schema.Number),
  /** Why it is offline, as a code the UI words (a reason this version does not know keeps its text); online: none. */
  offlineReason: Schema.optional(OfflineReason),
  /** The `at` of the station's latest presence message: the last moment it is known to have been up. */
  lastSeenMs: Schema.Number,
  epoch: Schema.String,
  appVersion: Schema.optional(Schema.String),
  /** This station itself. */
  self: Schema.Boolean,
  /** The latest presence message on this station's topic could not be read; the state shown is the one before. */
  problem: Schema.optional(FleetProblem),
  /** The block of the fleet's number ranges the station announced in its birth. */
  numbering: Schema.optional(Schema.Struct({ stationIndex: Schema.Int, stations: Schema.Int })),
  /**
   * Other stations of the site whose blocks overlap this one's: their parcels can get the same SSCCs and tracking
   * numbers. Two stations without numbering settings (each the whole range) always clash.
   */
  numberingClash: Schema.optional(Schema.Array(Schema.String))
})
export type StationPresence = typeof StationPresence.Type

export const FleetView = Schema.Struct({
  siteId: Schema.String,
  stations: Schema.Array(StationPresence),
  /** Why the fleet cannot be shown: the broker's ACL refused the subscription. */
  problem: Schema.optional(FleetProblem)
})
export type FleetView = typeof FleetView.Type

export type PresenceOutcome = "applied" | "cleared" | "ignored" | "quarantined" | "failed"

/** Block i of n is [i/n, (i+1)/n) of every range: two blocks overlap when each starts before the other ends. */
const overlaps = (
  a: { readonly stationIndex: number; readonly stations: number },
  b: { readonly stationIndex: number; readonly stations: number }
) =>
  a.stationIndex * b.stations < (b.stationIndex + 1) * a.stations &&
  b.stationIndex * a.stations < (a.stationIndex + 1) * b.stations

const withClashes = (stations: ReadonlyArray<StationPresence>): Array<StationPresence> =>
  stations.map((station) => {
    const { numberingClash: _stale, ...rest } = station
    const mine = station.numbering
    if (mine === undefined) return rest
    const others = stations
      .filter((other) => other.stationId !== station.stationId && other.numbering !== undefined)
      .filter((other) => overlaps(mine, other.numbering!))
      .map((other) => other.stationId)
    return others.length === 0 ? rest : { ...rest, numberingClash: others }
  })

/**
 * Which stations of the site are up, from the retained presence topics (`packbench/v1/<site>/+/presence`):
 * subscribing tells the whole fleet at once, every birth, clean stop and last will after that changes it. Held in
 * memory only: the retained messages are the record, and a restart reads them again (building the layer subscribes;
 * the driver renews the subscription on every reconnect, so the broker sends the retained state again). A presence message that cannot
 * be read is quarantined with its reason (as the inbox does) and shown against its station; it changes no state.
 */
export class FleetPresence extends Context.Service<
  FleetPresence,
  {
    readonly view: Effect.Effect<FleetView>
    readonly receive: (message: BrokerMessage) => Effect.Effect<PresenceOutcome>
    /** Calls `listener` with the new view after every change, until the scope closes. */
    readonly changes: (listener: (view: FleetView) => void) => Effect.Effect<void, never, Scope.Scope>
    /**
     * Calls `listener` whenever the broker tells this running station that it is offline (a last will of an earlier
     * connection, queued or retained): the birth must be sent again so the retained presence is true for everyone.
     */
    readonly contradicted: (listener: () => void) => Effect.Effect<void, never, Scope.Scope>
  }
>()("packbench/core/sync/FleetPresence") {
  static readonly layer = Layer.effect(
    FleetPresence,
    Effect.gen(function* () {
      const broker = yield* Broker
      const sql = yield* Sql
      const clock = yield* StationClock
      const identity = yield* StationIdentity
      const stations = new Map<string, StationPresence>()
      // Stations whose state came from a message as it was published, not from a replay of the retained store.
      const heardLive = new Set<string>()
      const listeners = new Set<(view: FleetView) => void>()
      const contradictions = new Set<() => void>()
      const decodePresence = Schema.decodeUnknownEffect(PresenceMessage)
      // The inbox's table and bound: a flood of forged presence messages costs each row 4 KB, and the table its limit.
      const quarantined = makeQuarantine(sql, {
        table: "sync_inbox_quarantine",
        counters: "sync_counters",
        limit: INBOX_QUARANTINE_LIMIT,
        what: "fleet presence"
      })

      let problem: FleetProblem | undefined
      const snapshot = (): FleetView => ({
        siteId: identity.siteId,
        stations: withClashes([...stations.values()]).sort((a, b) => a.stationId.localeCompare(b.stationId)),
        ...(problem === undefined ? {} : { problem })
      })
      const changed = Effect.sync(() => {
        const view = snapshot()
        for (const listener of listeners) listener(view)
      })

      /** `against` names the station whose card line shows it, when the topic names one of this site. */
      const quarantine = (
        message: BrokerMessage,
        reason: string,
        against?: { readonly stationId: string; readonly code: FleetProblemCode }
      ) =>
        Effect.gen(function* () {
          yield* quarantined
            .add(message.topic, message.payload, reason, (yield* clock.now).wallMs)
            .pipe(
              Effect.catch((error) =>
                Effect.logError(
                  `fleet presence: quarantining a message on ${oneLine(message.topic.slice(0, 200))} failed: ${error.message}`
                )
              )
            )
          const known = against === undefined ? undefined : stations.get(against.stationId)
          if (known !== undefined && against !== undefined) {
            stations.set(known.stationId, { ...known, problem: fleetProblem(against.code, reason) })
            yield* changed
          }
          return "quarantined" as const
        })

      const process = (message: BrokerMessage) =>
        Effect.gen(function* () {
          const topic = parseTopic(message.topic)
          if (topic === undefined || topic.kind !== "presence" || topic.rest !== "" || topic.siteId !== identity.siteId)
            return yield* quarantine(message, "not a presence topic of this site")
          // A zero-byte retained message deletes the retained presence (MQTT §3.3.1.3): the station left the site.
          if (message.payload.byteLength === 0) {
            heardLive.delete(topic.stationId)
            if (stations.delete(topic.stationId)) yield* changed
            return "cleared" as const
          }
          if (message.payload.byteLength > maxPresenceBytes)
            return yield* quarantine(
              message,
              `presence of ${message.payload.byteLength} bytes, more than ${maxPresenceBytes}`,
              { stationId: topic.stationId, code: "presence-too-large" }
            )
          const json = decodeJson(message.payload)
          if (!json.ok)
            return yield* quarantine(message, `presence ${json.reason}`, {
              stationId: topic.stationId,
              code: "presence-unreadable"
            })
          const decoded = yield* decodePresence(json.value).pipe(Effect.result)
          if (decoded._tag === "Failure")
            return yield* quarantine(message, `not a presence message: ${decoded.failure.message}`, {
              stationId: topic.stationId,
              code: "presence-invalid"
            })
          const presence = decoded.success
          if (presence.siteId !== topic.siteId || presence.stationId !== topic.stationId)
            return yield* quarantine(
              message,
              `presence of ${presence.siteId}/${presence.stationId} on the topic of ${topic.siteId}/${topic.stationId}`,
              { stationId: topic.stationId, code: "presence-misaddressed" }
            )
          const nowMs = (yield* clock.now).wallMs
          // Kept, a time from a clock gone ahead would stay the station's last-seen time (the newest of its epoch).
          if (presence.at > nowMs + Bounds.clockSkewMs)
            return yield* quarantine(message, `presence time ${clockProblem(presence.at, nowMs)}`, {
              stationId: topic.stationId,
              code: "presence-clock-ahead"
            })
          const self = presence.stationId === identity.stationId
          // As many as the hub's summary lists: more is no site but someone filling this station's memory.
          if (!self && !stations.has(presence.stationId) && stations.size >= maxFleetStations)
            return yield* quarantine(message, `more than ${maxFleetStations} stations on the site's presence topics`)
          // This station runs, so it is online, whatever an older connection's last will says; it answers with a
          // new birth. A will of the current connection never reaches it: the broker sends it once the link is gone.
          if (self && presence.state === "offline") {
            for (const listener of contradictions) listener()
            return "ignored" as const
          }
          // A replay of the retained store (on every subscribe, and the driver subscribes again on each connect) can
          // arrive after live messages the broker stored later: it is never newer than what was heard live.
          if (message.retained === true && heardLive.has(presence.stationId)) return "ignored" as const
          if (message.retained !== true) heardLive.add(presence.stationId)
          const known = stations.get(presence.stationId)
          const offlineReason = presence.state === "offline" ? offlineReasonOf(presence.reason) : undefined
          const lostLink = offlineReason?.code === "connection-lost"
          const sinceMs =
            known !== undefined && known.state === presence.state
              ? known.sinceMs
              : lostLink
                ? known === undefined
                  ? null
                  : nowMs
                : presence.at
          stations.set(presence.stationId, {
            stationId: presence.stationId,
            state: presence.state,
            sinceMs,
            ...(offlineReason === undefined ? {} : { offlineReason }),
            lastSeenMs: Math.max(presence.at, known?.epoch === presence.epoch ? known.lastSeenMs : presence.at),
            epoch: presence.epoch,
            ...(presence.appVersion === undefined ? {} : { appVersion: presence.appVersion }),
            // A will or a clean stop does not repeat the slot: the birth's stays until the station says otherwise.
            ...(presence.numbering !== undefined
              ? { numbering: presence.numbering }
              : known?.numbering === undefined
                ? {}
                : { numbering: known.numbering }),
            self
          })
          yield* changed
          return "applied" as const
        })

      const receive = (message: BrokerMessage): Effect.Effect<PresenceOutcome> =>
        process(message).pipe(
          Effect.catchCause((cause) =>
            Effect.as(Effect.logError(`fleet presence: processing ${message.topic} failed`, cause), "failed" as const)
          )
        )

      // A broker whose ACL refuses the station this subscription must not stop the station: it packs without a fleet.
      const filter = Topics.presenceOf(identity.siteId)
      yield* broker
        .subscribe(filter, (message) => Effect.asVoid(receive(message)))
        .pipe(
          Effect.catch((error) =>
            Effect.gen(function* () {
              problem = fleetProblem("subscription-refused", `${filter}: ${error.message}`)
              yield* Effect.logError(
                `fleet presence: the broker refused the subscription to ${filter} (${error.message}): allow it in the station's ACL`
              )
            })
          )
        )

      return FleetPresence.of({
        view: Effect.sync(snapshot),
        receive,
        changes: (listener) =>
          Effect.acquireRelease(
            Effect.sync(() => listeners.add(listener)),
            () => Effect.sync(() => listeners.delete(listener))
          ).pipe(Effect.asVoid),
        contradicted: (listener) =>
          Effect.acquireRelease(
            Effect.sync(() => contradictions.add(listener)),
            () => Effect.sync(() => contradictions.delete(listener))
          ).pipe(Effect.asVoid)
      })
    })
  )
}
