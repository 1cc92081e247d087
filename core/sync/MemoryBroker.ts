/** An in-memory broker with switchable faults, for tests and single-process runs. */
import { Effect, Queue, type Scope } from "effect"
import {
  type Broker,
  BrokerError,
  type BrokerMessage,
  type BrokerState,
  type PublishAck,
  topicMatches
} from "./Broker.ts"

/**
 * What the in-memory broker does to the next publishes and deliveries. Tests flip these to play the failures
 * real brokers and networks produce: refused or unacknowledged publishes, lost queues, duplicates, reordering.
 */
export interface MemoryBrokerFaults {
  /** "ok"; "refuse" answers 0x87; "timeout" delivers but never acks; "drop" neither delivers nor acks. */
  publish: "ok" | "refuse" | "timeout" | "drop"
  /** The next N deliveries vanish after the PUBACK (a broker queue overflow or crash). */
  loseNext: number
  /** The next N deliveries arrive twice. */
  duplicateNext: number
  /** The next delivery is held back and arrives after the one following it. */
  reorderNext: boolean
  /** Topic filters the broker's ACL refuses (SUBACK 0x80): subscribing to one fails as the MQTT driver fails it. */
  readonly refuseSubscriptions: Set<string>
}

interface Client {
  readonly id: string
  connected: boolean
  /** The session's subscriptions: kept by the broker while the client is away. */
  readonly filters: Set<string>
  readonly subscriptions: Array<{
    readonly filter: string
    readonly handler: (m: BrokerMessage) => Effect.Effect<void>
  }>
  readonly inbound: Queue.Queue<BrokerMessage>
  readonly listeners: Set<(state: BrokerState) => void>
  /** Messages for a disconnected client with a persistent session, up to `maxQueued`. */
  readonly parked: Array<BrokerMessage>
  heldForReorder: BrokerMessage | undefined
}

/**
 * An in-memory MQTT-like bus for tests: QoS 1 semantics, persistent sessions, per-client FIFO delivery with
 * handlers run one at a time (as the MQTT driver does), and switchable faults. Pure, so core's property tests can
 * drive the real Outbox and Consumer against it.
 */
export const makeMemoryBus = (options: { readonly maxQueued?: number } = {}) =>
  Effect.gen(function* () {
    const clients = new Map<string, Client>()
    const faults: MemoryBrokerFaults = {
      publish: "ok",
      loseNext: 0,
      duplicateNext: 0,
      reorderNext: false,
      refuseSubscriptions: new Set()
    }
    const maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY
    let delivered = 0

    const enqueue = (client: Client, message: BrokerMessage) => {
      if (!client.connected) {
        if (client.parked.length < maxQueued) client.parked.push(message)
        return
      }
      Queue.offerUnsafe(client.inbound, message)
    }

    const route = (message: BrokerMessage) => {
      let matched = false
      for (const client of clients.values()) {
        if (![...client.filters].some((filter) => topicMatches(filter, message.topic))) continue
        matched = true
        if (faults.loseNext > 0) {
          faults.loseNext -= 1
          continue
        }
        const copies = faults.duplicateNext > 0 ? 2 : 1
        if (copies === 2) faults.duplicateNext -= 1
        if (faults.reorderNext && client.heldForReorder === undefined) {
          faults.reorderNext = false
          client.heldForReorder = message
          continue
        }
        for (let copy = 0; copy < copies; copy++) enqueue(client, message)
        const held = client.heldForReorder
        if (held !== undefined) {
          client.heldForReorder = undefined
          enqueue(client, held)
        }
      }
      return matched
    }

    const setConnected = (client: Client, connected: boolean) => {
      if (client.connected === connected) return
      client.connected = connected
      if (connected) {
        for (const message of client.parked.splice(0)) Queue.offerUnsafe(client.inbound, message)
      }
      const state: BrokerState = { connection: connected ? "connected" : "disconnected", lastError: undefined }
      for (const listener of client.listeners) listener(state)
    }

    const client = (id: string): Effect.Effect<Broker["Service"], never, Scope.Scope> =>
      Effect.gen(function* () {
        const existing = clients.get(id)
        const self: Client = existing ?? {
          id,
          connected: false,
          filters: new Set(),
          subscriptions: [],
          inbound: yield* Queue.unbounded<BrokerMessage>(),
          listeners: new Set(),
          parked: [],
          heldForReorder: undefined
        }
        clients.set(id, self)
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.gen(function* () {
              const message = yield* Queue.take(self.inbound)
              if (!self.connected) {
                // The link dropped before delivery: the session keeps it for the next connect.
                self.parked.unshift(message)
                return
              }
              delivered += 1
              for (const subscription of self.subscriptions) {
                if (topicMatches(subscription.filter, message.topic)) yield* subscription.handler(message)
              }
            })
          )
        )
        // A closed client is a crashed process: its handlers go, its session (and queued messages) stays.
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            self.subscriptions.splice(0)
            self.listeners.clear()
            self.connected = false
          })
        )
        setConnected(self, true)
        const publish = (topic: string, payload: Uint8Array, publishOptions: { readonly timeoutMs: number }) =>
          Effect.gen(function* () {
            if (!self.connected) {
              return yield* new BrokerError({ reason: "Disconnected", message: `${id} is not connected` })
            }
            const mode = faults.publish
            if (mode === "refuse") return { reasonCode: 0x87 } satisfies PublishAck
            const message: BrokerMessage = { topic, payload, userProperties: {} }
            const matched = mode === "drop" ? true : route(message)
            if (mode === "timeout" || mode === "drop") {
              yield* Effect.sleep(publishOptions.timeoutMs)
              return yield* new BrokerError({
                reason: "Timeout",
                message: `no PUBACK within ${publishOptions.timeoutMs} ms`
              })
            }
            return { reasonCode: matched ? 0 : 0x10 } satisfies PublishAck
          })
        return {
          publish,
          subscribe: (filter, handler) =>
            faults.refuseSubscriptions.has(filter)
              ? Effect.fail(new BrokerError({ reason: "Refused", message: `subscription to ${filter} refused` }))
              : Effect.sync(() => {
                  self.filters.add(filter)
                  self.subscriptions.push({ filter, handler })
                }),
          state: Effect.sync(
            (): BrokerState => ({ connection: self.connected ? "connected" : "disconnected", lastError: undefined })
          ),
          watch: (listener) =>
            Effect.acquireRelease(
              Effect.sync(() => self.listeners.add(listener)),
              () => Effect.sync(() => self.listeners.delete(listener))
            ).pipe(Effect.asVoid)
        } satisfies Broker["Service"]
      })

    return {
      faults,
      client,
      disconnect: (id: string) => {
        const found = clients.get(id)
        if (found !== undefined) setConnected(found, false)
      },
      connect: (id: string) => {
        const found = clients.get(id)
        if (found !== undefined) setConnected(found, true)
      },
      delivered: () => delivered
    }
  })

export type MemoryBus = Effect.Success<ReturnType<typeof makeMemoryBus>>
