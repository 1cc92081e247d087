/** The bars of how many customers each notification stage reached, drawn as SVG. */
import type { CustomerMetrics } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"

const rowHeight = 34
const labelWidth = 210
const barWidth = 300
const width = labelWidth + barWidth + 120

/** One horizontal bar per notification stage: the share of the window's parcels whose customer got that message. */
export const StageReachChart = ({ stages }: { readonly stages: CustomerMetrics["stages"] }) => {
  const { t, locale } = useStationContext()
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 })
  const height = stages.length * rowHeight
  return (
    <svg
      className="metrics-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={t("metrics.reach")}
      data-testid="stage-reach-chart"
    >
      {stages.map((stage, index) => {
        const y = index * rowHeight
        const share = stage.share ?? 0
        return (
          <g key={stage.stage} data-stage={stage.stage}>
            <text x={labelWidth - 10} y={y + rowHeight / 2} textAnchor="end" dominantBaseline="central">
              {t(`metrics.stage.${stage.stage}`)}
            </text>
            <rect x={labelWidth} y={y + 6} width={barWidth} height={rowHeight - 12} rx={4} className="bar-track" />
            <rect
              x={labelWidth}
              y={y + 6}
              width={Math.max(0, Math.min(1, share)) * barWidth}
              height={rowHeight - 12}
              rx={4}
              className="bar-fill"
            />
            <text x={labelWidth + barWidth + 10} y={y + rowHeight / 2} dominantBaseline="central" className="bar-value">
              {stage.share === null ? "–" : percent.format(stage.share)}
              <tspan className="muted-svg"> {`${stage.notified}/${stage.parcels}`}</tspan>
            </text>
          </g>
        )
      })}
    </svg>
  )
}
