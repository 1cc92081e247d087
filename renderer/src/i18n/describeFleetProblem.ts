/** Words, in the bench's language, why a fleet card cannot show (all of) the site, and the technical detail apart. */
import type { FleetProblem, FleetProblemCode } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

/** One sentence per code: a code without one does not compile. */
const sentences: Readonly<Record<FleetProblemCode, MessageKey>> = {
  "subscription-refused": "fleetProblem.subscriptionRefused",
  "presence-unreadable": "fleetProblem.presenceUnreadable",
  "presence-invalid": "fleetProblem.presenceInvalid",
  "presence-misaddressed": "fleetProblem.presenceMisaddressed",
  "summary-too-large": "fleetProblem.summaryTooLarge",
  "summary-unreadable": "fleetProblem.summaryUnreadable",
  "summary-invalid": "fleetProblem.summaryInvalid",
  "summary-other-site": "fleetProblem.summaryOtherSite",
  "summary-station-twice": "fleetProblem.summaryStationTwice",
  "summary-clock-ahead": "fleetProblem.summaryClockAhead",
  "presence-too-large": "fleetProblem.presenceTooLarge",
  "presence-clock-ahead": "fleetProblem.presenceClockAhead"
}

export const describeFleetProblem = (t: Translate, problem: FleetProblem): string => t(sentences[problem.code])

/** The station's technical English detail (topic, broker answer, decoder message), as the log has it. */
export const describeFleetProblemDetail = (t: Translate, problem: FleetProblem): string =>
  t("fleetProblem.details", { detail: problem.detail })
