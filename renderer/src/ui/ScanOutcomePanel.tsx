/** The panel that shows the last scan, big and coloured. */
import { describeScan, type ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "../station/StationContext.ts"
import { Identifiers } from "./Identifiers.tsx"

/** The last scan, big and coloured, so the packer sees from a step away whether it went in. */
export const ScanOutcomePanel = ({ scan }: { readonly scan: ScanDisplay | undefined }) => {
  const { t } = useStationContext()
  if (scan === undefined) {
    return (
      <section className="outcome outcome-none" data-testid="scan-outcome" data-tone="none">
        <div className="outcome-label">{t("scan.lastScan")}</div>
        <div className="outcome-headline">{t("scan.none")}</div>
      </section>
    )
  }
  const view = describeScan(t, scan)
  return (
    <section
      className={`outcome outcome-${view.tone}`}
      data-testid="scan-outcome"
      data-tone={view.tone}
      aria-live="assertive"
    >
      <div className="outcome-label">
        {t("scan.lastScan")} <code className="outcome-raw">{view.raw}</code>
      </div>
      <div className="outcome-headline">
        <span aria-hidden="true">{view.tone === "ok" ? "✔ " : view.tone === "bad" ? "✖ " : ""}</span>
        <Identifiers text={view.headline} />
      </div>
      {view.detail !== "" && (
        <div className="outcome-detail">
          <Identifiers text={view.detail} />
        </div>
      )}
    </section>
  )
}
