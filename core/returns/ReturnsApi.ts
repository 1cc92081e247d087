/** The returns desk's API slice: commands, queries and their schemas. */
import { Schema } from "effect"
import { Timestamp } from "../time/Clock.ts"
import { Disposition, Grade, OutcomeKind, RefundRuleSet } from "./RefundRules.ts"
import { ReturnsView, RulesPreview } from "./ReturnsView.ts"

const At = { at: Schema.optionalKey(Timestamp) }
const NonEmpty = Schema.String.check(Schema.isMinLength(1))

/**
 * The returns desk's calls, for the station to merge into its one API. Each answers with the whole desk view so the
 * screen never derives state; `at` is the driver's timestamp of the scan that caused the call (the event time).
 * `returns.override`, `returns.approve` and `rules.replace` need a manager; the rest a returns clerk or a manager.
 */
export const ReturnsApi = {
  "returns.state": { input: Schema.Struct({}), output: ReturnsView },
  "returns.scan": { input: Schema.Struct({ raw: NonEmpty, ...At }), output: ReturnsView },
  "returns.grade": {
    input: Schema.Struct({
      itemRef: NonEmpty,
      grade: Grade,
      opened: Schema.optionalKey(Schema.Boolean),
      notes: Schema.optionalKey(Schema.String),
      ...At
    }),
    output: ReturnsView
  },
  "returns.setDisposition": {
    input: Schema.Struct({
      itemRef: NonEmpty,
      disposition: Disposition,
      reason: Schema.optionalKey(Schema.String),
      ...At
    }),
    output: ReturnsView
  },
  "returns.decide": { input: Schema.Struct({ ...At }), output: ReturnsView },
  "returns.override": {
    input: Schema.Struct({
      itemRef: NonEmpty,
      outcome: OutcomeKind,
      amountCents: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
      reason: NonEmpty,
      ...At
    }),
    output: ReturnsView
  },
  "returns.approve": { input: Schema.Struct({ itemRef: NonEmpty, reason: NonEmpty, ...At }), output: ReturnsView },
  "returns.finish": { input: Schema.Struct({ ...At }), output: ReturnsView },
  /** Cancels the open return as opened by mistake, with the clerk's reason; recorded as a correction event. */
  "returns.cancel": {
    input: Schema.Struct({ reason: NonEmpty.check(Schema.isMaxLength(500)), ...At }),
    output: ReturnsView
  },
  /** The rule file is decoded by the service, so a malformed one comes back with the rule and field named. */
  "rules.active": { input: Schema.Struct({}), output: RefundRuleSet },
  "rules.preview": { input: Schema.Struct({ rules: Schema.Unknown }), output: RulesPreview },
  "rules.replace": { input: Schema.Struct({ rules: Schema.Unknown }), output: RefundRuleSet }
} as const

export type ReturnsApi = typeof ReturnsApi
export type ReturnsApiName = keyof ReturnsApi
