/** The API handlers for the bench's boxes and scales. */
import { Effect } from "effect"
import { ApiError } from "../api/ApiError.ts"
import { Sql } from "../store/Sql.ts"
import type { BenchApi } from "./BenchApi.ts"
import { listBoxes } from "./BoxStore.ts"
import { wire } from "./PackHandlers.ts"
import { PackService } from "./PackService.ts"
import { ScaleWeights } from "./ScaleWeights.ts"

export type BenchHandlers = {
  readonly [N in keyof typeof BenchApi]: (
    input: (typeof BenchApi)[N]["input"]["Type"]
  ) => Effect.Effect<(typeof BenchApi)[N]["output"]["Type"], ApiError>
}

/** The box list and the scale's answers, for the station to merge into its handler map. */
export const makeBenchHandlers = Effect.gen(function* () {
  const sql = yield* Sql
  const pack = yield* PackService
  const scales = yield* ScaleWeights
  const handlers: BenchHandlers = {
    "pack.boxes": () =>
      listBoxes.pipe(
        Effect.provideService(Sql, sql),
        Effect.mapError(
          (error) =>
            new ApiError({
              code: "store-unavailable",
              message: `The station database did not answer: ${error.message}`
            })
        )
      ),
    "scale.state": () => scales.scales,
    "pack.weighOnScale": () =>
      Effect.gen(function* () {
        const all = yield* scales.scales
        if (all.length === 0) {
          return yield* new ApiError({ code: "no-scale", message: "This bench has no scale: type the weight" })
        }
        const weighed = all.find((scale) => scale.state === "ok" && scale.reading?.stable && scale.reading.grams > 0)
        if (weighed?.reading == null) {
          const scale = all[0]!
          return yield* new ApiError({
            code: scale.state === "ok" ? "scale-not-stable" : "scale-unavailable",
            message:
              scale.state === "ok"
                ? "The scale has no stable weight yet: let the parcel settle, or type the weight"
                : `The scale has no weight: ${scale.detail}`
          })
        }
        return yield* wire(pack.weight({ grams: weighed.reading.grams, source: "scale", at: weighed.reading.at }))
      })
  }
  return handlers
})
