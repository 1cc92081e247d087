/** The API handler listing the parcels held at the station. */
import { Effect } from "effect"
import { type ApiError, apiErrorOf } from "../api/ApiError.ts"
import { apiCarrierOf, Carriers } from "../carrier/Carriers.ts"
import { Sql } from "../store/Sql.ts"
import { listHeldParcels } from "./HeldParcels.ts"
import type { HeldParcelsApi } from "./HeldParcelsApi.ts"
import { storeFailure } from "./PackError.ts"

export type HeldParcelsHandlers = {
  readonly [N in keyof typeof HeldParcelsApi]: (
    input: (typeof HeldParcelsApi)[N]["input"]["Type"]
  ) => Effect.Effect<(typeof HeldParcelsApi)[N]["output"]["Type"], ApiError>
}

/**
 * The held parcels, for the station to merge into its handler map. Anyone may read them, as the header's counts and
 * handover's refusals show them to everyone; only a manager voids one (`pack.void`).
 */
export const makeHeldParcelsHandlers = Effect.gen(function* () {
  const sql = yield* Sql
  const isApiCarrier = apiCarrierOf(yield* Carriers)
  const handlers: HeldParcelsHandlers = {
    "pack.held": ({ limit }) =>
      listHeldParcels(limit, isApiCarrier).pipe(
        Effect.provideService(Sql, sql),
        Effect.mapError((error) => apiErrorOf(storeFailure(error)))
      )
  }
  return handlers
})
