/** The port that makes the hub's unguessable link secrets and the one-way digest of those it must not keep. */
import type { Effect } from "effect"
import { Context } from "effect"

/**
 * Makes the secret in a parcel's tracking page URL (and the hub's other customer links). Whoever holds the token
 * sees the page, so it must be unguessable (at least 128 random bits from a cryptographic source); core has none, so
 * drivers provide it. `digest` is a one-way hash (SHA-256) for tokens the hub stores only hashed: the address
 * correction link, which changes where an order goes.
 */
export class TrackingTokens extends Context.Service<
  TrackingTokens,
  { readonly next: Effect.Effect<string>; readonly digest: (token: string) => string }
>()("packbench/hub/core/tracking/TrackingTokens") {}
