/** Keeps each scale's latest reading and pushes changes to the UI. */
import { Context, Effect, Layer, Ref } from "effect"
import { PushHub } from "../api/PushHub.ts"
import type { ScaleReading, ScaleState } from "./Scale.ts"
import type { ScaleView } from "./ScaleView.ts"

/**
 * The last word of every scale the station runs, fed by the drivers and pushed to the UI as `scale` when it changes.
 * A scale repeats the same weight several times a second: only a different weight, a change of the stable flag or of
 * state counts (and is pushed); a repeat keeps the time of the first reading. A faulty or unplugged scale has no
 * weight, so a stale one can never be taken for the parcel's.
 */
export class ScaleWeights extends Context.Service<
  ScaleWeights,
  {
    readonly register: (device: { readonly id: string; readonly description: string }) => Effect.Effect<void>
    readonly reading: (reading: ScaleReading) => Effect.Effect<void>
    readonly state: (deviceId: string, state: ScaleState) => Effect.Effect<void>
    readonly scales: Effect.Effect<ReadonlyArray<ScaleView>>
  }
>()("packbench/core/pack/ScaleWeights") {
  static readonly layer = Layer.effect(
    ScaleWeights,
    Effect.gen(function* () {
      const pushes = yield* PushHub
      const views = yield* Ref.make(new Map<string, ScaleView>())

      const change = (deviceId: string, next: (view: ScaleView) => ScaleView) =>
        Effect.gen(function* () {
          const before = (yield* Ref.get(views)).get(deviceId)
          if (before === undefined) return
          const after = next(before)
          const same =
            after.state === before.state &&
            after.detail === before.detail &&
            after.reading?.grams === before.reading?.grams &&
            after.reading?.stable === before.reading?.stable
          // A repeat keeps the first reading's time: the parcel has weighed this since it came to rest.
          if (same) return
          yield* Ref.update(views, (map) => new Map(map).set(deviceId, after))
          yield* pushes.publish("scale", after)
        })

      return ScaleWeights.of({
        register: (device) =>
          Ref.update(views, (map) =>
            new Map(map).set(device.id, {
              deviceId: device.id,
              description: device.description,
              state: "disconnected",
              detail: "not connected yet",
              reading: null
            })
          ),
        reading: (reading) =>
          change(reading.deviceId, (view) => ({
            ...view,
            state: "ok",
            detail: "connected",
            reading: { grams: reading.grams, stable: reading.stable, at: reading.at }
          })),
        state: (deviceId, state) =>
          change(deviceId, (view) =>
            state._tag === "Connected"
              ? { ...view, state: "ok", detail: "connected" }
              : {
                  ...view,
                  state: state._tag === "Fault" ? "fault" : "disconnected",
                  detail: state.reason,
                  reading: null
                }
          ),
        scales: Effect.map(Ref.get(views), (map) => [...map.values()])
      })
    })
  )
}
