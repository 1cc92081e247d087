import type { CustomerMetrics } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { formatAge } from "./formatAge.ts"

const width = 640
const height = 220
const left = 78
const right = 16
const top = 14
const bottom = 34

/** A round axis maximum for durations: the next of 5/10/15/30 min, 1/2/4/8/12/24 h and then whole days. */
const axisMaxMs = (valueMs: number) => {
  const steps = [5, 10, 15, 30, 60, 120, 240, 480, 720, 1_440].map((minutes) => minutes * 60_000)
  return steps.find((step) => step >= valueMs) ?? Math.ceil(valueMs / 86_400_000) * 86_400_000
}

/** The daily median (solid) and p90 (dashed) of packed to handed over, one point per day with handovers. */
export const HandoverTimeChart = ({ daily }: { readonly daily: CustomerMetrics["packedToHanded"]["daily"] }) => {
  const { t, locale } = useStationContext()
  const points = daily.filter((day) => day.medianMs !== null)
  const maxMs = axisMaxMs(Math.max(1, ...points.map((day) => day.p90Ms ?? day.medianMs ?? 0)))
  const plotWidth = width - left - right
  const plotHeight = height - top - bottom
  const x = (index: number) => left + (points.length === 1 ? plotWidth / 2 : (index / (points.length - 1)) * plotWidth)
  const y = (ms: number) => top + plotHeight - (ms / maxMs) * plotHeight
  const dayLabel = new Intl.DateTimeFormat(locale, { day: "numeric", month: "numeric", timeZone: "UTC" })
  const label = (day: string) => dayLabel.format(new Date(`${day}T00:00:00Z`))
  const line = (pick: (day: (typeof points)[number]) => number | null) =>
    points.map((day, index) => `${x(index)},${y(pick(day) ?? 0)}`).join(" ")
  // At most about eight day labels, so they never overlap.
  const labelEvery = Math.max(1, Math.ceil(points.length / 8))
  return (
    <svg
      className="metrics-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={t("metrics.handover")}
      data-testid="handover-chart"
    >
      {[0, 0.5, 1].map((fraction) => (
        <g key={fraction}>
          <line x1={left} x2={width - right} y1={y(maxMs * fraction)} y2={y(maxMs * fraction)} className="grid-line" />
          <text x={left - 8} y={y(maxMs * fraction)} textAnchor="end" dominantBaseline="central" className="axis-label">
            {formatAge(maxMs * fraction)}
          </text>
        </g>
      ))}
      {points.length > 1 && <polyline points={line((day) => day.p90Ms)} className="series-p90" />}
      {points.length > 1 && <polyline points={line((day) => day.medianMs)} className="series-median" />}
      {points.map((day, index) => (
        <g key={day.day} data-day={day.day}>
          <circle cx={x(index)} cy={y(day.p90Ms ?? 0)} r={3} className="point-p90" />
          <circle cx={x(index)} cy={y(day.medianMs ?? 0)} r={4} className="point-median">
            <title>{`${label(day.day)}: ${t("metrics.median")} ${formatAge(day.medianMs ?? 0)}, p90 ${formatAge(day.p90Ms ?? 0)}`}</title>
          </circle>
          {index % labelEvery === 0 && (
            <text x={x(index)} y={height - 10} textAnchor="middle" className="axis-label">
              {label(day.day)}
            </text>
          )}
        </g>
      ))}
    </svg>
  )
}
