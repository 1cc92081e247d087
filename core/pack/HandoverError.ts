/** The error the handover flow fails with. */
import { Schema } from "effect"
import type { StoreError } from "../store/Sql.ts"

/** Why handover did not do what was asked: a carrier this station does not ship with, or a database that refused. */
export class HandoverError extends Schema.TaggedError<HandoverError>()("HandoverError", {
  reason: Schema.Literals(["carrier-unknown", "store-unavailable"]),
  message: Schema.String
}) {}

export const handoverStoreFailure = (error: StoreError) =>
  new HandoverError({
    reason: "store-unavailable",
    message: `The station database refused the operation: ${error.message}`
  })
