/** The hub's customer metrics as a CSV download. */
import type { CustomerMetrics } from "../../../core/metrics/CustomerMetrics.ts"

/** The CSV's columns, in order; the README documents each. */
export const customerMetricsCsvColumns = [
  "metric",
  "day",
  "value",
  "numerator",
  "denominator",
  "unit",
  "window_start",
  "window_end"
] as const

type Cell = string | number | null

const cell = (value: Cell) => {
  if (value === null) return ""
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * The figures as CSV (RFC 4180, CRLF line ends): one row per metric over the whole window (`day` empty), then one
 * row per day and metric for the daily series. An empty value is a figure with nothing to compute it from.
 */
export const customerMetricsCsv = (metrics: CustomerMetrics): string => {
  const start = new Date(metrics.fromMs).toISOString()
  const end = new Date(metrics.toMs).toISOString()
  const rows: Array<ReadonlyArray<Cell>> = []
  const row = (
    metric: string,
    day: string,
    value: number | null,
    numerator: number | null,
    denominator: number | null,
    unit: string
  ) => rows.push([metric, day, value, numerator, denominator, unit, start, end])

  for (const stage of metrics.stages) {
    row(`notified_share.${stage.stage}`, "", stage.share, stage.notified, stage.parcels, "ratio")
  }
  const handover = metrics.packedToHanded
  row("packed_to_handed_median", "", handover.medianMs, null, handover.parcels, "ms")
  row("packed_to_handed_p90", "", handover.p90Ms, null, handover.parcels, "ms")
  const pickup = metrics.pickup ?? { carriers: [], batches: [] }
  for (const carrier of pickup.carriers) {
    row(`pickup_lag_median.${carrier.carrier}`, "", carrier.medianMs, null, carrier.scanned, "ms")
    row(`pickup_lag_p90.${carrier.carrier}`, "", carrier.p90Ms, null, carrier.scanned, "ms")
    row(`pickup_waiting.${carrier.carrier}`, "", carrier.waiting, null, carrier.handedOver, "count")
  }
  const alerts = pickup.batches.filter((batch) => batch.alert).length
  row("pickup_alert_batches", "", alerts, null, pickup.batches.length, "count")
  row("on_time_rate", "", metrics.onTime.rate, metrics.onTime.onTime, metrics.onTime.delivered, "ratio")
  row("return_rate", "", metrics.returns.rate, metrics.returns.returnedOrders, metrics.returns.shippedOrders, "ratio")
  row(
    "repurchase_rate",
    "",
    metrics.repurchase.rate,
    metrics.repurchase.repeatCustomers,
    metrics.repurchase.customers,
    "ratio"
  )
  row("csat_share", "", metrics.csat.share, metrics.csat.satisfied, metrics.csat.answers, "ratio")
  row("csat_mean", "", metrics.csat.mean, null, metrics.csat.answers, "score")
  metrics.csat.ratings.forEach((count, index) => {
    row(`csat_answers.${index + 1}`, "", count, null, null, "count")
  })
  for (const day of handover.daily) {
    row("packed_to_handed_median", day.day, day.medianMs, null, day.parcels, "ms")
    row("packed_to_handed_p90", day.day, day.p90Ms, null, day.parcels, "ms")
  }
  return [customerMetricsCsvColumns, ...rows].map((cells) => `${cells.map(cell).join(",")}\r\n`).join("")
}
