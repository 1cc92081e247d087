/** The React hook for the station-wide state every screen shares. */
import { useCallback, useEffect, useRef, useState } from "react"
import type { Locale, ScanContext, ScanOutcome, StationStatus } from "../../../core/api/StationApi.ts"
import type { ConnectionState, StationClient } from "../api/StationClient.ts"
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"

/** Status is pushed on every change; this slow refresh only heals a push lost to a race, it is not the source. */
const STATUS_REFRESH_MS = 15_000

export interface StationState {
  readonly status: StationStatus | undefined
  readonly connection: ConnectionState | "unknown"
  readonly lastScan: ScanDisplay | undefined
  /** `context` is the screen that was up: the station hands the scan to that screen's flow. */
  readonly submitScan: (raw: string, source: "wedge" | "manual" | "camera", context: ScanContext) => void
  readonly setLocale: (locale: Locale) => Promise<void>
  readonly signOut: () => Promise<void>
  /** Reads the status again now (after a sign-in the station answered outside a scan, e.g. a manager's PIN). */
  readonly refreshStatus: () => void
}

const sameScan = (a: ScanOutcome, b: ScanOutcome) =>
  a.raw === b.raw && a.at.monoNs === b.at.monoNs && a.deviceId === b.deviceId

/** The station-wide state every screen shares: status (operator, sync, devices), connection and the last scan. */
export const useStation = (client: StationClient): StationState => {
  const [status, setStatus] = useState<StationStatus>()
  const [connection, setConnection] = useState<ConnectionState | "unknown">("unknown")
  const [lastScan, setLastScan] = useState<ScanDisplay>()
  const nextScanId = useRef(0)

  const refreshStatus = useCallback(() => {
    client.call("station.status", {}).then(setStatus, () => {})
  }, [client])

  // A scan's answer and its push carry the same outcome; whichever comes second must not count as a new scan,
  // or a rejection would beep twice.
  const showOutcome = useCallback((outcome: ScanOutcome) => {
    setLastScan((current) =>
      current?.state === "done" && sameScan(current.outcome, outcome)
        ? current
        : { state: "done", id: ++nextScanId.current, outcome }
    )
  }, [])

  useEffect(() => {
    refreshStatus()
    const stops = [
      client.onPush("status", setStatus),
      client.onPush("scan", showOutcome),
      client.onConnection((state) => {
        setConnection(state)
        if (state === "connected") refreshStatus()
      })
    ]
    const timer = setInterval(refreshStatus, STATUS_REFRESH_MS)
    return () => {
      clearInterval(timer)
      for (const stop of stops) stop()
    }
  }, [client, refreshStatus, showOutcome])

  const submitScan = useCallback(
    (raw: string, source: "wedge" | "manual" | "camera", context: ScanContext) => {
      const id = ++nextScanId.current
      setLastScan({ state: "pending", id, raw })
      client.call("scan.submit", { raw, source, context }).then(
        (outcome) => {
          showOutcome(outcome)
          if (outcome.action === "signed-in") refreshStatus()
        },
        (error: unknown) => setLastScan({ state: "failed", id: ++nextScanId.current, raw, error })
      )
    },
    [client, refreshStatus, showOutcome]
  )

  const setLocale = useCallback(
    async (locale: Locale) => {
      setStatus(await client.call("station.setLocale", { locale }))
    },
    [client]
  )

  const signOut = useCallback(async () => {
    await client.call("session.signOut", {})
    refreshStatus()
  }, [client, refreshStatus])

  return { status, connection, lastScan, submitScan, setLocale, signOut, refreshStatus }
}
