/** The banner that says why the bench refused the last input. */
import { describeRefusal, describeRefusalReason } from "../i18n/describeRefusal.ts"
import { useStationContext } from "../station/StationContext.ts"
import type { Refused } from "../station/useBenchView.ts"
import { Identifiers } from "./Identifiers.tsx"

/**
 * Why the bench refused the last input, in red; the reason under it says what exactly to check. Under a
 * refused scan the outcome panel already names the refusal, so `reasonOnly` leaves out the headline.
 */
export const RefusalBanner = ({
  refusal,
  reasonOnly = false
}: {
  readonly refusal: Refused | null
  readonly reasonOnly?: boolean
}) => {
  const { t } = useStationContext()
  if (refusal === null) return null
  return (
    <section className="refusal" role="alert" data-testid="refusal" data-code={refusal.code}>
      {!reasonOnly && (
        <div className="refusal-headline">
          <Identifiers text={describeRefusal(t, refusal)} />
        </div>
      )}
      <div className="refusal-reason">
        <Identifiers text={describeRefusalReason(t, refusal)} />
      </div>
    </section>
  )
}
