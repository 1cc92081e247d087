/** The operator signed in at the station and the roles a badge grants. */
import { Schema } from "effect"
import type { Actor } from "../events/Event.ts"

/** What a badge lets its holder do at the station: pack, grade returns, or everything a manager may. */
export const Role = Schema.Literals(["packer", "returns-clerk", "manager"])
export type Role = typeof Role.Type

/** The person signed in at the station, as their badge names them. */
export const Operator = Schema.Struct({ badgeId: Schema.String, name: Schema.String, role: Role })
export type Operator = typeof Operator.Type

/** How an event names the operator who caused it. */
export const actorOf = (operator: Operator): Actor => ({
  role: operator.role,
  badgeId: operator.badgeId,
  name: operator.name
})
