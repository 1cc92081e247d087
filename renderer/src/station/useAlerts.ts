/** A React hook that keeps the station's pushed alerts for the operator to see. */
import { useCallback, useEffect, useState } from "react"
import type { PushPayload } from "../../../core/api/StationApi.ts"
import type { StationClient } from "../api/StationClient.ts"
import { playErrorTone } from "../scanner/playErrorTone.ts"

export type StationAlert = PushPayload<"alert">

export interface Alerts {
  /** Oldest first: each stays until the operator acknowledges it, so one arriving mid-scan is not missed. */
  readonly alerts: ReadonlyArray<StationAlert>
  readonly acknowledge: () => void
}

export const useAlerts = (client: StationClient): Alerts => {
  const [alerts, setAlerts] = useState<ReadonlyArray<StationAlert>>([])
  useEffect(
    () =>
      client.onPush("alert", (alert) => {
        if (alert.level === "error") playErrorTone()
        setAlerts((current) => [...current, alert])
      }),
    [client]
  )
  const acknowledge = useCallback(() => setAlerts((current) => current.slice(1)), [])
  return { alerts, acknowledge }
}
