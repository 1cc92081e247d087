/** The scan area every flow screen shares: title, hint, last scan, manual entry and camera. */
import type { ReactNode } from "react"
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { CameraScanner } from "./CameraScanner.tsx"
import { ManualEntry } from "./ManualEntry.tsx"
import { ScanOutcomePanel } from "./ScanOutcomePanel.tsx"

export interface ScanAreaProps {
  readonly title: string
  readonly hint: string
  readonly lastScan: ScanDisplay | undefined
  readonly onScan: (raw: string, source: "manual" | "camera") => void
  /** Flow-specific content under the prompt (the pack and returns flows grow here). */
  readonly children?: ReactNode
}

/** What every scanning screen starts with: what to scan next, what the last scan was, and the fallbacks. */
export const ScanArea = ({ title, hint, lastScan, onScan, children }: ScanAreaProps) => (
  <div className="scan-area">
    <section className="prompt" data-testid="prompt">
      <h1>{title}</h1>
      <p>{hint}</p>
    </section>
    <ScanOutcomePanel scan={lastScan} />
    <div className="fallbacks">
      <ManualEntry onSubmit={(raw) => onScan(raw, "manual")} />
      <CameraScanner onScan={(raw) => onScan(raw, "camera")} />
    </div>
    {children}
  </div>
)
