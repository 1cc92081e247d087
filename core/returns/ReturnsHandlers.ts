import { Effect } from "effect"
import type { ApiError } from "../api/ApiError.ts"
import type { Timestamp } from "../time/Clock.ts"
import type { ReturnsApi } from "./ReturnsApi.ts"
import { ReturnsService } from "./ReturnsService.ts"
import type { ReturnsView } from "./ReturnsView.ts"

export type ReturnsHandlers = {
  readonly [N in keyof ReturnsApi]: (
    input: ReturnsApi[N]["input"]["Type"]
  ) => Effect.Effect<ReturnsApi[N]["output"]["Type"], ApiError>
}

/**
 * The returns API handlers, for the station to merge into its handler map, and the scan route `scan.submit` uses
 * while the Returns screen is up.
 */
export const makeReturnsHandlers = Effect.gen(function* () {
  const returns = yield* ReturnsService
  const handlers: ReturnsHandlers = {
    "returns.state": () => returns.state,
    "returns.scan": (input) => returns.scan(input),
    "returns.grade": (input) => returns.grade(input),
    "returns.setDisposition": (input) => returns.setDisposition(input),
    "returns.decide": (input) => returns.decide(input),
    "returns.override": (input) => returns.override(input),
    "returns.approve": (input) => returns.approve(input),
    "returns.finish": (input) => returns.finish(input),
    "returns.cancel": (input) => returns.cancel(input),
    "rules.active": () => returns.rules,
    "rules.preview": (input) => returns.previewRules(input.rules),
    "rules.replace": (input) => returns.replaceRules(input.rules)
  }
  const routeReturnsScan = (scan: { readonly raw: string; readonly at: Timestamp }) =>
    Effect.map(returns.scan(scan), (view: ReturnsView) => ({
      view,
      action: view.current === null ? "returns:idle" : `returns:${view.current.returnId}`,
      message: view.current === null ? "no open return" : `return ${view.current.returnId}`,
      // A scan that leaves a return without items opened it (an item scan adds one, a refused scan fails).
      ...(view.current !== null && view.current.items.length === 0
        ? { accepted: { as: "return" as const, id: view.current.returnId } }
        : {})
    }))
  return { handlers, routeReturnsScan }
})
