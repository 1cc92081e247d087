/** What the printers made of the last jobs, as the simulated printers rendered them. */
import type { PrintJobRef } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "../i18n/de.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useApiQuery } from "../station/useApiQuery.ts"
import { ReadFailure } from "./CardRead.tsx"

const REFRESH_ON = ["printJob"] as const

/**
 * What the printers made of the given jobs, large enough to read at the bench: the simulated printers render each
 * job to an image, which appears once the `printJob` push says it printed.
 */
export const PrintPreviews = ({
  jobs,
  testId
}: {
  readonly jobs: ReadonlyArray<PrintJobRef>
  readonly testId: string
}) => {
  const { t } = useStationContext()
  const all = useApiQuery("printer.jobs", {}, REFRESH_ON)
  if (jobs.length === 0) return null
  return (
    <div className="printouts" data-testid={testId}>
      {all.error !== undefined && <ReadFailure error={all.error} showingLast={all.data !== undefined} />}
      {jobs.map((ref) => {
        const job = all.data?.find((candidate) => candidate.id === ref.id)
        return (
          <figure key={ref.id} className={`printout printout-${ref.printer}`}>
            <figcaption>
              {t(ref.printer === "label" ? "printer.label" : "printer.receipt")} · {ref.purpose} ·{" "}
              {job !== undefined
                ? t(`jobState.${job.state}` as MessageKey)
                : all.error === undefined
                  ? t("common.loading")
                  : "–"}
            </figcaption>
            {job?.previewUrl === undefined ? (
              <div className="printout-missing">{t("printer.noPreview")}</div>
            ) : (
              <img
                className="printout-image"
                data-printer={ref.printer}
                src={job.previewUrl}
                alt={t("printer.preview", { id: ref.id })}
              />
            )}
          </figure>
        )
      })}
    </div>
  )
}
