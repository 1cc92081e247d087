/** Words, in the bench's language, why a station of the fleet cards is offline, and the station's own words apart. */
import type { OfflineReason, OfflineReasonCode } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

/** One wording per code: a code without one does not compile. */
const wordings: Readonly<Record<OfflineReasonCode, MessageKey>> = {
  stopped: "stations.stopped",
  "connection-lost": "stations.connectionLost",
  unrecognised: "stations.reasonUnrecognised"
}

export const describeOfflineReason = (t: Translate, reason: OfflineReason): string => t(wordings[reason.code])

/** The station's own words of a reason this version does not know, as the quiet details line; undefined: none. */
export const describeOfflineReasonDetail = (t: Translate, reason: OfflineReason): string | undefined =>
  reason.detail === undefined ? undefined : t("fleetProblem.details", { detail: reason.detail })
