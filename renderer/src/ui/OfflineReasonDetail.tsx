/** The quiet line under a station's state with its own words of a reason this version does not know. */
import type { OfflineReason } from "../../../core/api/StationApi.ts"
import { describeOfflineReasonDetail } from "../i18n/describeOfflineReason.ts"
import { useStationContext } from "../station/StationContext.ts"

/** The words came from another station (or anyone on the broker): React puts them in as text; core made them one line. */
export const OfflineReasonDetail = ({ reason }: { readonly reason: OfflineReason | undefined }) => {
  const { t } = useStationContext()
  const detail = reason === undefined ? undefined : describeOfflineReasonDetail(t, reason)
  return detail === undefined ? null : (
    <div className="fleet-problem-detail" data-testid="offline-reason-detail">
      {detail}
    </div>
  )
}
