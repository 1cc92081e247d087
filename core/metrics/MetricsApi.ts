/** The station API slice for the Manager screen's customer figures. */
import { Schema } from "effect"
import { CustomerMetrics, MetricsWindow } from "./CustomerMetrics.ts"

/** The Manager screen's customer figures, for the station to merge into its one API; the hub computes them. */
export const MetricsApi = {
  "metrics.customer": { input: MetricsWindow, output: CustomerMetrics },
  /** The same window as CSV, for the export button: the file name and its text. */
  "metrics.customerCsv": {
    input: MetricsWindow,
    output: Schema.Struct({ filename: Schema.String, csv: Schema.String })
  }
} as const
