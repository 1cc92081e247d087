/** The station's MQTT connection settings: stable client id and the offline last will. */
import { Effect, Layer } from "effect"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { Broker } from "../../core/sync/Broker.ts"
import { presenceWill } from "../../core/sync/Presence.ts"
import { type MqttBrokerOptions, makeMqttBroker } from "./MqttBroker.ts"

/**
 * The station's MQTT link as the station runs it: a client id stable per station (the broker keys the persistent
 * session on it) and the retained "offline" last will of its presence topic, which the broker publishes when the
 * link dies without a DISCONNECT (crash, kill -9, cable pulled). The birth message is the SyncEngine's.
 */
export const layerStationLink = (options: Omit<MqttBrokerOptions, "clientId" | "will">) =>
  Layer.effect(
    Broker,
    Effect.gen(function* () {
      const station = yield* StationIdentity
      return yield* makeMqttBroker({
        ...options,
        clientId: `packbench-${station.siteId}-${station.stationId}`,
        will: presenceWill(station, Date.now())
      })
    })
  )
