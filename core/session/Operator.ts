import { Schema } from "effect"

/** What a badge lets its holder do at the station: pack, grade returns, or everything a manager may. */
export const Role = Schema.Literals(["packer", "returns-clerk", "manager"])
export type Role = typeof Role.Type

/** The person signed in at the station, as their badge names them. */
export const Operator = Schema.Struct({ badgeId: Schema.String, name: Schema.String, role: Role })
export type Operator = typeof Operator.Type
