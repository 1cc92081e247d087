/** The React hook for the station-wide state every screen shares. */
import { useCallback, useEffect, useRef, useState } from "react"
import type { Locale, ScanContext, ScanOutcome, StationStatus } from "../../../core/api/StationApi.ts"
import type { ConnectionState, StationClient } from "../api/StationClient.ts"
import { noScans, type ScreenScans, withOutcome, withScan } from "../scanner/ScreenScans.ts"

/** Status is pushed on every change; this slow refresh only heals a push lost to a race, it is not the source. */
const STATUS_REFRESH_MS = 15_000

export interface StationState {
  readonly status: StationStatus | undefined
  readonly connection: ConnectionState | "unknown"
  /** Each screen's last scan, and the last of all. */
  readonly scans: ScreenScans
  /** `context` is the screen that was up: the station hands the scan to that screen's flow. */
  readonly submitScan: (raw: string, source: "wedge" | "manual" | "camera", context: ScanContext) => void
  readonly setLocale: (locale: Locale) => Promise<void>
  readonly signOut: () => Promise<void>
  /** Reads the status again now (after a sign-in the station answered outside a scan, e.g. a manager's PIN). */
  readonly refreshStatus: () => void
}

/**
 * The station-wide state every screen shares: status (operator, sync, devices), connection and each screen's last
 * scan. `screenUp` tells which screen a pushed scan came to (a serial scanner's scan names no screen).
 */
export const useStation = (client: StationClient, screenUp: () => ScanContext): StationState => {
  const [status, setStatus] = useState<StationStatus>()
  const [connection, setConnection] = useState<ConnectionState | "unknown">("unknown")
  const [scans, setScans] = useState<ScreenScans>(noScans)
  const screenOfPush = useRef(screenUp)
  screenOfPush.current = screenUp

  const refreshStatus = useCallback(() => {
    client.call("station.status", {}).then(setStatus, () => {})
  }, [client])

  const showOutcome = useCallback((outcome: ScanOutcome, screen?: ScanContext) => {
    setScans((current) => withOutcome(current, outcome, screen ?? screenOfPush.current()))
  }, [])

  useEffect(() => {
    refreshStatus()
    const stops = [
      client.onPush("status", setStatus),
      client.onPush("scan", (outcome) => showOutcome(outcome)),
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
      setScans((current) => withScan(current, context, (id) => ({ state: "pending", id, raw })))
      client.call("scan.submit", { raw, source, context }).then(
        (outcome) => {
          showOutcome(outcome, context)
          if (outcome.action === "signed-in") refreshStatus()
        },
        (error: unknown) =>
          setScans((current) => withScan(current, context, (id) => ({ state: "failed", id, raw, error })))
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

  return { status, connection, scans, submitScan, setLocale, signOut, refreshStatus }
}
