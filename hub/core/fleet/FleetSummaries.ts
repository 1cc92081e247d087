/** The hub's per-site fleet summaries: every station's presence, outbox and lag, sent down to the site's stations. */
import { Duration, Effect, Schema } from "effect"
import { Bounds, clockProblem } from "../../../core/bounds/Bounds.ts"
import { boundedOneLine } from "../../../core/bounds/oneLine.ts"
import type { Sql } from "../../../core/store/Sql.ts"
import type { Broker, BrokerMessage } from "../../../core/sync/Broker.ts"
import { maxOfflineReasonChars, offlineReasonOf } from "../../../core/sync/OfflineReason.ts"
import { PresenceMessage } from "../../../core/sync/Presence.ts"
import {
  type FleetStation,
  fleetHeartbeatMs,
  maxFleetStations,
  OutboxHealthMessage,
  type SiteFleetSummary
} from "../../../core/sync/SiteFleetSummary.ts"
import { decodeJson, encodeJson, parseTopic, Topics } from "../../../core/sync/Topics.ts"
import type { StationClock } from "../../../core/time/Clock.ts"
import { type StationLag, stationLags } from "./StationLag.ts"

interface PresenceState {
  readonly state: "online" | "offline"
  readonly sinceMs: number | null
  readonly reason: string | undefined
}

/** Presence and outbox messages are at most this large; a station's own reports are a few hundred bytes. */
const maxReportBytes = 4_096
/** Stations the hub keeps reports of across all sites: the broker's logins bound it already, this bounds memory. */
const maxTrackedStations = 20_000

const key = (siteId: string, stationId: string) => `${siteId}/${stationId}`
/** Site and station ids as stations are named: a summary carries no other, or every station of the site refuses it. */
const isCode = (id: string) => /^[A-Z0-9][A-Z0-9-]{0,31}$/.test(id)

/**
 * What the hub knows of every station, by site, as it sends it down: the retained presence and outbox reports the
 * stations publish (read live, validated like everything from a station: the topic names the sender, the payload must
 * name the same station, bounded numbers), joined with what the hub's database applied of each station's newest
 * stream. `summarize` builds the summaries; `receive` takes one station message.
 */
export const makeFleetSummaries = () => {
  const presences = new Map<string, PresenceState>()
  const outboxes = new Map<string, OutboxHealthMessage>()
  const decodePresence = Schema.decodeUnknownEffect(PresenceMessage)
  const decodeOutbox = Schema.decodeUnknownEffect(OutboxHealthMessage)

  /** Takes a station's presence or outbox report; returns why it was refused, or undefined. */
  const receive = (message: BrokerMessage, nowMs: number): Effect.Effect<string | undefined> =>
    Effect.gen(function* () {
      const topic = parseTopic(message.topic)
      if (topic === undefined || topic.rest !== "" || (topic.kind !== "presence" && topic.kind !== "outbox"))
        return "not a presence or outbox topic"
      if (!isCode(topic.siteId) || !isCode(topic.stationId)) return "not a station's topic"
      const id = key(topic.siteId, topic.stationId)
      const store = topic.kind === "presence" ? presences : outboxes
      // A zero-byte retained message deletes the retained report (MQTT §3.3.1.3): the station left its site.
      if (message.payload.byteLength === 0) {
        store.delete(id)
        return undefined
      }
      if (message.payload.byteLength > maxReportBytes)
        return `${message.payload.byteLength} bytes, more than ${maxReportBytes}`
      if (!store.has(id) && presences.size + outboxes.size >= 2 * maxTrackedStations) return "too many stations"
      const json = decodeJson(message.payload)
      if (!json.ok) return json.reason
      if (topic.kind === "outbox") {
        const decoded = yield* decodeOutbox(json.value).pipe(Effect.result)
        if (decoded._tag === "Failure") return `not an outbox report: ${decoded.failure.message.slice(0, 300)}`
        const report = decoded.success
        if (report.siteId !== topic.siteId || report.stationId !== topic.stationId)
          return `an outbox report of ${report.siteId}/${report.stationId} on the topic of ${id}`
        outboxes.set(id, report)
        return undefined
      }
      const decoded = yield* decodePresence(json.value).pipe(Effect.result)
      if (decoded._tag === "Failure") return `not a presence message: ${decoded.failure.message.slice(0, 300)}`
      const presence = decoded.success
      if (presence.siteId !== topic.siteId || presence.stationId !== topic.stationId)
        return `presence of ${presence.siteId}/${presence.stationId} on the topic of ${id}`
      // A clock gone ahead: kept, its time would stay the station's "since" (stations refuse it the same way).
      if (presence.at > nowMs + Bounds.clockSkewMs) return `presence time ${clockProblem(presence.at, nowMs)}`
      const known = presences.get(id)
      // A last will carries the connect time, not the loss: heard live, the loss is now; found retained, unknown.
      const lostLink = presence.state === "offline" && offlineReasonOf(presence.reason).code === "connection-lost"
      const sinceMs =
        known !== undefined && known.state === presence.state
          ? known.sinceMs
          : lostLink
            ? message.retained === true
              ? null
              : nowMs
            : presence.at
      // Passed on as the station's words (stations of the previous release show them as they are), one short line.
      const reason = presence.reason === undefined ? undefined : boundedOneLine(presence.reason, maxOfflineReasonChars)
      presences.set(id, { state: presence.state, sinceMs, reason })
      return undefined
    })

  /** One summary per site that has a station the hub heard of, from the reports and the newest streams' lags. */
  const summarize = (lags: ReadonlyArray<StationLag>, nowMs: number): ReadonlyArray<SiteFleetSummary> => {
    const current = new Map<string, StationLag>()
    for (const lag of lags)
      if (!lag.superseded && isCode(lag.siteId) && isCode(lag.stationId))
        current.set(key(lag.siteId, lag.stationId), lag)
    const sites = new Map<string, Set<string>>()
    for (const id of [...presences.keys(), ...outboxes.keys(), ...current.keys()]) {
      const [siteId = "", stationId = ""] = id.split("/")
      const stations = sites.get(siteId) ?? new Set<string>()
      stations.add(stationId)
      sites.set(siteId, stations)
    }
    return [...sites.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([siteId, ids]) => ({
        version: 1 as const,
        siteId,
        at: nowMs,
        stations: [...ids]
          .sort()
          .slice(0, maxFleetStations)
          .map((stationId): FleetStation => {
            const id = key(siteId, stationId)
            const presence = presences.get(id)
            const outbox = outboxes.get(id)
            const lag = current.get(id)
            return {
              stationId,
              presence: presence?.state ?? "unknown",
              presenceSinceMs: presence?.sinceMs ?? null,
              ...(presence?.state === "offline" && presence.reason !== undefined
                ? { offlineReason: presence.reason }
                : {}),
              outboxDepth: outbox?.depth ?? null,
              outboxReportedAtMs: outbox?.at ?? null,
              oldestUnconfirmedAtMs: outbox?.oldestUnconfirmedAt ?? null,
              lastAppliedSeq: lag?.lastAppliedSeq ?? 0,
              lastAppliedAtMs: lag?.lastAppliedAtMs ?? null,
              heldAtHub: lag?.held ?? 0,
              gapAtHub: lag?.gap ?? 0
            }
          })
      }))
  }

  return { receive, summarize }
}

/** What a summary says, without the time it was made: unchanged content is not sent again before the heartbeat. */
const contentOf = (summary: SiteFleetSummary) => JSON.stringify(summary.stations)

/**
 * Keeps every site's summary on `packbench/v1/<site>/hub/fleet` (retained, QoS 1) current until the scope closes:
 * reads the stations' presence and outbox reports (a plain subscription, never a shared one: every hub needs all of
 * them), and every `everyMs` publishes each site's summary that changed, or did not go out for `fleetHeartbeatMs`.
 * Several hubs publish the same summaries from the same database; a station keeps the newest.
 */
export const runFleetSummaries = (
  broker: Broker["Service"],
  sql: Sql["Service"],
  clock: StationClock["Service"],
  everyMs: number
) =>
  Effect.gen(function* () {
    const fleet = makeFleetSummaries()
    const take = (message: BrokerMessage) =>
      Effect.gen(function* () {
        const refused = yield* fleet.receive(message, (yield* clock.now).wallMs)
        if (refused !== undefined)
          yield* Effect.logWarning(`hub fleet: refused a message on ${message.topic.slice(0, 200)}: ${refused}`)
      })
    // A broker whose ACL refuses these (an ACL from before the fleet summary) must not stop the hub: the summaries
    // then carry the hub's lag figures only, and the log says why.
    for (const filter of [Topics.presenceOf("+"), Topics.outboxHealthOf("+")])
      yield* broker
        .subscribe(filter, take)
        .pipe(
          Effect.catch((error) =>
            Effect.logError(`hub fleet: the broker refused the subscription to ${filter}: ${error.message}`)
          )
        )
    const sent = new Map<string, { content: string; atMs: number }>()
    const pass = Effect.gen(function* () {
      const lags = yield* stationLags(sql)
      const nowMs = (yield* clock.now).wallMs
      for (const summary of fleet.summarize(lags, nowMs)) {
        const content = contentOf(summary)
        const last = sent.get(summary.siteId)
        if (last !== undefined && last.content === content && nowMs - last.atMs < fleetHeartbeatMs) continue
        const published = yield* broker
          .publish(Topics.siteFleet(summary.siteId), encodeJson(summary), { qos: 1, retain: true, timeoutMs: 5_000 })
          .pipe(Effect.result)
        if (published._tag === "Failure") {
          yield* Effect.logWarning(
            `hub fleet: the summary of ${summary.siteId} was not sent: ${published.failure.message}`
          )
          continue
        }
        // An ACL from before the summary refuses it (MQTT 5 reason code 0x87): said once per heartbeat, not per pass.
        if (published.success.reasonCode >= 0x80)
          yield* Effect.logWarning(
            `hub fleet: the broker refused the summary of ${summary.siteId} (reason code 0x${published.success.reasonCode.toString(16)}): allow ${Topics.siteFleet("+")} in the hub's ACL`
          )
        sent.set(summary.siteId, { content, atMs: nowMs })
      }
    }).pipe(Effect.catchCause((cause) => Effect.logError("hub fleet: a summary pass failed", cause)))
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(pass, Effect.sleep(Duration.millis(everyMs)))))
  })
