/** The Shop card's API handlers: the hub's shop connector status, and a manager's retry or discard of a push. */
import { Effect } from "effect"
import { ApiError, apiErrorOf } from "../api/ApiError.ts"
import { Session } from "../session/Session.ts"
import type { ShopPushDecision, ShopRetryHandedOver } from "./ShopStatus.ts"
import { ShopStatusSource, type ShopsUnavailable } from "./ShopStatusSource.ts"

const unavailable = (error: ShopsUnavailable) =>
  new ApiError({
    code:
      error.reason === "NoHub" ? "hub-not-configured" : error.reason === "Refused" ? "hub-refused" : "hub-unavailable",
    message: error.message
  })

/**
 * The Shop card's API slice: anyone signed in may look; only a manager may retry or discard a failed push, and the
 * hub records the decision with the manager's badge and name.
 */
export const makeShopsHandlers = Effect.gen(function* () {
  const source = yield* ShopStatusSource
  const session = yield* Session
  return {
    "shops.status": () => source.status.pipe(Effect.mapError(unavailable)),
    "shops.decidePush": (decision: ShopPushDecision) =>
      Effect.gen(function* () {
        const manager = yield* session.require(["manager"]).pipe(Effect.mapError(apiErrorOf))
        return yield* source
          .decide({ ...decision, actor: `${manager.badgeId} ${manager.name}` })
          .pipe(Effect.mapError(unavailable))
      }),
    "shops.retryHandedOver": (request: ShopRetryHandedOver) =>
      Effect.gen(function* () {
        const manager = yield* session.require(["manager"]).pipe(Effect.mapError(apiErrorOf))
        return yield* source
          .retryHandedOver({ ...request, actor: `${manager.badgeId} ${manager.name}` })
          .pipe(Effect.mapError(unavailable))
      })
  }
})
