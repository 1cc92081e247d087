/** The API handlers listing the shipments to cancel by hand, a manager's close of one and their reopen of a close. */
import { Effect } from "effect"
import { type ApiError, apiErrorOf } from "../api/ApiError.ts"
import { Session } from "../session/Session.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { ByHandCloseError, byHandCloser, byHandReopener, listCancellationsByHand } from "./ByHandCancellations.ts"
import type { ByHandCancellationsApi } from "./ByHandCancellationsApi.ts"
import { CarrierCancellations } from "./CarrierCancellations.ts"
import { storeFailure } from "./PackError.ts"

export type ByHandCancellationsHandlers = {
  readonly [N in keyof typeof ByHandCancellationsApi]: (
    input: (typeof ByHandCancellationsApi)[N]["input"]["Type"]
  ) => Effect.Effect<(typeof ByHandCancellationsApi)[N]["output"]["Type"], ApiError>
}

const closeStoreFailure = (error: StoreError) => {
  const failure = storeFailure(error)
  return new ByHandCloseError({
    reason: failure.reason === "store-refused" ? "store-refused" : "store-unavailable",
    message: failure.message
  })
}

/**
 * For the station to merge into its handler map. Anyone may read the list, as the header counts these shipments for
 * everyone; only a manager closes one or reopens a close (badge and PIN), and the dispatcher audits every try (`privileged`).
 */
export const makeByHandCancellationsHandlers = Effect.gen(function* () {
  const sql = yield* Sql
  const session = yield* Session
  const close = yield* byHandCloser
  const reopen = yield* byHandReopener
  const clock = yield* StationClock
  const { closesShownDays } = yield* CarrierCancellations
  const handlers: ByHandCancellationsHandlers = {
    "pack.cancellationsByHand": ({ limit }) =>
      Effect.flatMap(clock.now, (now) =>
        listCancellationsByHand(limit, { nowMs: now.wallMs, days: closesShownDays })
      ).pipe(
        Effect.provideService(Sql, sql),
        Effect.mapError((error) => apiErrorOf(storeFailure(error)))
      ),
    "pack.closeCancellationByHand": (input) =>
      Effect.gen(function* () {
        const operator = yield* session.require(["manager"])
        return yield* close({ ...input, operator }).pipe(
          Effect.catchTag("StoreError", (error) => Effect.fail(closeStoreFailure(error)))
        )
      }).pipe(Effect.mapError(apiErrorOf)),
    "pack.reopenCancellationByHand": ({ parcelId, reason }) =>
      Effect.gen(function* () {
        const operator = yield* session.require(["manager"])
        return yield* reopen({ parcelId, reason, operator }).pipe(
          Effect.catchTag("StoreError", (error) => Effect.fail(closeStoreFailure(error)))
        )
      }).pipe(Effect.mapError(apiErrorOf))
  }
  return handlers
})
