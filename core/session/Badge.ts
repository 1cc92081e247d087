/** The badge a station knows: its id, its holder's name and role. */
import { Schema } from "effect"
import { Role } from "./Operator.ts"

export const Badge = Schema.Struct({
  badgeId: Schema.String.check(Schema.isPattern(/^[A-Z0-9][A-Z0-9-]{0,31}$/)),
  name: Schema.String,
  role: Role
})
export type Badge = typeof Badge.Type
