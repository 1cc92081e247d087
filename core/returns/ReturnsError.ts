/** The error the returns desk fails with. */
import { Schema } from "effect"

/**
 * Why the returns desk did not do what was asked: nothing open, an item it does not know or that is already decided,
 * a decision that needs a reason or an amount, a refund already paid, one serial twice in the units decided together,
 * a rule set that does not decode (with the problems by rule and field in `details`), or a database that refused.
 */
export class ReturnsError extends Schema.TaggedError<ReturnsError>()("ReturnsError", {
  reason: Schema.Literals([
    "no-open-return",
    "return-open",
    "item-unknown",
    "already-decided",
    "not-graded",
    "not-decided",
    "not-held",
    "nothing-to-refund",
    "reason-required",
    "amount-required",
    "already-refunded",
    "serial-twice",
    "rules-invalid",
    "return-code-invalid",
    "return-code-mismatch",
    "return-url-foreign",
    "return-refund-decided",
    "store-unavailable"
  ]),
  message: Schema.String,
  details: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })))
}) {}
