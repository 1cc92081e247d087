/** A fleet card's problem: the sentence in the bench's language, the station's technical detail on a line below it. */
import type { FleetProblem } from "../../../core/api/StationApi.ts"
import { describeFleetProblem, describeFleetProblemDetail } from "../i18n/describeFleetProblem.ts"
import { useStationContext } from "../station/StationContext.ts"

/**
 * `alert` for a card-wide problem (the card cannot show the site), not for one station's line in a list. The detail
 * may quote what came from another process: React puts it in as text, never as markup, and core bounds its length.
 */
export const FleetProblemNotice = ({ problem, alert }: { readonly problem: FleetProblem; readonly alert: boolean }) => {
  const { t } = useStationContext()
  return (
    <div className="error-text" role={alert ? "alert" : undefined} data-testid="fleet-problem" data-code={problem.code}>
      <div>{describeFleetProblem(t, problem)}</div>
      <div className="fleet-problem-detail" data-testid="fleet-problem-detail">
        {describeFleetProblemDetail(t, problem)}
      </div>
    </div>
  )
}
