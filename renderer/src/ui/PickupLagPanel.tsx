/** The Manager screen's carrier pickup panel: handover to first carrier scan per carrier, and cages nobody collected. */
import type { CustomerMetrics } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { carrierName } from "./carriers.ts"
import { formatAge } from "./formatAge.ts"
import { formatDateTimeShort } from "./formatDate.ts"

type Pickup = NonNullable<CustomerMetrics["pickup"]>

const rowHeight = 40
const labelWidth = 120
const barWidth = 240
const width = labelWidth + barWidth + 290

/** The batches the panel lists under the chart besides the alerts: the newest few. */
const RECENT_BATCHES = 6

/**
 * One row per carrier: the median (solid) and p90 (light) from handover to the carrier's first scan, scaled to the
 * slowest p90, with the parcels scanned and those still waiting past the pickup alert.
 */
const PickupChart = ({ carriers }: { readonly carriers: Pickup["carriers"] }) => {
  const { t } = useStationContext()
  const maxMs = Math.max(1, ...carriers.map((carrier) => carrier.p90Ms ?? carrier.medianMs ?? 0))
  const scale = (ms: number | null) => (ms === null ? 0 : (ms / maxMs) * barWidth)
  return (
    <svg
      className="metrics-chart"
      viewBox={`0 0 ${width} ${Math.max(1, carriers.length) * rowHeight}`}
      role="img"
      aria-label={t("metrics.pickup")}
      data-testid="pickup-chart"
    >
      {carriers.map((carrier, index) => {
        const y = index * rowHeight
        return (
          <g key={carrier.carrier} data-carrier={carrier.carrier}>
            <text x={labelWidth - 10} y={y + rowHeight / 2} textAnchor="end" dominantBaseline="central">
              {carrierName(t, carrier.carrier)}
            </text>
            <rect x={labelWidth} y={y + 8} width={barWidth} height={rowHeight - 16} rx={4} className="bar-track" />
            <rect
              x={labelWidth}
              y={y + 8}
              width={scale(carrier.p90Ms)}
              height={rowHeight - 16}
              rx={4}
              className="bar-p90"
            />
            <rect
              x={labelWidth}
              y={y + 8}
              width={scale(carrier.medianMs)}
              height={rowHeight - 16}
              rx={4}
              className="bar-fill"
            />
            <text x={labelWidth + barWidth + 10} y={y + rowHeight / 2} dominantBaseline="central" className="bar-value">
              {carrier.medianMs === null ? "–" : formatAge(carrier.medianMs)}
              <tspan className="muted-svg">
                {` p90 ${carrier.p90Ms === null ? "–" : formatAge(carrier.p90Ms)} · ${carrier.scanned}/${carrier.handedOver}`}
              </tspan>
              {carrier.waiting > 0 && <tspan className="warn-svg">{` · ${carrier.waiting}⚠`}</tspan>}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

export const PickupLagPanel = ({ pickup }: { readonly pickup: Pickup }) => {
  const { t, locale } = useStationContext()
  const alerts = pickup.batches.filter((batch) => batch.alert)
  const waiting = pickup.carriers.reduce((sum, carrier) => sum + carrier.waiting, 0)
  return (
    <div data-testid="pickup-lag">
      <h3>{t("metrics.pickup")}</h3>
      {alerts.length > 0 && (
        <ul className="pickup-alerts" role="alert" data-testid="pickup-alerts">
          {alerts.map((batch) => (
            <li key={batch.batchId}>
              {t("metrics.pickupAlert", {
                batch: batch.batchId,
                carrier: carrierName(t, batch.carrier),
                count: batch.parcels,
                at: formatDateTimeShort(locale, batch.handedAtMs),
                age: formatAge(pickup.asOfMs - batch.handedAtMs)
              })}
            </li>
          ))}
        </ul>
      )}
      {pickup.carriers.length === 0 ? (
        <p className="hint">{t("metrics.noData")}</p>
      ) : (
        <>
          <p className="hint" data-testid="pickup-summary">
            {t("metrics.pickupHint", { waiting, after: formatAge(pickup.alertAfterMs) })}
          </p>
          <PickupChart carriers={pickup.carriers} />
          <table className="pickup-batches" data-testid="pickup-batches">
            <thead>
              <tr>
                <th>{t("metrics.pickupBatch")}</th>
                <th>{t("metrics.pickupHanded")}</th>
                <th>{t("metrics.pickupScanned")}</th>
                <th>{t("metrics.median")}</th>
              </tr>
            </thead>
            <tbody>
              {pickup.batches.slice(0, RECENT_BATCHES).map((batch) => (
                <tr key={batch.batchId} className={batch.alert ? "pickup-batch-alert" : ""}>
                  <td>
                    {batch.batchId} <span className="muted">{carrierName(t, batch.carrier)}</span>
                  </td>
                  <td>{formatDateTimeShort(locale, batch.handedAtMs)}</td>
                  <td>{`${batch.scanned}/${batch.parcels}`}</td>
                  <td>{batch.medianMs === null ? "–" : formatAge(batch.medianMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  )
}
