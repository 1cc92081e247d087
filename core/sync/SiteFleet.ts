/** The station's copy of the hub's summary of its site's stations, taken from the hub's retained message. */
import { Context, Effect, Layer, Schema, type Scope } from "effect"
import { Bounds, clockProblem } from "../bounds/Bounds.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { StationClock } from "../time/Clock.ts"
import { Broker, type BrokerMessage } from "./Broker.ts"
import { FleetProblem, type FleetProblemCode, fleetProblem } from "./FleetProblem.ts"
import { maxFleetSummaryBytes, SiteFleetSummary } from "./SiteFleetSummary.ts"
import { decodeJson, Topics } from "./Topics.ts"

/** What the Manager screen shows of the hub's view of the site. */
export const SiteFleetView = Schema.Struct({
  siteId: Schema.String,
  /** This station, to be picked out in the list. */
  stationId: Schema.String,
  /** The latest summary the hub sent; null before the first (or when the hub deleted it). */
  summary: Schema.NullOr(SiteFleetSummary),
  /** When this station received it, station clock. */
  receivedAtMs: Schema.NullOr(Schema.Number),
  /** No summary for longer than the hub's heartbeat allows: the hub or the link to it is down, the figures are old. */
  stale: Schema.Boolean,
  /** The last summary that was refused and why, or a subscription the broker refused. */
  problem: Schema.optional(FleetProblem)
})
export type SiteFleetView = typeof SiteFleetView.Type

export type SiteFleetOutcome = "applied" | "cleared" | "ignored" | "refused"

/** The hub repeats an unchanged summary every minute: two and a half missed repeats make it stale. */
export const defaultSiteFleetStaleAfterMs = 150_000

/**
 * The hub's summary of this station's site (`packbench/v1/<site>/hub/fleet`, retained): every station's presence,
 * outbox depth and oldest unconfirmed event, and what the hub applied of it. Only the hub's login may publish there
 * and only this site's stations may read it, but what arrives is still treated as hostile: a payload over
 * `maxFleetSummaryBytes` is refused unread, anything that is not a summary of this site with bounded numbers and
 * distinct stations is refused with its reason (the summary before it stays, marked with the refusal), and so is one
 * stamped more than a day ahead of this clock; unknown fields are dropped, and a summary older than the one kept (two
 * hubs, a replay) is ignored. Held in memory: the
 * retained message is the record.
 */
export class SiteFleet extends Context.Service<
  SiteFleet,
  {
    readonly view: Effect.Effect<SiteFleetView>
    readonly receive: (message: BrokerMessage) => Effect.Effect<SiteFleetOutcome>
    /** Calls `listener` with the new view after every change, until the scope closes. */
    readonly changes: (listener: (view: SiteFleetView) => void) => Effect.Effect<void, never, Scope.Scope>
  }
>()("packbench/core/sync/SiteFleet") {
  static readonly layer = (options: { readonly staleAfterMs?: number } = {}) =>
    Layer.effect(
      SiteFleet,
      Effect.gen(function* () {
        const broker = yield* Broker
        const clock = yield* StationClock
        const identity = yield* StationIdentity
        const staleAfterMs = options.staleAfterMs ?? defaultSiteFleetStaleAfterMs
        const topic = Topics.siteFleet(identity.siteId)
        const decodeSummary = Schema.decodeUnknownEffect(SiteFleetSummary)
        const listeners = new Set<(view: SiteFleetView) => void>()
        let summary: SiteFleetSummary | null = null
        let receivedAtMs: number | null = null
        let problem: FleetProblem | undefined

        const snapshot = (nowMs: number): SiteFleetView => ({
          siteId: identity.siteId,
          stationId: identity.stationId,
          summary,
          receivedAtMs,
          stale: receivedAtMs === null || nowMs - receivedAtMs > staleAfterMs,
          ...(problem === undefined ? {} : { problem })
        })
        const view = Effect.map(clock.now, (now) => snapshot(now.wallMs))
        const changed = Effect.gen(function* () {
          const current = yield* view
          for (const listener of listeners) listener(current)
        })
        const refuse = (code: FleetProblemCode, reason: string) =>
          Effect.gen(function* () {
            problem = fleetProblem(code, reason)
            yield* Effect.logWarning(`site fleet: the hub's fleet summary was refused: ${reason}`)
            yield* changed
            return "refused" as const
          })

        const receive = (message: BrokerMessage): Effect.Effect<SiteFleetOutcome> =>
          Effect.gen(function* () {
            if (message.topic !== topic) {
              yield* Effect.logWarning(`site fleet: ignored a message on ${message.topic.slice(0, 200)}`)
              return "ignored" as const
            }
            // A zero-byte retained message deletes the retained summary (MQTT §3.3.1.3): the hub took the site away.
            if (message.payload.byteLength === 0) {
              summary = null
              receivedAtMs = null
              problem = undefined
              yield* changed
              return "cleared" as const
            }
            if (message.payload.byteLength > maxFleetSummaryBytes)
              return yield* refuse(
                "summary-too-large",
                `${message.payload.byteLength} bytes, more than ${maxFleetSummaryBytes}`
              )
            const json = decodeJson(message.payload)
            if (!json.ok) return yield* refuse("summary-unreadable", json.reason)
            const decoded = yield* decodeSummary(json.value).pipe(Effect.result)
            if (decoded._tag === "Failure")
              return yield* refuse("summary-invalid", `not a fleet summary: ${decoded.failure.message.slice(0, 500)}`)
            const next = decoded.success
            if (next.siteId !== identity.siteId)
              return yield* refuse("summary-other-site", `a summary of site ${next.siteId}`)
            const ids = new Set(next.stations.map((station) => station.stationId))
            if (ids.size !== next.stations.length)
              return yield* refuse("summary-station-twice", "a station listed twice")
            const nowMs = (yield* clock.now).wallMs
            // Kept, a summary from a hub clock gone ahead would have every later, real one ignored as older.
            if (next.at > nowMs + Bounds.clockSkewMs)
              return yield* refuse("summary-clock-ahead", `its time ${clockProblem(next.at, nowMs)}`)
            if (summary !== null && next.at < summary.at) return "ignored" as const
            summary = next
            receivedAtMs = nowMs
            problem = undefined
            yield* changed
            return "applied" as const
          })

        // A broker whose ACL refuses this subscription (an older ACL) must not stop the station: the panel says so.
        yield* broker
          .subscribe(topic, (message) => Effect.asVoid(receive(message)))
          .pipe(
            Effect.catch((error) =>
              Effect.gen(function* () {
                problem = fleetProblem("subscription-refused", `${topic}: ${error.message}`)
                yield* Effect.logError(
                  `site fleet: the broker refused the subscription to ${topic} (${error.message}): allow it in the station's ACL`
                )
              })
            )
          )

        return SiteFleet.of({
          view,
          receive,
          changes: (listener) =>
            Effect.acquireRelease(
              Effect.sync(() => listeners.add(listener)),
              () => Effect.sync(() => listeners.delete(listener))
            ).pipe(Effect.asVoid)
        })
      })
    )
}
