/** The returns desk's API slice: commands, queries and their schemas. */
import { Schema } from "effect"
import { ApiTimestamp, CentsInput, IdInput, NonEmptyScanText, NonEmptyTextInput, TextInput } from "../api/ApiInputs.ts"
import { Disposition, Grade, OutcomeKind, RefundRuleSet } from "./RefundRules.ts"
import { ReturnsView, RulesPreview } from "./ReturnsView.ts"

const At = { at: Schema.optionalKey(ApiTimestamp) }

/**
 * The returns desk's calls, for the station to merge into its one API. Each answers with the whole desk view so the
 * screen never derives state; `at` is the driver's timestamp of the scan that caused the call (the event time).
 * `returns.override`, `returns.approve` and `rules.replace` need a manager and are audited (`privileged`); the rest a
 * returns clerk or a manager.
 */
export const ReturnsApi = {
  "returns.state": { input: Schema.Struct({}), output: ReturnsView },
  "returns.scan": { input: Schema.Struct({ raw: NonEmptyScanText, ...At }), output: ReturnsView },
  "returns.grade": {
    input: Schema.Struct({
      itemRef: IdInput,
      grade: Grade,
      opened: Schema.optionalKey(Schema.Boolean),
      notes: Schema.optionalKey(TextInput),
      ...At
    }),
    output: ReturnsView
  },
  "returns.setDisposition": {
    input: Schema.Struct({
      itemRef: IdInput,
      disposition: Disposition,
      reason: Schema.optionalKey(TextInput),
      ...At
    }),
    output: ReturnsView
  },
  "returns.decide": { input: Schema.Struct({ ...At }), output: ReturnsView },
  "returns.override": {
    input: Schema.Struct({
      itemRef: IdInput,
      outcome: OutcomeKind,
      amountCents: Schema.optionalKey(CentsInput),
      reason: NonEmptyTextInput,
      ...At
    }),
    output: ReturnsView,
    privileged: true
  },
  "returns.approve": {
    input: Schema.Struct({ itemRef: IdInput, reason: NonEmptyTextInput, ...At }),
    output: ReturnsView,
    privileged: true
  },
  "returns.finish": { input: Schema.Struct({ ...At }), output: ReturnsView },
  /** Cancels the open return as opened by mistake, with the clerk's reason; recorded as a correction event. */
  "returns.cancel": {
    input: Schema.Struct({ reason: NonEmptyTextInput.check(Schema.isMaxLength(500)), ...At }),
    output: ReturnsView
  },
  /** The rule file is decoded by the service, so a malformed one comes back with the rule and field named. */
  "rules.active": { input: Schema.Struct({}), output: RefundRuleSet },
  "rules.preview": { input: Schema.Struct({ rules: Schema.Unknown }), output: RulesPreview },
  "rules.replace": { input: Schema.Struct({ rules: Schema.Unknown }), output: RefundRuleSet, privileged: true }
} as const

export type ReturnsApi = typeof ReturnsApi
export type ReturnsApiName = keyof ReturnsApi
