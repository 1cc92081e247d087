import type { Effect } from "effect"
import { Context } from "effect"

/**
 * Makes the secret in a parcel's tracking page URL. Whoever holds the token sees the parcel, so it must be
 * unguessable (at least 128 random bits from a cryptographic source); core has none, so drivers provide it.
 */
export class TrackingTokens extends Context.Service<TrackingTokens, { readonly next: Effect.Effect<string> }>()(
  "packbench/hub/core/tracking/TrackingTokens"
) {}
