/** The last scan of each screen: the Handover screen shows its own last scan, never the Pack screen's. */
import type { ScanContext, ScanOutcome } from "../../../core/api/StationApi.ts"
import type { ScanDisplay } from "./ScanDisplay.ts"

export interface ScreenScans {
  /** Each screen's last scan, by the screen it was scanned on. */
  readonly byScreen: Partial<Readonly<Record<ScanContext, ScanDisplay>>>
  /** The last scan of any screen: the error tone and the PIN prompt follow it. */
  readonly latest: ScanDisplay | undefined
  /** The id the next scan gets: ids only grow, so a screen tells a new scan from the one it already handled. */
  readonly nextId: number
}

export const noScans: ScreenScans = { byScreen: {}, latest: undefined, nextId: 1 }

export const scanOn = (scans: ScreenScans, screen: ScanContext): ScanDisplay | undefined => scans.byScreen[screen]

/** `display` (made with the id it is given) as the last scan of `screen` and of the station. */
export const withScan = (
  scans: ScreenScans,
  screen: ScanContext,
  display: (id: number) => ScanDisplay
): ScreenScans => {
  const shown = display(scans.nextId)
  return { byScreen: { ...scans.byScreen, [screen]: shown }, latest: shown, nextId: scans.nextId + 1 }
}

const flows: ReadonlyArray<ScanContext> = ["pack", "handover", "returns"]

/**
 * The screen a scan's outcome belongs to: the flow its action names ("handover:…"); an action no flow names (a
 * sign-in, a refusal) belongs to the screen that was up when it came.
 */
const screenOf = (outcome: ScanOutcome, up: ScanContext): ScanContext =>
  flows.find((flow) => outcome.action.startsWith(`${flow}:`)) ?? up

const sameScan = (a: ScanOutcome, b: ScanOutcome) =>
  a.raw === b.raw && a.at.monoNs === b.at.monoNs && a.deviceId === b.deviceId

/**
 * A scan's answer and its push carry the same outcome; whichever comes second must not count as a new scan, or a
 * rejection would beep twice: the scans are returned unchanged.
 */
export const withOutcome = (scans: ScreenScans, outcome: ScanOutcome, up: ScanContext): ScreenScans =>
  scans.latest?.state === "done" && sameScan(scans.latest.outcome, outcome)
    ? scans
    : withScan(scans, screenOf(outcome, up), (id) => ({ state: "done", id, outcome }))
