/** Computes the customer figures (notified share, handover time, carrier pickup, on-time, return, repurchase, CSAT) for a window. */
import { Effect } from "effect"
import type {
  CarrierPickup,
  CustomerMetrics,
  DailyDuration,
  HandoverBatchPickup,
  MetricsWindow,
  NotificationStage,
  StageReach
} from "../../../core/metrics/CustomerMetrics.ts"
import { Sql } from "../../../core/store/Sql.ts"

const stages: ReadonlyArray<{ readonly stage: NotificationStage; readonly subject: "order" | "parcel" }> = [
  { stage: "order-confirmed", subject: "order" },
  { stage: "packed", subject: "parcel" },
  { stage: "shipped", subject: "parcel" },
  { stage: "out-for-delivery", subject: "parcel" },
  { stage: "delivered", subject: "parcel" },
  { stage: "feedback-request", subject: "order" }
]

const dayMs = 86_400_000

/** The q-quantile (0..1) of the values by the nearest-rank method: always a value that occurred; null when empty. */
export const quantile = (values: ReadonlyArray<number>, q: number): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1] ?? null
}

const rate = (numerator: number, denominator: number) => (denominator === 0 ? null : numerator / denominator)

const utcDay = (ms: number) => new Date(Math.floor(ms / dayMs) * dayMs).toISOString().slice(0, 10)

/**
 * The customer figures for [fromMs, toMs) from the hub's tables. Plain SQL both stores accept: times are the stored
 * epoch milliseconds, differences and quantiles are taken here, never with a dialect's date functions.
 */
/** Batches the Manager screen lists: the newest of the window, enough for a month of daily cages per carrier. */
const MAX_BATCHES = 200

/**
 * Carrier pickup for parcels handed over in [fromMs, toMs): from `handed_at_ms` to the carrier's first scan after
 * it (the earliest tracking event that is not `info-received`, which only says a label exists), per carrier and per
 * handover batch. A parcel with no scan yet is waiting once `alertAfterMs` has passed since its handover, as of
 * `asOfMs`; a batch none of whose parcels was scanned by then raises the alert.
 */
const computePickup = (
  sql: Sql["Service"],
  window: MetricsWindow,
  options: { readonly asOfMs: number; readonly alertAfterMs: number }
) =>
  Effect.gen(function* () {
    const rows = yield* sql.query<{
      carrier: string
      batch_id: string | null
      handed_at_ms: number | bigint
      first_scan_ms: number | bigint | null
    }>(
      `SELECT p.carrier, p.handover_batch_id AS batch_id, p.handed_at_ms,
         (SELECT MIN(e.occurred_at_ms) FROM hub_tracking_events e
          WHERE e.parcel_id = p.parcel_id AND e.status <> 'info-received') AS first_scan_ms
       FROM hub_parcels p WHERE p.handed_at_ms >= ? AND p.handed_at_ms < ?`,
      [window.fromMs, window.toMs]
    )
    interface Parcel {
      readonly carrier: string
      readonly batchId: string | null
      readonly handedAtMs: number
      /** Handover to first scan; null while the carrier has not scanned it. */
      readonly lagMs: number | null
      readonly overdue: boolean
    }
    const parcels: ReadonlyArray<Parcel> = rows.map((row) => {
      const handedAtMs = Number(row.handed_at_ms)
      // A scan stamped before the handover (the two clocks differ) is a pickup at once, not a negative lag.
      const lagMs = row.first_scan_ms === null ? null : Math.max(0, Number(row.first_scan_ms) - handedAtMs)
      return {
        carrier: row.carrier,
        batchId: row.batch_id,
        handedAtMs,
        lagMs,
        overdue: lagMs === null && options.asOfMs - handedAtMs >= options.alertAfterMs
      }
    })
    const lagsOf = (group: ReadonlyArray<Parcel>) =>
      group.flatMap((parcel) => (parcel.lagMs === null ? [] : [parcel.lagMs]))
    const groupBy = (key: (parcel: Parcel) => string | null) => {
      const groups = new Map<string, Array<Parcel>>()
      for (const parcel of parcels) {
        const name = key(parcel)
        if (name === null) continue
        const group = groups.get(name)
        if (group === undefined) groups.set(name, [parcel])
        else group.push(parcel)
      }
      return groups
    }
    const carriers: Array<CarrierPickup> = [...groupBy((parcel) => parcel.carrier).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([carrier, group]) => {
        const lags = lagsOf(group)
        return {
          carrier,
          handedOver: group.length,
          scanned: lags.length,
          medianMs: quantile(lags, 0.5),
          p90Ms: quantile(lags, 0.9),
          waiting: group.filter((parcel) => parcel.overdue).length
        }
      })
    const batches: Array<HandoverBatchPickup> = [...groupBy((parcel) => parcel.batchId).entries()]
      .map(([batchId, group]) => {
        const lags = lagsOf(group)
        const handedAtMs = Math.min(...group.map((parcel) => parcel.handedAtMs))
        return {
          batchId,
          carrier: group[0]!.carrier,
          handedAtMs,
          parcels: group.length,
          scanned: lags.length,
          medianMs: quantile(lags, 0.5),
          alert: lags.length === 0 && options.asOfMs - handedAtMs >= options.alertAfterMs
        }
      })
      .sort((a, b) => b.handedAtMs - a.handedAtMs || a.batchId.localeCompare(b.batchId))
      .slice(0, MAX_BATCHES)
    return { asOfMs: options.asOfMs, alertAfterMs: options.alertAfterMs, carriers, batches }
  })

/** How the pickup figures are judged: the hub's pickup alert, as of the hub's clock. */
export interface PickupOptions {
  readonly asOfMs: number
  readonly alertAfterMs: number
}

export const computeCustomerMetrics = Effect.fn("CustomerMetrics.compute")(function* (
  window: MetricsWindow,
  pickupOptions: PickupOptions
) {
  const sql = yield* Sql
  const { fromMs, toMs } = window
  const count = (statement: string, params: ReadonlyArray<number | string>) =>
    sql.query<{ n: number | bigint }>(statement, params).pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0)))

  // A parcel counts from the day it was packed; one only ever seen at the handover counts from then.
  const cohort = "COALESCE(p.packed_at_ms, p.handed_at_ms) >= ? AND COALESCE(p.packed_at_ms, p.handed_at_ms) < ?"
  const parcels = yield* count(`SELECT COUNT(*) AS n FROM hub_parcels p WHERE ${cohort}`, [fromMs, toMs])
  const reach: Array<StageReach> = []
  for (const { stage, subject } of stages) {
    const notified = yield* count(
      `SELECT COUNT(*) AS n FROM hub_parcels p WHERE ${cohort} AND EXISTS (
         SELECT 1 FROM hub_notifications n JOIN hub_outbox b ON b.notification_id = n.notification_id
         WHERE n.kind = ? AND n.subject_id = ${subject === "order" ? "p.order_id" : "p.parcel_id"}
           AND b.channel = 'email' AND b.status = 'sent')`,
      [fromMs, toMs, stage]
    )
    reach.push({ stage, parcels, notified, share: rate(notified, parcels) })
  }

  const handovers = yield* sql.query<{ packed_at_ms: number | bigint; handed_at_ms: number | bigint }>(
    `SELECT packed_at_ms, handed_at_ms FROM hub_parcels
     WHERE packed_at_ms IS NOT NULL AND handed_at_ms >= ? AND handed_at_ms < ?`,
    [fromMs, toMs]
  )
  const byDay = new Map<string, Array<number>>()
  const durations: Array<number> = []
  for (const row of handovers) {
    const handedAtMs = Number(row.handed_at_ms)
    // A handover recorded before the packing (clocks of two stations) is no measurement, not a negative one.
    const duration = Math.max(0, handedAtMs - Number(row.packed_at_ms))
    durations.push(duration)
    const day = utcDay(handedAtMs)
    const values = byDay.get(day)
    if (values === undefined) byDay.set(day, [duration])
    else values.push(duration)
  }
  const daily: Array<DailyDuration> = [...byDay.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, values]) => ({
      day,
      parcels: values.length,
      medianMs: quantile(values, 0.5),
      p90Ms: quantile(values, 0.9)
    }))

  const delivered = yield* count(
    `SELECT COUNT(*) AS n FROM hub_parcels
     WHERE delivered_at_ms >= ? AND delivered_at_ms < ? AND expected_delivery_by_ms IS NOT NULL`,
    [fromMs, toMs]
  )
  const onTime = yield* count(
    `SELECT COUNT(*) AS n FROM hub_parcels
     WHERE delivered_at_ms >= ? AND delivered_at_ms < ? AND delivered_at_ms <= expected_delivery_by_ms`,
    [fromMs, toMs]
  )

  const shippedOrders = yield* count(
    "SELECT COUNT(DISTINCT order_id) AS n FROM hub_parcels WHERE handed_at_ms >= ? AND handed_at_ms < ?",
    [fromMs, toMs]
  )
  // Counted over the window's parcels by the handover index: SQLite would rather walk every parcel in the order
  // index for the DISTINCT, which `|| ''` (the same text) takes from it.
  const returnedOrders = yield* count(
    `SELECT COUNT(DISTINCT p.order_id || '') AS n FROM hub_parcels p
     WHERE p.handed_at_ms >= ? AND p.handed_at_ms < ?
       AND EXISTS (SELECT 1 FROM hub_metrics_returns r WHERE r.order_id = p.order_id AND r.voided_at_ms IS NULL)`,
    [fromMs, toMs]
  )

  const ordersPerCustomer = yield* sql.query<{ orders: number | bigint }>(
    `SELECT COUNT(*) AS orders FROM hub_metrics_orders WHERE placed_at_ms >= ? AND placed_at_ms < ?
     GROUP BY customer_id`,
    [fromMs, toMs]
  )
  const customers = ordersPerCustomer.length
  const repeatCustomers = ordersPerCustomer.filter((row) => Number(row.orders) > 1).length

  const answers = yield* sql.query<{ rating: number | bigint; n: number | bigint }>(
    `SELECT rating, COUNT(*) AS n FROM hub_feedback WHERE answered_at_ms >= ? AND answered_at_ms < ?
     GROUP BY rating`,
    [fromMs, toMs]
  )
  const ratings = [1, 2, 3, 4, 5].map((rating) => Number(answers.find((row) => Number(row.rating) === rating)?.n ?? 0))
  const answerCount = ratings.reduce((sum, n) => sum + n, 0)
  const satisfied = (ratings[3] ?? 0) + (ratings[4] ?? 0)
  const ratingSum = ratings.reduce((sum, n, index) => sum + n * (index + 1), 0)

  const metrics: CustomerMetrics = {
    fromMs,
    toMs,
    stages: reach,
    packedToHanded: {
      parcels: durations.length,
      medianMs: quantile(durations, 0.5),
      p90Ms: quantile(durations, 0.9),
      daily
    },
    pickup: yield* computePickup(sql, window, pickupOptions),
    onTime: { delivered, onTime, rate: rate(onTime, delivered) },
    returns: { shippedOrders, returnedOrders, rate: rate(returnedOrders, shippedOrders) },
    repurchase: { customers, repeatCustomers, rate: rate(repeatCustomers, customers) },
    csat: {
      answers: answerCount,
      satisfied,
      share: rate(satisfied, answerCount),
      mean: rate(ratingSum, answerCount),
      ratings
    }
  }
  return metrics
})
