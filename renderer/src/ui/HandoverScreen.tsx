/** The Handover screen: pick the carrier, scan the parcels, close with a manifest. */
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "../station/StationContext.ts"
import { useBenchView } from "../station/useBenchView.ts"
import { BenchError } from "./BenchError.tsx"
import { carrierName, carriers } from "./carriers.ts"
import { formatTime } from "./formatDate.ts"
import { PrintPreviews } from "./PrintPreviews.tsx"
import { RefusalBanner } from "./RefusalBanner.tsx"
import { ScanArea } from "./ScanArea.tsx"
import { useBenchKeys } from "./useBenchKeys.ts"

const REFRESH_ON = [] as const

/**
 * Handing the day's parcels to the driver: pick the carrier by number, scan every parcel (tracking number or parcel
 * code) into the batch, F9 closes it and prints the manifest the driver signs.
 */
export const HandoverScreen = ({
  lastScan,
  onScan
}: {
  readonly lastScan: ScanDisplay | undefined
  readonly onScan: (raw: string, source: "manual" | "camera") => void
}) => {
  const { t, locale } = useStationContext()
  const bench = useBenchView("handover.state", "handover:", lastScan, REFRESH_ON)
  const batch = bench.view?.batch ?? null
  const manifest = bench.view?.manifest ?? null

  const typed = useBenchKeys(
    {
      onNumber: (value) => {
        const carrier = carriers[value - 1]
        if (batch === null && carrier !== undefined) bench.run("handover.open", { carrier })
      },
      onKey: (key) => {
        if (key !== "F9" || batch === null) return false
        bench.run("handover.close", {})
        return true
      }
    },
    lastScan?.id
  )

  return (
    <ScanArea
      title={batch === null ? t("handover.title") : t("handover.scanParcels")}
      hint={batch === null ? t("handover.chooseCarrier") : t("handover.scanParcelsHint")}
      lastScan={lastScan}
      onScan={onScan}
    >
      {typed !== "" && (
        <div className="typed" data-testid="typed">
          {t("pack.typed", { value: typed })}
        </div>
      )}
      <RefusalBanner refusal={bench.refusal} reasonOnly={bench.refusalFromScan} />
      <BenchError error={bench.error} />
      {batch === null ? (
        <ol className="choices" data-testid="carrier-choices">
          {carriers.map((carrier, index) => (
            <li key={carrier}>
              <button type="button" onClick={() => bench.run("handover.open", { carrier })}>
                <kbd>{index + 1}</kbd> {carrierName(t, carrier)}
              </button>
            </li>
          ))}
        </ol>
      ) : (
        <section className="card" data-testid="handover-batch">
          <h2>
            {t("handover.batch", { batchId: batch.batchId, carrier: carrierName(t, batch.carrier) })}
            <span className="handover-count" data-testid="handover-count">
              {t("handover.count", { count: batch.parcels.length })}
            </span>
          </h2>
          {batch.parcels.length === 0 ? (
            <p className="hint">{t("handover.noParcels")}</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>{t("pack.tracking")}</th>
                  <th>{t("handover.order")}</th>
                  <th>{t("handover.time")}</th>
                </tr>
              </thead>
              <tbody>
                {batch.parcels.map((parcel) => (
                  <tr key={parcel.parcelId}>
                    <td className="mono id">{parcel.trackingNumber}</td>
                    <td className="mono id">{parcel.orderId}</td>
                    <td>{formatTime(locale, parcel.scannedAtMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="hint">{t("handover.keyClose")}</p>
        </section>
      )}
      {manifest !== null && (
        <section className="card" data-testid="handover-manifest">
          <h2>
            {t("handover.closed", {
              batchId: manifest.batchId,
              count: manifest.count,
              carrier: carrierName(t, manifest.carrier)
            })}
          </h2>
          <PrintPreviews jobs={[manifest.printJob]} testId="manifest-printout" />
        </section>
      )}
    </ScanArea>
  )
}
