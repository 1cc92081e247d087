/** The banner that shows the station's alerts. */
import { de, type MessageKey } from "../i18n/de.ts"
import { useStationContext } from "../station/StationContext.ts"
import type { StationAlert } from "../station/useAlerts.ts"
import { Identifiers } from "./Identifiers.tsx"

/** The station's own alert text is English; a known code is shown in the bench's language instead. */
const alertText = (t: ReturnType<typeof useStationContext>["t"], alert: StationAlert) => {
  const key = `alert.${alert.code}`
  return Object.hasOwn(de, key) ? t(key as MessageKey, { orderId: alert.orderId ?? "" }) : alert.message
}

export const AlertBanner = ({
  alerts,
  onAcknowledge
}: {
  readonly alerts: ReadonlyArray<StationAlert>
  readonly onAcknowledge: () => void
}) => {
  const { t } = useStationContext()
  const alert = alerts[0]
  if (alert === undefined) return null
  return (
    <div className={`alert alert-${alert.level}`} role="alert" data-testid="alert" data-code={alert.code}>
      <span className="alert-text">
        <Identifiers text={alertText(t, alert)} />
        {alerts.length > 1 ? ` (+${alerts.length - 1})` : ""}
      </span>
      {/* Focused so Enter acknowledges it; a scanner's Enter is swallowed by the wedge listener and cannot. */}
      {/* biome-ignore lint/a11y/noAutofocus: the alert must be answered before anything else */}
      <button type="button" className="alert-ack" onClick={onAcknowledge} autoFocus>
        {t("alert.acknowledge")}
      </button>
    </div>
  )
}
