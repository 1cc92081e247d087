/** Fans the station's pushed messages out to every connected UI. */
import { Context, Effect, Layer } from "effect"
import { LOCAL_CLIENT } from "../session/Client.ts"
import type { PushMessage, PushName, PushPayload } from "./StationApi.ts"

type Listener = (message: PushMessage) => void

/**
 * Fans pushed messages out to the connected UIs (each transport subscribes once per connection, for its client).
 * What is the station's goes to every client; what belongs to one client's session (its scans, its operator in the
 * status) goes only to that client's connections.
 */
export class PushHub extends Context.Service<
  PushHub,
  {
    readonly publish: <N extends PushName>(name: N, payload: PushPayload<N>) => Effect.Effect<void>
    readonly publishTo: <N extends PushName>(clientId: string, name: N, payload: PushPayload<N>) => Effect.Effect<void>
    /** One payload per connected client, made for it (e.g. the status with that client's operator). */
    readonly publishEach: <N extends PushName, E>(
      name: N,
      payloadFor: (clientId: string) => Effect.Effect<PushPayload<N>, E>
    ) => Effect.Effect<void, E>
    /** Listens as `clientId` (`local` when not named); the returned function stops listening. */
    readonly subscribe: (listener: Listener, clientId?: string) => () => void
  }
>()("packbench/core/api/PushHub") {
  static readonly layer = Layer.sync(PushHub, () => {
    const listeners = new Map<Listener, string>()
    const deliver = (clientId: string | undefined, message: PushMessage) => {
      for (const [listener, client] of listeners) if (clientId === undefined || client === clientId) listener(message)
    }
    return PushHub.of({
      publish: (name, payload) => Effect.sync(() => deliver(undefined, { name, payload } as PushMessage)),
      publishTo: (clientId, name, payload) => Effect.sync(() => deliver(clientId, { name, payload } as PushMessage)),
      publishEach: (name, payloadFor) =>
        Effect.forEach(
          new Set(listeners.values()),
          (clientId) =>
            Effect.flatMap(payloadFor(clientId), (payload) =>
              Effect.sync(() => deliver(clientId, { name, payload } as PushMessage))
            ),
          { discard: true }
        ),
      subscribe: (listener, clientId = LOCAL_CLIENT.id) => {
        listeners.set(listener, clientId)
        return () => listeners.delete(listener)
      }
    })
  })
}
