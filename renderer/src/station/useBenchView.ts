/** A React hook for a flow whose every call answers its whole view (pack, handover, returns). */
import { useCallback, useEffect, useRef, useState } from "react"
import type { ApiInput, ApiName, ApiOutput } from "../../../core/api/StationApi.ts"
import { parseRefusal, type RefusalText } from "../i18n/describeRefusal.ts"
import { playErrorTone } from "../scanner/playErrorTone.ts"
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "./StationContext.ts"

export type Refused = RefusalText

type ViewWithRefusal = { readonly refusal: Refused | null }

export interface BenchView<N extends ApiName> {
  readonly view: ApiOutput<N> | undefined
  /** The last input's refusal, kept while the state is reloaded: a reload must not hide why a scan was refused. */
  readonly refusal: Refused | null
  /** True when the refusal answered a scan, whose outcome panel already names it. */
  readonly refusalFromScan: boolean
  readonly error: unknown
  readonly run: <C extends ApiName>(name: C, input: ApiInput<C>) => void
}

/**
 * A flow whose every call answers its whole view (pack, handover, returns): the latest view, refreshed after every scan the
 * station routed to this flow (`scan.submit` answers a ScanOutcome, not the view) and on reconnect.
 */
export const useBenchView = <N extends "pack.state" | "handover.state" | "returns.state">(
  stateCall: N,
  routedPrefix: string,
  lastScan: ScanDisplay | undefined,
  refreshOn: ReadonlyArray<"alert" | "printJob">
): BenchView<N> => {
  const { client } = useStationContext()
  const [view, setView] = useState<ApiOutput<N>>()
  const [refusal, setRefusal] = useState<Refused | null>(null)
  const [refusalFromScan, setRefusalFromScan] = useState(false)
  const [error, setError] = useState<unknown>()
  const latest = useRef(0)

  const show = useCallback((request: number, next: unknown, refused: Refused | null | undefined) => {
    if (request !== latest.current) return
    setView(next as ApiOutput<N>)
    setError(undefined)
    if (refused === undefined) return
    setRefusal(refused)
    setRefusalFromScan(false)
  }, [])

  const reload = useCallback(() => {
    const request = ++latest.current
    client.call(stateCall, {}).then(
      // A state that carries a refusal (a session the station could not continue after a restart) shows it.
      (next) => show(request, next, (next as ViewWithRefusal).refusal ?? undefined),
      (failure: unknown) => request === latest.current && setError(failure)
    )
  }, [client, stateCall, show])

  const run = useCallback(
    <C extends ApiName>(name: C, input: ApiInput<C>) => {
      const request = ++latest.current
      client.call(name, input).then(
        (next) => {
          const refused = (next as ViewWithRefusal).refusal ?? null
          if (refused !== null) playErrorTone()
          // A reload asked for while this call ran (a push, a scan) may have read the state before this call's change
          // and answered after it: its view would hide the change (a grade key that seems lost). Read it again now.
          if (request !== latest.current) reload()
          else show(request, next, refused)
        },
        (failure: unknown) => {
          if (request !== latest.current) return
          playErrorTone()
          setError(failure)
        }
      )
    },
    [client, show, reload]
  )

  useEffect(() => {
    reload()
    const stops = refreshOn.map((push) => client.onPush(push, reload))
    stops.push(client.onConnection((state) => state === "connected" && reload()))
    return () => {
      for (const stop of stops) stop()
    }
  }, [client, reload, refreshOn])

  // A scan from before this screen was up belongs to another flow.
  const handledScan = useRef(lastScan?.id)
  useEffect(() => {
    if (lastScan?.state !== "done" || lastScan.id === handledScan.current) return
    const { action, message, refusal: refused } = lastScan.outcome
    if (action !== "refused" && !action.startsWith(routedPrefix)) return
    handledScan.current = lastScan.id
    setRefusal(action === "refused" ? (refused ?? parseRefusal(message) ?? { code: "", reason: message }) : null)
    setRefusalFromScan(true)
    reload()
  }, [lastScan, routedPrefix, reload])

  return { view, refusal, refusalFromScan, error, run }
}
