/** The Broker port over mqtt.js: QoS 1 on a persistent session, publish timeouts, reconnects and last will. */
import { Cause, Effect, Exit, Layer } from "effect"
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient, type Packet } from "mqtt"
import { withoutPassword } from "../../core/config/ServerAddress.ts"
import {
  Broker,
  BrokerError,
  type BrokerMessage,
  type BrokerState,
  type LastWill,
  topicMatches
} from "../../core/sync/Broker.ts"
import { explainConnectionError } from "./explainConnectionError.ts"
import { sendAtOnce } from "./sendAtOnce.ts"
import { makeTurnWriteHold } from "./turnWriteHold.ts"

export interface MqttBrokerOptions {
  readonly url: string
  /** A stable id per station: the broker keys the persistent session on it. */
  readonly clientId: string
  /** 5 for mosquitto/EMQX; 4 (MQTT 3.1.1) for the embedded aedes broker, which has no MQTT 5. */
  readonly protocolVersion?: 4 | 5
  /** How long the broker keeps the session (subscriptions, queued QoS 1 messages) while we are away, seconds. */
  readonly sessionExpirySeconds?: number
  readonly keepaliveSeconds?: number
  readonly reconnectPeriodMs?: number
  readonly connectTimeoutMs?: number
  readonly username?: string
  readonly password?: string
  readonly ca?: string | Uint8Array
  readonly cert?: string | Uint8Array
  readonly key?: string | Uint8Array
  readonly will?: LastWill
}

/** Distinct topics whose handlers are remembered at most (a fleet's stations times event types stays far below). */
const MAX_TOPICS_REMEMBERED = 10_000
/** How long after the client is made a message no subscription takes waits for one (the code subscribing later). */
const UNHANDLED_WAIT_MS = 10_000
const NO_USER_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({})

const toBuffer = (value: string | Uint8Array) => (typeof value === "string" ? value : Buffer.from(value))

/**
 * The Broker port over mqtt.js. QoS 1 on a persistent session (clean=false, plus a session expiry on MQTT 5),
 * with mqtt.js's in-memory store only: its persistent stores lose, duplicate and reorder across restarts, and the
 * station's SQLite outbox is the record anyway. Every publish has a timeout; a timed-out message is removed from
 * mqtt.js's store so repeated flaps cannot grow it. Publishing while disconnected fails at once instead of queueing.
 */
export const makeMqttBroker = (options: MqttBrokerOptions) =>
  Effect.gen(function* () {
    const protocolVersion = options.protocolVersion ?? 5
    let state: BrokerState = { connection: "connecting", lastError: undefined }
    const listeners = new Set<(state: BrokerState) => void>()
    const setState = (next: BrokerState) => {
      if (next.connection === state.connection && next.lastError === state.lastError) return
      state = next
      for (const listener of listeners) listener(state)
    }
    const subscriptions: Array<{
      readonly filter: string
      readonly handler: (m: BrokerMessage) => Effect.Effect<void>
    }> = []
    /** PUBACK reason codes by message id, read before mqtt.js hides 0x10 behind a plain success. */
    const pubackCodes = new Map<number, number>()
    /** Message ids by payload object, learnt when mqtt.js writes the PUBLISH packet. */
    const sentIds = new WeakMap<object, number>()

    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      protocolVersion,
      clean: false,
      keepalive: options.keepaliveSeconds ?? 15,
      reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // This driver subscribes again on every connect itself (below): mqtt.js skips that when the broker reports a
      // session, and a session can exist without the subscription when the link dropped before the SUBACK.
      resubscribe: false,
      // Messages not acked before a disconnect are the outbox's to resend, not mqtt.js's.
      queueQoSZero: false,
      ...(protocolVersion === 5
        ? { properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? 7 * 86_400 } }
        : {}),
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.ca === undefined ? {} : { ca: toBuffer(options.ca) }),
      ...(options.cert === undefined ? {} : { cert: toBuffer(options.cert) }),
      ...(options.key === undefined ? {} : { key: toBuffer(options.key) }),
      ...(options.will === undefined
        ? {}
        : {
            will: {
              topic: options.will.topic,
              payload: Buffer.from(options.will.payload),
              qos: 1 as const,
              retain: options.will.retain
            }
          })
    }

    const madeAt = performance.now()
    /** Set once the client is being closed: a message that comes after is left unacked, for the next session. */
    let closing = false
    /** A message that came before any subscription matching it (mqtt.js hands over the next only once it is acked). */
    let unhandled:
      | {
          readonly message: BrokerMessage
          readonly callback: (error?: Error) => void
          readonly delivered: number
          readonly timer: NodeJS.Timeout
        }
      | undefined
    /**
     * Counts the links, one more at every "close". A message is acked only on the link that delivered it: on a later
     * link of the same session its packet id names the broker's copy sent again, which that PUBACK would ack before
     * the copy was handled (mqtt.js would write it there, or queue it while offline and write it there).
     */
    let link = 0
    /** Whether a handler runs now. Handlers run one at a time, also across links: an older link's may still run. */
    let running = false
    /** Messages whose handler waits for the running one to finish, in the order they came. */
    const waiting: Array<() => void> = []
    /** Set by a close that waits for the running handler to finish and its message to be acked. */
    let closeWhenIdle: (() => void) | undefined
    const client: MqttClient = yield* Effect.acquireRelease(
      Effect.sync(() => mqtt.connect(options.url, clientOptions)),
      (client) =>
        Effect.callback<void>((resume) => {
          closing = true
          // A message still waiting for its subscription stays unacked, for the next session.
          if (unhandled !== undefined) clearTimeout(unhandled.timer)
          unhandled = undefined
          // A dead broker never answers DISCONNECT, and mqtt.js may never call back on a link that is down: force
          // the end after a while. The timer stays referenced, or a process with nothing else left would exit with
          // this shutdown unfinished.
          let forced = false
          const timer = setTimeout(() => {
            forced = true
            client.end(true, {}, () => resume(Effect.void))
          }, 2_000)
          // Not after a forced end: a handler that finished later must not end the client a second time.
          const end = () => {
            if (forced) return
            client.end(false, {}, () => {
              clearTimeout(timer)
              resume(Effect.void)
            })
          }
          // A handler still running acks its message before the DISCONNECT; its PUBACK written after the end would
          // be refused by the closed socket ("write after end") and the broker would deliver the message again.
          // Messages waiting behind it are neither handled nor acked.
          waiting.length = 0
          if (running) closeWhenIdle = end
          else end()
        })
    )

    const subscribeOnLink = (filter: string, done?: (error: BrokerError | undefined) => void) =>
      client.subscribe(filter, { qos: 1 }, (error, granted) => {
        const refused = granted?.find((grant) => grant.qos >= 0x80)
        const failure = error
          ? new BrokerError({ reason: client.connected ? "Other" : "Disconnected", message: error.message })
          : refused !== undefined
            ? new BrokerError({ reason: "Refused", message: `subscription to ${filter} refused` })
            : undefined
        if (failure !== undefined && failure.reason !== "Disconnected" && done === undefined) {
          // The next connect subscribes again; a refusal stays visible until then. A lost link is not news: the
          // reason it was lost (e.g. a refused certificate) is already in the state and must stay there.
          setState({ connection: state.connection, lastError: failure.message })
        }
        done?.(failure)
      })
    client.on("connect", () => {
      sendAtOnce(client.stream)
      for (const filter of new Set(subscriptions.map((subscription) => subscription.filter))) subscribeOnLink(filter)
      setState({ connection: "connected", lastError: state.lastError })
    })
    client.on("reconnect", () => setState({ connection: "connecting", lastError: state.lastError }))
    client.on("close", () => {
      link += 1
      // Its link is gone: the broker delivers it again on the next one, where it waits for its subscription anew.
      if (unhandled !== undefined) clearTimeout(unhandled.timer)
      unhandled = undefined
      setState({ connection: "disconnected", lastError: state.lastError })
    })
    client.on("offline", () => setState({ connection: "disconnected", lastError: state.lastError }))
    const services = yield* Effect.context<never>()
    client.on("error", (error) => {
      const explained = explainConnectionError(error)
      // A refused certificate or login repeats on every reconnect: say it once, keep it in the state until it changes.
      // Such a refusal needs a person (an error); anything else may heal on the next attempt (a warning).
      if (explained.text !== state.lastError) {
        const log = explained.needsPerson ? Effect.logError : Effect.logWarning
        Effect.runForkWith(services)(log(`mqtt: ${withoutPassword(options.url)}: ${explained.text}`))
      }
      setState({ connection: state.connection, lastError: explained.text })
    })
    const holdWritesForThisTurn = makeTurnWriteHold(() => client.stream)
    client.on("packetsend", (packet: Packet) => {
      if (packet.cmd === "publish" && packet.qos > 0 && typeof packet.payload === "object") {
        sentIds.set(packet.payload, packet.messageId ?? 0)
      }
    })
    client.on("packetreceive", (packet: Packet) => {
      // What this packet's handling writes (its PUBACK, the publishes its ack lets go) joins the turn's one write.
      // Only here: a publish of its own (after an append) is not held, which would delay it (see turnWriteHold).
      holdWritesForThisTurn()
      if (packet.cmd === "puback" && packet.messageId !== undefined) {
        pubackCodes.set(packet.messageId, packet.reasonCode ?? 0)
      }
    })

    /** The handlers of each topic seen, as the subscriptions stand; forgotten when one is added, or when it grows. */
    const handlersByTopic = new Map<string, ReadonlyArray<(message: BrokerMessage) => Effect.Effect<void>>>()
    const handlersOf = (topic: string) => {
      let handlers = handlersByTopic.get(topic)
      if (handlers === undefined) {
        if (handlersByTopic.size >= MAX_TOPICS_REMEMBERED) handlersByTopic.clear()
        handlers = subscriptions
          .filter((subscription) => topicMatches(subscription.filter, topic))
          .map((subscription) => subscription.handler)
        handlersByTopic.set(topic, handlers)
      }
      return handlers
    }

    // Handlers run one at a time and the PUBACK for a QoS 1 message goes out only after its handler finished
    // (mqtt.js processes the next incoming packet after this callback), which gives backpressure and order.
    client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
      const properties = packet.properties?.userProperties
      const message: BrokerMessage = {
        topic: packet.topic,
        payload: typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload,
        userProperties:
          properties === undefined
            ? NO_USER_PROPERTIES
            : Object.fromEntries(
                Object.entries(properties).map(([key, value]) => [key, Array.isArray(value) ? value.join(",") : value])
              ),
        ...(packet.retain ? { retained: true } : {})
      }
      // Closing: neither handled nor acked, so the broker keeps it for the next session. Offline: a message mqtt.js
      // still hands over from the link that just closed is the broker's to deliver again on the next link.
      if (closing || !client.connected) return
      const delivered = link
      const ack = (error?: Error) => {
        if (delivered === link) callback(error)
      }
      const handlers = handlersOf(message.topic)
      if (handlers.length > 0) return handle(message, handlers, ack, delivered)
      // A persistent session's queued messages come right after the CONNACK, which may be before the code that
      // handles them has subscribed: acked unhandled, they would be gone. Early on, such a message waits for its
      // subscription; later (a subscription the session kept from an older version, say) it is acked with a warning.
      const ackUnhandled = () => {
        unhandled = undefined
        Effect.runForkWith(services)(
          Effect.logWarning(
            `mqtt: ${withoutPassword(options.url)}: no subscription takes ${message.topic}; acked unhandled`
          )
        )
        ack()
      }
      const waitLeft = madeAt + UNHANDLED_WAIT_MS - performance.now()
      if (waitLeft <= 0) return ackUnhandled()
      unhandled = { message, callback: ack, delivered, timer: setTimeout(ackUnhandled, waitLeft) }
    }
    const handle = (
      message: BrokerMessage,
      handlers: ReadonlyArray<(message: BrokerMessage) => Effect.Effect<void>>,
      ack: (error?: Error) => void,
      delivered: number
    ) => {
      const next = () => {
        running = false
        const closeNow = closeWhenIdle
        closeWhenIdle = undefined
        if (closeNow !== undefined) closeNow()
        else waiting.shift()?.()
      }
      const run = () => {
        // Its link closed while it waited: the broker delivers it again, to be handled then.
        if (delivered !== link) return next()
        running = true
        const handling =
          handlers.length === 1
            ? handlers[0]!(message)
            : Effect.forEach(handlers, (handler) => handler(message), { discard: true })
        Effect.runFork(handling).addObserver((exit) => {
          if (Exit.isSuccess(exit)) ack()
          else ack(new Error(Cause.pretty(exit.cause)))
          next()
        })
      }
      if (running) waiting.push(run)
      else run()
    }

    const publish = (
      topic: string,
      payload: Uint8Array,
      publishOptions: {
        readonly retain?: boolean
        readonly userProperties?: Readonly<Record<string, string>>
        readonly timeoutMs: number
      }
    ) =>
      Effect.callback<{ readonly reasonCode: number }, BrokerError>((resume) => {
        if (!client.connected) {
          resume(Effect.fail(new BrokerError({ reason: "Disconnected", message: "not connected to the broker" })))
          return
        }
        const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
        let settled = false
        const timer = setTimeout(() => {
          settled = true
          const messageId = sentIds.get(buffer)
          if (messageId !== undefined) client.removeOutgoingMessage(messageId)
          resume(
            Effect.fail(
              new BrokerError({ reason: "Timeout", message: `no PUBACK within ${publishOptions.timeoutMs} ms` })
            )
          )
        }, publishOptions.timeoutMs)
        client.publish(
          topic,
          buffer,
          {
            qos: 1,
            retain: publishOptions.retain ?? false,
            ...(protocolVersion === 5 && publishOptions.userProperties !== undefined
              ? { properties: { userProperties: { ...publishOptions.userProperties } } }
              : {})
          },
          (error, packet) => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            const messageId = packet?.messageId ?? sentIds.get(buffer)
            const code = messageId === undefined ? undefined : pubackCodes.get(messageId)
            if (messageId !== undefined) pubackCodes.delete(messageId)
            if (error === undefined || error === null) {
              resume(Effect.succeed({ reasonCode: code ?? 0 }))
              return
            }
            const reasonCode = "code" in error && typeof error.code === "number" ? error.code : code
            resume(
              reasonCode !== undefined && reasonCode >= 0x80
                ? Effect.succeed({ reasonCode })
                : Effect.fail(
                    new BrokerError({ reason: client.connected ? "Other" : "Disconnected", message: error.message })
                  )
            )
          }
        )
      })

    const subscribe = (filter: string, handler: (message: BrokerMessage) => Effect.Effect<void>) =>
      Effect.callback<void, BrokerError>((resume) => {
        subscriptions.push({ filter, handler })
        handlersByTopic.clear()
        if (unhandled !== undefined && topicMatches(filter, unhandled.message.topic)) {
          const { message, callback, delivered, timer } = unhandled
          unhandled = undefined
          clearTimeout(timer)
          handle(message, handlersOf(message.topic), callback, delivered)
        }
        // Offline: mqtt.js sends the SUBSCRIBE once connected, and should the link drop before the SUBACK, the next
        // connect subscribes again (see "connect" above); starting the station must not wait for a broker that may
        // be down for days.
        if (!client.connected) {
          subscribeOnLink(filter)
          return resume(Effect.void)
        }
        subscribeOnLink(filter, (failure) =>
          resume(failure === undefined || failure.reason === "Disconnected" ? Effect.void : Effect.fail(failure))
        )
      })

    return Broker.of({
      publish,
      subscribe,
      state: Effect.sync(() => state),
      watch: (listener) =>
        Effect.acquireRelease(
          Effect.sync(() => listeners.add(listener)),
          () => Effect.sync(() => listeners.delete(listener))
        ).pipe(Effect.asVoid)
    })
  })

export const layerMqttBroker = (options: MqttBrokerOptions) => Layer.effect(Broker, makeMqttBroker(options))
