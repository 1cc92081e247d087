import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "../station/StationContext.ts"
import { ScanArea } from "./ScanArea.tsx"

/** The returns desk's entry: the return flow (RMA lookup, grading) grows inside the scan area. */
export const ReturnsScreen = ({
  lastScan,
  onScan
}: {
  readonly lastScan: ScanDisplay | undefined
  readonly onScan: (raw: string, source: "manual" | "camera") => void
}) => {
  const { t } = useStationContext()
  return <ScanArea title={t("returns.title")} hint={t("returns.hint")} lastScan={lastScan} onScan={onScan} />
}
