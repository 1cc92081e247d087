/** The port through which the station fetches shop status from the hub, and its error. */
import { Context, type Effect, Schema } from "effect"
import type { ShopPushDecision, ShopRetryHandedOver, ShopStatus } from "./ShopStatus.ts"

/**
 * Why the station could not reach the hub's shop side: no hub configured, unreachable, the hub refused the station's
 * token, or an answer the station refused.
 */
export class ShopsUnavailable extends Schema.TaggedError<ShopsUnavailable>()("ShopsUnavailable", {
  reason: Schema.Literals(["NoHub", "Unreachable", "Refused", "BadAnswer"]),
  message: Schema.String
}) {}

/** Where the station reads the Shop card and sends a manager's decision on a failed push: the hub. */
export class ShopStatusSource extends Context.Service<
  ShopStatusSource,
  {
    readonly status: Effect.Effect<ShopStatus, ShopsUnavailable>
    readonly decide: (
      decision: ShopPushDecision & { readonly actor: string }
    ) => Effect.Effect<{ readonly ok: boolean; readonly message: string }, ShopsUnavailable>
    readonly retryHandedOver: (
      request: ShopRetryHandedOver & { readonly actor: string }
    ) => Effect.Effect<{ readonly ok: boolean; readonly message: string; readonly retried: number }, ShopsUnavailable>
  }
>()("packbench/core/shops/ShopStatusSource") {}
