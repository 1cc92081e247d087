/** The daily line of the packed-to-handed time, drawn as SVG. */
import type { CustomerMetrics } from "../../../core/api/StationApi.ts"
import { useStationContext } from "../station/StationContext.ts"
import { formatAge } from "./formatAge.ts"
import { formatDayMonth } from "./formatDate.ts"

const width = 640
const height = 220
const left = 78
const right = 28
const top = 14
const bottom = 34

/** A round axis maximum for durations: the next of 5/10/15/30 min, 1/2/4/8/12/24 h and then whole days. */
const axisMaxMs = (valueMs: number) => {
  const steps = [5, 10, 15, 30, 60, 120, 240, 480, 720, 1_440].map((minutes) => minutes * 60_000)
  return steps.find((step) => step >= valueMs) ?? Math.ceil(valueMs / 86_400_000) * 86_400_000
}

/**
 * The daily median (solid) and p90 (dashed) of packed to handed over, one point per day with handovers, on a time
 * axis over the whole window: a day without handovers is a gap, not a neighbour.
 */
export const HandoverTimeChart = ({
  daily,
  fromMs,
  toMs
}: {
  readonly daily: CustomerMetrics["packedToHanded"]["daily"]
  readonly fromMs: number
  readonly toMs: number
}) => {
  const { t, locale } = useStationContext()
  const points = daily.filter((day) => day.medianMs !== null)
  const maxMs = axisMaxMs(Math.max(1, ...points.map((day) => day.p90Ms ?? day.medianMs ?? 0)))
  const plotWidth = width - left - right
  const plotHeight = height - top - bottom
  const xAt = (ms: number) => left + Math.min(1, Math.max(0, (ms - fromMs) / (toMs - fromMs))) * plotWidth
  // A day's point sits at its noon (UTC, like the hub's days).
  const x = (index: number) => xAt(Date.parse(`${points[index]?.day ?? ""}T12:00:00Z`))
  const y = (ms: number) => top + plotHeight - (ms / maxMs) * plotHeight
  const line = (pick: (day: (typeof points)[number]) => number | null) =>
    points.map((day, index) => `${x(index)},${y(pick(day) ?? 0)}`).join(" ")
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => fromMs + fraction * (toMs - fromMs))
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
      {ticks.map((ms) => (
        <text key={ms} x={xAt(ms)} y={height - 10} textAnchor="middle" className="axis-label">
          {formatDayMonth(locale, ms, "UTC")}
        </text>
      ))}
      {points.length > 1 && <polyline points={line((day) => day.p90Ms)} className="series-p90" />}
      {points.length > 1 && <polyline points={line((day) => day.medianMs)} className="series-median" />}
      {points.map((day, index) => (
        <g key={day.day} data-day={day.day}>
          <circle cx={x(index)} cy={y(day.p90Ms ?? 0)} r={3} className="point-p90" />
          <circle cx={x(index)} cy={y(day.medianMs ?? 0)} r={4} className="point-median">
            <title>{`${formatDayMonth(locale, Date.parse(`${day.day}T00:00:00Z`), "UTC")}: ${t("metrics.median")} ${formatAge(day.medianMs ?? 0)}, p90 ${formatAge(day.p90Ms ?? 0)}`}</title>
          </circle>
        </g>
      ))}
    </svg>
  )
}
