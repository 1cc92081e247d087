/** The audit log's entries and API slice, as the Manager screen reads them. */
import { Schema } from "effect"
import { Operator } from "../session/Operator.ts"

/**
 * One privileged action as the audit keeps it: who (the operator signed in at the client, or the manager whose PIN
 * was tried; null when nobody was), when (the station's clock), from which client (`web-…` for a browser session,
 * with its address, `local` for the Electron window), what (the API call) and how it ended.
 */
export const AuditEntry = Schema.Struct({
  id: Schema.Int,
  atMs: Schema.Number,
  operator: Schema.NullOr(Operator),
  clientId: Schema.String,
  clientAddress: Schema.NullOr(Schema.String),
  action: Schema.String,
  outcome: Schema.Literals(["done", "refused"]),
  detail: Schema.String
})
export type AuditEntry = typeof AuditEntry.Type

/** The audit, for a manager to read on the Manager screen; nobody can change or delete an entry. */
export const AuditApi = {
  "audit.recent": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 500 })) }),
    output: Schema.Array(AuditEntry)
  }
} as const
