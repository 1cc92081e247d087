/** Why the Manager screen's fleet cards cannot show (all of) the site: a code the UI words, its technical detail apart. */
import { Schema } from "effect"
import { boundedOneLine } from "../bounds/oneLine.ts"

/**
 * What went wrong with the presence topics or the hub's summary. Stable: the UI translates each one, so a code is only
 * ever added, never renamed.
 */
export const FleetProblemCode = Schema.Literals([
  /** The broker's ACL refused this station the subscription (presence topics or the hub's summary). */
  "subscription-refused",
  /** A station's presence message is not UTF-8 or not JSON. */
  "presence-unreadable",
  /** A station's presence message is JSON but not a presence message. */
  "presence-invalid",
  /** A presence message names another station than the topic it came on. */
  "presence-misaddressed",
  /** The hub's summary is larger than a station reads. */
  "summary-too-large",
  /** The hub's summary is not UTF-8 or not JSON. */
  "summary-unreadable",
  /** The hub's summary is JSON but not a summary this station can take (version, fields, bounds). */
  "summary-invalid",
  /** The summary on this site's topic is another site's. */
  "summary-other-site",
  /** The summary lists a station twice. */
  "summary-station-twice",
  /** The summary is stamped more than the allowed skew ahead of this station's clock. */
  "summary-clock-ahead",
  /** A station's presence message is larger than a station reads. */
  "presence-too-large",
  /** A station's presence message is stamped more than the allowed skew ahead of this station's clock. */
  "presence-clock-ahead"
])
export type FleetProblemCode = typeof FleetProblemCode.Type

/**
 * Detail past this length is cut: it quotes what a decoder found in a message from elsewhere, and the card shows it as
 * a line of text, not a page.
 */
export const maxFleetProblemDetailChars = 300

export const FleetProblem = Schema.Struct({
  code: FleetProblemCode,
  /** The technical English detail (topic, broker answer, decoder message), as the log has it; shown as plain text. */
  detail: Schema.String.check(Schema.isMaxLength(maxFleetProblemDetailChars))
})
export type FleetProblem = typeof FleetProblem.Type

/**
 * A problem with its detail made one line (it quotes outside text: a control or a bidi override must not garble the
 * card) and cut to `maxFleetProblemDetailChars` (an ellipsis marks the cut, never inside a pair).
 */
export const fleetProblem = (code: FleetProblemCode, detail: string): FleetProblem => ({
  code,
  detail: boundedOneLine(detail, maxFleetProblemDetailChars)
})
