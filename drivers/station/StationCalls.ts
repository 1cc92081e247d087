import { Context, Effect, Layer } from "effect"
import { makeDispatcher, type WireResult } from "../../core/api/ApiDispatcher.ts"
import { makeStationHandlers } from "../../core/station/StationHandlers.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { layerHttpCustomerMetrics } from "../metrics/HttpCustomerMetrics.ts"
import { layerHttpShopStatus } from "../shops/HttpShopStatus.ts"
import { StationHub } from "./StationHub.ts"

/**
 * The station's API as its transports and devices reach it: one call through the dispatcher, and the status push
 * the workers and devices send when something in the header changed.
 */
export class StationCalls extends Context.Service<
  StationCalls,
  {
    /** Runs one call; a call may have appended events, so the publisher is woken to send them now, not at its next poll. */
    readonly call: (name: string, input: unknown) => Effect.Effect<WireResult>
    /** Pushes the current station status to every UI; a status that cannot be read is not pushed. */
    readonly publishStatus: Effect.Effect<void>
  }
>()("packbench/drivers/station/StationCalls") {
  static readonly layer = Layer.effect(
    StationCalls,
    Effect.gen(function* () {
      const hub = yield* StationHub
      const engine = yield* SyncEngine
      // The Manager screen's customer figures and Shop card come from the hub: this process's own, or the fleet's.
      const station = yield* makeStationHandlers.pipe(
        Effect.provide(
          Layer.merge(
            layerHttpCustomerMetrics(() => hub.url),
            layerHttpShopStatus(() => hub.url)
          )
        )
      )
      const dispatch = makeDispatcher(station.handlers)
      return StationCalls.of({
        call: (name, input) => Effect.tap(dispatch(name, input), () => engine.kick),
        publishStatus: station.publishStatus.pipe(Effect.ignore)
      })
    })
  )
}
