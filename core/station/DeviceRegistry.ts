/** The service holding the last known state of each device the station drives. */
import { Context, Effect, Layer, Ref } from "effect"
import type { DeviceStatus } from "./StationStatusApi.ts"

/** The last known state of every device the station drives, for the header and the manager's device list. */
export class DeviceRegistry extends Context.Service<
  DeviceRegistry,
  {
    readonly report: (status: DeviceStatus) => Effect.Effect<void>
    readonly list: Effect.Effect<ReadonlyArray<DeviceStatus>>
    readonly onChange: (listener: () => void) => () => void
  }
>()("packbench/core/station/DeviceRegistry") {
  static readonly layer = Layer.effect(
    DeviceRegistry,
    Effect.gen(function* () {
      const devices = yield* Ref.make(new Map<string, DeviceStatus>())
      const listeners = new Set<() => void>()
      return DeviceRegistry.of({
        report: (status) =>
          Ref.update(devices, (map) => new Map(map).set(status.id, status)).pipe(
            Effect.andThen(
              Effect.sync(() => {
                for (const listener of listeners) listener()
              })
            )
          ),
        list: Effect.map(Ref.get(devices), (map) => [...map.values()]),
        onChange: (listener) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        }
      })
    })
  )
}
