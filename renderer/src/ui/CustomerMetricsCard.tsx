/** The Manager screen's customer metrics panel: tiles, stage bars and the handover time chart. */
import { useState } from "react"
import { describeError } from "../i18n/Translator.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"
import { formatAge } from "./formatAge.ts"
import { HandoverTimeChart } from "./HandoverTimeChart.tsx"
import { PickupLagPanel } from "./PickupLagPanel.tsx"
import { StageReachChart } from "./StageReachChart.tsx"

const dayMs = 86_400_000
const ranges = [7, 30, 90] as const

/** The last `days` days up to now; made once per choice, so the query's input stays the same between renders. */
const windowOf = (days: number) => {
  const toMs = Date.now()
  return { fromMs: toMs - days * dayMs, toMs }
}

const Kpi = ({
  id,
  label,
  rate,
  detail
}: {
  readonly id: string
  readonly label: string
  readonly rate: number | null
  readonly detail: string
}) => {
  const { t, locale } = useStationContext()
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 })
  return (
    <div className="kpi" data-testid={`kpi-${id}`}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{rate === null ? t("common.none") : percent.format(rate)}</div>
      <div className="kpi-detail muted">{detail}</div>
    </div>
  )
}

/**
 * What the customers experienced, from the notification hub's records: whether they were told at each stage, how
 * long parcels waited for the carrier, and the on-time, return, repurchase and satisfaction figures.
 */
export const CustomerMetricsCard = () => {
  const { t, client, locale } = useStationContext()
  const [days, setDays] = useState<number>(30)
  const [window, setWindow] = useState(() => windowOf(30))
  const metrics = useApiQuery("metrics.customer", window, [])
  const [exportProblem, setExportProblem] = useState<string>()
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 })

  const choose = (choice: number) => {
    setDays(choice)
    setWindow(windowOf(choice))
  }
  const exportCsv = () => {
    setExportProblem(undefined)
    client.call("metrics.customerCsv", window).then(
      ({ filename, csv }) => {
        const link = document.createElement("a")
        link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }))
        link.download = filename
        link.click()
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
      },
      (error: unknown) => setExportProblem(describeError(t, error))
    )
  }

  const data = metrics.data
  const of = (part: number, total: number) => t("metrics.ofCount", { part, total })
  return (
    <section className="card customer-metrics" data-testid="customer-metrics">
      <div className="metrics-head">
        <h2>{t("metrics.title")}</h2>
        <fieldset className="button-row metrics-range">
          <legend className="visually-hidden">{t("metrics.range")}</legend>
          {ranges.map((choice) => (
            <button
              key={choice}
              type="button"
              className={choice === days ? "" : "button-secondary"}
              aria-pressed={choice === days}
              onClick={() => choose(choice)}
            >
              {t("metrics.days", { days: choice })}
            </button>
          ))}
          <button type="button" className="button-secondary" onClick={exportCsv} data-testid="metrics-export">
            {t("metrics.export")}
          </button>
        </fieldset>
      </div>
      {exportProblem !== undefined && (
        <p className="error-text" role="alert">
          {exportProblem}
        </p>
      )}
      {metrics.error !== undefined ? (
        <ReadFailure error={metrics.error} showingLast={false} />
      ) : data === undefined ? (
        <p className="hint">{t("common.loading")}</p>
      ) : (
        <>
          <div className="kpis">
            <Kpi
              id="on-time"
              label={t("metrics.onTime")}
              rate={data.onTime.rate}
              detail={of(data.onTime.onTime, data.onTime.delivered)}
            />
            <Kpi
              id="return-rate"
              label={t("metrics.returnRate")}
              rate={data.returns.rate}
              detail={of(data.returns.returnedOrders, data.returns.shippedOrders)}
            />
            <Kpi
              id="repurchase"
              label={t("metrics.repurchase")}
              rate={data.repurchase.rate}
              detail={of(data.repurchase.repeatCustomers, data.repurchase.customers)}
            />
            <Kpi
              id="csat"
              label={t("metrics.csat")}
              rate={data.csat.share}
              detail={
                data.csat.mean === null
                  ? t("metrics.noAnswers")
                  : t("metrics.csatMean", { mean: number.format(data.csat.mean), count: data.csat.answers })
              }
            />
          </div>
          <div className="metrics-charts">
            <div>
              <h3>{t("metrics.reach")}</h3>
              <p className="hint">{t("metrics.reachHint", { count: data.stages[0]?.parcels ?? 0 })}</p>
              <StageReachChart stages={data.stages} />
            </div>
            <div>
              <h3>{t("metrics.handover")}</h3>
              <p className="hint" data-testid="handover-summary">
                {data.packedToHanded.medianMs === null
                  ? t("metrics.noData")
                  : t("metrics.handoverSummary", {
                      median: formatAge(data.packedToHanded.medianMs),
                      p90: formatAge(data.packedToHanded.p90Ms ?? data.packedToHanded.medianMs),
                      count: data.packedToHanded.parcels
                    })}
              </p>
              {data.packedToHanded.daily.length > 0 && (
                <HandoverTimeChart daily={data.packedToHanded.daily} fromMs={data.fromMs} toMs={data.toMs} />
              )}
            </div>
            {data.pickup !== undefined && <PickupLagPanel pickup={data.pickup} />}
          </div>
        </>
      )}
    </section>
  )
}
