/** A React hook for a flow whose every call answers its whole view (pack, handover, returns). */
import { useCallback, useEffect, useRef, useState } from "react"
import type { ApiInput, ApiName, ApiOutput } from "../../../core/api/StationApi.ts"
import { parseRefusal, type RefusalText } from "../i18n/describeRefusal.ts"
import { playErrorTone } from "../scanner/playErrorTone.ts"
import type { ScanDisplay } from "../scanner/ScanDisplay.ts"
import { useStationContext } from "./StationContext.ts"
import {
  askBench,
  type BenchAnswer,
  type BenchState,
  benchScanned,
  initialBench,
  settleBenchAnswer
} from "./settleBenchAnswer.ts"

export type Refused = RefusalText

type ViewWithRefusal = { readonly refusal?: Refused | null }

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
 * station routed to this flow (`scan.submit` answers a ScanOutcome, not the view) and on reconnect. Which answer the
 * screen shows is `settleBenchAnswer`'s to say; this hook only sends the calls and plays what it decides.
 */
export const useBenchView = <N extends "pack.state" | "handover.state" | "returns.state">(
  stateCall: N,
  routedPrefix: string,
  lastScan: ScanDisplay | undefined,
  refreshOn: ReadonlyArray<"alert" | "printJob">
): BenchView<N> => {
  const { client } = useStationContext()
  // The ref is what answers settle against (they arrive between renders); the state is what the screen renders.
  const bench = useRef<BenchState<ApiOutput<N>>>(initialBench())
  const [shown, setShown] = useState(bench.current)
  const commit = useCallback((next: BenchState<ApiOutput<N>>) => {
    bench.current = next
    setShown(next)
  }, [])

  const send = useCallback(
    function send(call: BenchAnswer<unknown>["call"], name: ApiName, input: unknown): void {
      const asked = askBench(bench.current)
      // Only the request count moved: nothing on the screen changes.
      bench.current = asked.state
      const settle = (answer: BenchAnswer<ApiOutput<N>>) => {
        const step = settleBenchAnswer(bench.current, answer)
        commit(step.state)
        if (step.tone) playErrorTone()
        if (step.reread) send("reload", stateCall, {})
      }
      client.call(name, input as ApiInput<typeof name>).then(
        (view) =>
          settle({
            request: asked.request,
            call,
            view: view as ApiOutput<N>,
            refusal: (view as ViewWithRefusal).refusal ?? null
          }),
        (failure: unknown) => settle({ request: asked.request, call, failure })
      )
    },
    [client, stateCall, commit]
  )

  const reload = useCallback(() => send("reload", stateCall, {}), [send, stateCall])
  const run = useCallback(<C extends ApiName>(name: C, input: ApiInput<C>) => send("command", name, input), [send])

  useEffect(() => {
    reload()
    const stops = refreshOn.map((push) => client.onPush(push, reload))
    stops.push(client.onConnection((state) => state === "connected" && reload()))
    return () => {
      for (const stop of stops) stop()
    }
  }, [client, reload, refreshOn])

  // A scan from before this screen was up belongs to another flow. A badge that signed in is this bench's input too:
  // the last command's failure ("scan your badge first", "not allowed") no longer says why nothing happened.
  const handledScan = useRef(lastScan?.id)
  useEffect(() => {
    if (lastScan?.state !== "done" || lastScan.id === handledScan.current) return
    const { action, message, refusal: refused } = lastScan.outcome
    if (action !== "refused" && action !== "signed-in" && !action.startsWith(routedPrefix)) return
    handledScan.current = lastScan.id
    commit(
      benchScanned(
        bench.current,
        action === "refused" ? (refused ?? parseRefusal(message) ?? { code: "", reason: message }) : null
      )
    )
    reload()
  }, [lastScan, routedPrefix, reload, commit])

  const { view, refusal, refusalFromScan, error } = shown
  return { view, refusal, refusalFromScan, error, run }
}
