/** The badge a station knows: its id, its holder's name and role. */
import { Schema } from "effect"
import { Role } from "./Operator.ts"
import { PinHash } from "./PinHashes.ts"

/**
 * A badge in the site's badge list. A manager's badge carries the scrypt hash of the manager's PIN: signing in as a
 * manager takes the badge and the PIN, so a lost or copied badge alone does not open the manager's actions.
 */
export const Badge = Schema.Struct({
  badgeId: Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,31}$/)),
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128)),
  role: Role,
  pinHash: Schema.optionalKey(PinHash)
}).check(
  Schema.makeFilter(
    (badge) =>
      badge.role !== "manager" ||
      badge.pinHash !== undefined ||
      `manager badge ${badge.badgeId} needs a pinHash (make one with packbench pin-hash)`
  )
)
export type Badge = typeof Badge.Type
