/** How transports and devices call the station API and push status changes. */
import { Context, Effect, Layer } from "effect"
import { makeDispatcher, type WireResult } from "../../core/api/ApiDispatcher.ts"
import { type Client, CurrentClient } from "../../core/session/Client.ts"
import { makeStationHandlers } from "../../core/station/StationHandlers.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { layerHttpCustomerMetrics } from "../metrics/HttpCustomerMetrics.ts"
import { layerHttpShopStatus } from "../shops/HttpShopStatus.ts"
import { StationHub } from "./StationHub.ts"

/**
 * The station's API as its transports and devices reach it: one call through the dispatcher, as a client (a
 * browser's session, the Electron window, the bench's devices), and the status push the workers and devices send
 * when something in the header changed.
 */
export class StationCalls extends Context.Service<
  StationCalls,
  {
    /**
     * Runs one call as the `local` client (the Electron window, callers in this process); a call may have appended
     * events, so the publisher is woken to send them now, not at its next poll.
     */
    readonly call: (name: string, input: unknown) => Effect.Effect<WireResult>
    /** Runs one call as `client` (a browser's session). */
    readonly callAs: (client: Client, name: string, input: unknown) => Effect.Effect<WireResult>
    /** Runs one call from the bench's own scanners: as the client whose screen is up at the bench. */
    readonly callFromDevice: (name: string, input: unknown) => Effect.Effect<WireResult>
    /** Pushes the current station status to every UI; a status that cannot be read is not pushed. */
    readonly publishStatus: Effect.Effect<void>
    /** Tells `listener` the name of every call that finished, whoever made it; the returned function stops it. */
    readonly onCallDone: (listener: (name: string) => void) => () => void
  }
>()("packbench/drivers/station/StationCalls") {
  static readonly layer = Layer.effect(
    StationCalls,
    Effect.gen(function* () {
      const hub = yield* StationHub
      const engine = yield* SyncEngine
      // The Manager screen's customer figures and Shop card come from the hub: this process's own, or the fleet's;
      // both ask for the hub's token.
      const hubWithToken = () => (hub.url === undefined ? undefined : { url: hub.url, token: hub.metricsToken })
      const station = yield* makeStationHandlers.pipe(
        Effect.provide(Layer.merge(layerHttpCustomerMetrics(hubWithToken), layerHttpShopStatus(hubWithToken)))
      )
      const clock = yield* StationClock
      const dispatch = makeDispatcher(station.handlers, {
        nowMs: Effect.map(clock.now, (now) => now.wallMs),
        privileged: station.privileged
      })
      const listeners = new Set<(name: string) => void>()
      const call = (name: string, input: unknown) =>
        Effect.tap(dispatch(name, input), () =>
          Effect.andThen(
            engine.kick,
            Effect.sync(() => {
              for (const listener of listeners) listener(name)
            })
          )
        )
      const callAs = (client: Client, name: string, input: unknown) =>
        Effect.provideService(call(name, input), CurrentClient, client)
      return StationCalls.of({
        call,
        callAs,
        callFromDevice: (name, input) => Effect.flatMap(station.benchClient, (client) => callAs(client, name, input)),
        publishStatus: station.publishStatus.pipe(Effect.ignore),
        onCallDone: (listener) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        }
      })
    })
  )
}
