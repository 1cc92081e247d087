/** The shop connectors' figures in Prometheus's text exposition format (version 0.0.4), for `GET /metrics/shops`. */
import type { ShopConnectorFigures } from "../../core/shop/ShopMetrics.ts"

/** The content type a scraper expects of the text format (the server adds its UTF-8 charset). */
export const PROMETHEUS_TEXT_TYPE = "text/plain; version=0.0.4"

/** HELP text escapes a backslash and a line feed (the format's rule). */
const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

/** A label value escapes a backslash, a double quote and a line feed (the format's rule). */
const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

interface Sample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

interface Family {
  readonly name: string
  readonly help: string
  readonly samples: ReadonlyArray<Sample>
}

/** A finite number as the format writes it; every figure here is a count, seconds or a time in seconds. */
const number = (value: number) => (Number.isFinite(value) ? String(value) : "NaN")

const familyText = (family: Family) =>
  [
    `# HELP ${family.name} ${escapeHelp(family.help)}`,
    `# TYPE ${family.name} gauge`,
    ...family.samples.map((sample) => {
      const labels = Object.entries(sample.labels)
        .map(([label, value]) => `${label}="${escapeLabel(value)}"`)
        .join(",")
      return `${family.name}{${labels}} ${number(sample.value)}`
    })
  ].join("\n")

/**
 * Every family with its HELP and TYPE lines, one sample per connector (and per reason a push waits for a manager);
 * a connector that never pulled has no last-pull sample, as the format leaves out what is not known.
 */
export const shopMetricsText = (connectors: ReadonlyArray<ShopConnectorFigures>): string => {
  const each = (value: (figures: ShopConnectorFigures) => number): ReadonlyArray<Sample> =>
    connectors.map((figures) => ({ labels: { connector: figures.connectorId }, value: value(figures) }))
  const families: ReadonlyArray<Family> = [
    {
      name: "packbench_hub_shop_pushes_queued",
      help: "Fulfillments, refunds and address corrections queued for the shop, or being sent.",
      samples: each((figures) => figures.queuedPushes)
    },
    {
      name: "packbench_hub_shop_pushes_handed_over",
      help: "Pushes waiting for a manager's decision on the Shop card, by why: refused by the shop, malformed answers, unauthorized.",
      samples: connectors.flatMap((figures) =>
        (["refused", "malformed", "unauthorized"] as const).map((reason) => ({
          labels: { connector: figures.connectorId, reason },
          value: figures.handedOver[reason]
        }))
      )
    },
    {
      name: "packbench_hub_shop_oldest_queued_seconds",
      help: "Seconds the oldest push still to be sent has waited since it was queued; 0 with none.",
      samples: each((figures) => figures.oldestQueuedMs / 1000)
    },
    {
      name: "packbench_hub_shop_catch_up_failed_passes",
      help: "Catch-up passes that failed in a row; 0 once a page went through.",
      samples: each((figures) => figures.catchUpFailedPasses)
    },
    {
      name: "packbench_hub_shop_last_pull_success_timestamp_seconds",
      help: "When a catch-up page last went through, in Unix seconds.",
      samples: connectors.flatMap((figures) =>
        figures.lastPullSuccessMs === undefined
          ? []
          : [{ labels: { connector: figures.connectorId }, value: figures.lastPullSuccessMs / 1000 }]
      )
    }
  ]
  return `${families.map(familyText).join("\n")}\n`
}
