/** The port for the MQTT broker link the sync engine publishes and subscribes through. */
import { Context, type Effect, Schema, type Scope } from "effect"

/** How the link to the broker is doing, as the header and `packbench outbox` show it. */
export const BrokerConnection = Schema.Literals(["connected", "connecting", "disconnected"])
export type BrokerConnection = typeof BrokerConnection.Type

export interface BrokerState {
  readonly connection: BrokerConnection
  /** The last transport or protocol error, kept after a reconnect so a flapping link stays visible. */
  readonly lastError: string | undefined
}

export interface BrokerMessage {
  readonly topic: string
  readonly payload: Uint8Array
  readonly userProperties: Readonly<Record<string, string>>
  /**
   * The broker sent the message from its retained store because of a (re)subscription, not as it was published
   * (MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3 with "retain as published" off): a replay of a state that may be older
   * than messages already received live.
   */
  readonly retained?: boolean
}

export interface PublishOptions {
  readonly qos: 1
  readonly retain?: boolean
  /** Sent as MQTT 5 user properties; dropped on MQTT 3.1.1, so nothing may depend on them for correctness. */
  readonly userProperties?: Readonly<Record<string, string>>
  readonly timeoutMs: number
}

/**
 * The broker's answer to a QoS 1 publish. On MQTT 3.1.1 a PUBACK has no reason code and counts as 0.
 * MQTT 5 §3.4.2.1: 0x10 means no subscriber matched and >= 0x80 means refused (e.g. 0x87 not authorised); the
 * caller decides what that means for delivery, the broker port only reports it.
 */
export interface PublishAck {
  readonly reasonCode: number
}

export const BrokerFailure = Schema.Literals(["Disconnected", "Timeout", "Refused", "Other"])
export type BrokerFailure = typeof BrokerFailure.Type

export class BrokerError extends Schema.TaggedError<BrokerError>()("BrokerError", {
  reason: BrokerFailure,
  message: Schema.String
}) {}

/** The retained message the broker publishes for us when the link dies without a clean disconnect (MQTT §3.1.2.5). */
export interface LastWill {
  readonly topic: string
  readonly payload: Uint8Array
  readonly retain: boolean
}

/**
 * The station's MQTT link. The driver owns connecting, reconnecting and the session; core sees only this.
 * Handlers of one subscription run one after another in arrival order, and the driver acknowledges a QoS 1
 * message to the broker only after its handler finished, so a slow consumer slows the broker down instead of
 * piling messages up in memory.
 */
export class Broker extends Context.Service<
  Broker,
  {
    readonly publish: (
      topic: string,
      payload: Uint8Array,
      options: PublishOptions
    ) => Effect.Effect<PublishAck, BrokerError>
    /** Subscribes with QoS 1; the subscription is renewed by the driver on every reconnect. */
    readonly subscribe: (
      filter: string,
      handler: (message: BrokerMessage) => Effect.Effect<void>
    ) => Effect.Effect<void, BrokerError>
    readonly state: Effect.Effect<BrokerState>
    /** Calls `listener` on every state change until the scope closes. */
    readonly watch: (listener: (state: BrokerState) => void) => Effect.Effect<void, never, Scope.Scope>
  }
>()("packbench/core/sync/Broker") {}

/** MQTT topic filter matching (MQTT §4.7): `+` is one level, `#` the rest including none. */
export const topicMatches = (filter: string, topic: string): boolean => {
  // A shared subscription ($share/<group>/<filter>, MQTT 5 §4.8.2) delivers topics that match <filter>.
  const shared = /^\$share\/[^/+#]+\/(.+)$/.exec(filter)
  const filterLevels = (shared?.[1] ?? filter).split("/")
  const topicLevels = topic.split("/")
  for (const [index, level] of filterLevels.entries()) {
    if (level === "#") return true
    const actual = topicLevels[index]
    if (actual === undefined) return false
    if (level !== "+" && level !== actual) return false
  }
  return filterLevels.length === topicLevels.length
}
