/** Checks that the broker routes MQTT 5 shared subscriptions, so several hubs can share the work. */
import { Effect, Layer } from "effect"
import { Broker, topicMatches } from "../../../core/sync/Broker.ts"

/**
 * Whether the broker port's message routing understands `$share/<group>/<filter>` (MQTT 5 §4.8.2: the broker
 * delivers on the plain topic, so the driver must strip the prefix before matching). Without that, messages
 * of a shared subscription reach no handler and are acknowledged anyway: lost. Checked, not assumed.
 */
export const sharedSubscriptionsRoutable = (): boolean =>
  topicMatches("$share/packbench-hub/packbench/v1/+/+/events/#", "packbench/v1/S/P/events/x")

/**
 * What every hub reads whole: the stations' retained presence and outbox reports, from which each hub makes the
 * sites' fleet summaries. A shared subscription would split them between the hubs and get no retained messages
 * (MQTT 5 §4.8.2).
 */
const readByEveryHub = (filter: string) => /\/(presence|outbox)$/.test(filter)

/**
 * Wraps a Broker so every subscription to work (events, catch-up requests, the shop's messages) is a shared one in
 * `group`: several hub processes then split the station events between them (mosquitto, EMQX, HiveMQ; aedes has no
 * shared subscriptions). Only sound when the hubs share one database, because the consumer's per-station cursor must
 * see every sequence number.
 */
export const layerSharedSubscription = (group: string) =>
  Layer.effect(
    Broker,
    Effect.gen(function* () {
      const inner = yield* Broker
      return Broker.of({
        ...inner,
        subscribe: (filter, handler) =>
          inner.subscribe(readByEveryHub(filter) ? filter : `$share/${group}/${filter}`, handler)
      })
    })
  )

/**
 * How long a hub behind a shared subscription leaves a gap in a station's stream to the other hubs before it asks the
 * station to resend. The broker spreads one station's messages over the group, so a gap is nearly always another hub
 * applying the missing events; a resend makes the station publish its window again, to every hub. A message the
 * broker really lost is still asked for after this, and the station resends on its own after its ack timeout (15 s).
 */
export const sharedGapGraceMs = 5_000

/**
 * The broker session of a hub in a shared group ends with its connection. mosquitto 2.0 goes on handing a member
 * whose session outlives its connection its share of the group's messages (parked for its return: measured, 5 of 10
 * while one of two members was away, with a 1-hour expiry; 10 of 10 to the live one with 0), so a dead hub would
 * hold back half of every station's events until it came back. Messages it had received but not committed are
 * resent by the stations (after their ack timeout, or when another hub asks for the gap).
 */
export const sharedSessionExpirySeconds = 0
