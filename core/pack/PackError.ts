/** The error the pack bench fails with where a refusal is not the answer. */
import { Schema } from "effect"
import type { StoreError } from "../store/Sql.ts"

/**
 * Why the pack bench did not do what was asked, where that is not a refusal the view shows (those are answers): a
 * parcel it does not know or may not void, a label it cannot print (or must not: a `ParcelHold`), or a database that
 * refused the write (`store-refused` when it is full or read-only, `store-unavailable` otherwise).
 */
export class PackError extends Schema.TaggedError<PackError>()("PackError", {
  reason: Schema.Literals([
    "parcel-unknown",
    "parcel-not-voidable",
    "parcel-closed",
    "reason-required",
    "label-pending",
    "label-content",
    "label-address-outdated",
    "order-cancelled-after-packing",
    "parcel-lines-outdated",
    "store-refused",
    "store-unavailable"
  ]),
  message: Schema.String
}) {}

export const storeFailure = (error: StoreError) =>
  new PackError({
    reason: error.reason === "DiskFull" || error.reason === "ReadOnly" ? "store-refused" : "store-unavailable",
    message: `The station database refused the operation (${error.reason}): ${error.message}`
  })
