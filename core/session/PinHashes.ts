/** Manager PINs and how their hashes are kept in the badge list. */
import { Context, type Effect, Schema } from "effect"

/** A manager's PIN as typed: 4 to 12 digits. */
export const Pin = Schema.String.check(Schema.isPattern(/^\d{4,12}$/))

/**
 * How a PIN is kept in the badge list: `scrypt$<N>$<r>$<p>$<salt>$<hash>` (salt and hash in base64url), never the
 * PIN itself. `packbench pin-hash` makes one.
 */
export const PinHash = Schema.String.check(
  Schema.isPattern(/^scrypt\$\d{1,8}\$\d{1,3}\$\d{1,3}\$[A-Za-z0-9_-]{16,128}\$[A-Za-z0-9_-]{32,256}$/)
)

/** Checks a typed PIN against the hash in the badge list; the hashing is a driver's (scrypt in Node). */
export class PinHashes extends Context.Service<
  PinHashes,
  {
    /** False for a wrong PIN and for a hash it cannot use. */
    readonly verify: (pin: string, hash: string) => Effect.Effect<boolean>
  }
>()("packbench/core/session/PinHashes") {}
