/** Fans the station's pushed messages out to every connected UI. */
import { Context, Effect, Layer } from "effect"
import type { PushMessage, PushName, PushPayload } from "./StationApi.ts"

type Listener = (message: PushMessage) => void

/** Fans pushed messages out to every connected UI (each transport subscribes once per connection). */
export class PushHub extends Context.Service<
  PushHub,
  {
    readonly publish: <N extends PushName>(name: N, payload: PushPayload<N>) => Effect.Effect<void>
    readonly subscribe: (listener: Listener) => () => void
  }
>()("packbench/core/api/PushHub") {
  static readonly layer = Layer.sync(PushHub, () => {
    const listeners = new Set<Listener>()
    return PushHub.of({
      publish: (name, payload) =>
        Effect.sync(() => {
          for (const listener of listeners) listener({ name, payload } as PushMessage)
        }),
      subscribe: (listener) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      }
    })
  })
}
