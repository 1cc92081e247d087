/** The port through which the station fetches customer figures from the hub, and its error. */
import { Context, type Effect, Schema } from "effect"
import type { CustomerMetrics, MetricsWindow } from "./CustomerMetrics.ts"

/**
 * Why the station could not get the figures from the hub: none configured, unreachable, the hub refused the
 * station's metrics token, or an answer the station refused.
 */
export class MetricsUnavailable extends Schema.TaggedError<MetricsUnavailable>()("MetricsUnavailable", {
  reason: Schema.Literals(["NoHub", "Unreachable", "Refused", "BadAnswer"]),
  message: Schema.String
}) {}

/**
 * Where the station gets the customer figures: the notification hub (embedded or the fleet's), which alone holds
 * the notifications, deliveries and answers they are computed from. The CSV is the hub's own, so the export and
 * the hub's `/metrics.csv` never disagree.
 */
export class CustomerMetricsSource extends Context.Service<
  CustomerMetricsSource,
  {
    readonly customer: (window: MetricsWindow) => Effect.Effect<CustomerMetrics, MetricsUnavailable>
    readonly csv: (
      window: MetricsWindow
    ) => Effect.Effect<{ readonly filename: string; readonly csv: string }, MetricsUnavailable>
  }
>()("packbench/core/metrics/CustomerMetricsSource") {}
