/** The returns API handlers, their errors mapped to the wire, and the returns scan route. */
import { Effect } from "effect"
import { type ApiError, apiErrorOf } from "../api/ApiError.ts"
import type { ScanRoute } from "../scan/ScanRoute.ts"
import type { SessionError } from "../session/SessionError.ts"
import type { ReturnsApi } from "./ReturnsApi.ts"
import type { ReturnsError } from "./ReturnsError.ts"
import { ReturnsService } from "./ReturnsService.ts"
import type { ReturnsView } from "./ReturnsView.ts"

export type ReturnsHandlers = {
  readonly [N in keyof ReturnsApi]: (
    input: ReturnsApi[N]["input"]["Type"]
  ) => Effect.Effect<ReturnsApi[N]["output"]["Type"], ApiError>
}

/** A returns or session error as the transports carry it: the reason is the wire code, rule problems its details. */
const wire = <A>(effect: Effect.Effect<A, ReturnsError | SessionError>): Effect.Effect<A, ApiError> =>
  Effect.mapError(effect, apiErrorOf)

/**
 * The returns API handlers, for the station to merge into its handler map, and the scan route `scan.submit` uses
 * while the Returns screen is up.
 */
export const makeReturnsHandlers = Effect.gen(function* () {
  const returns = yield* ReturnsService
  const handlers: ReturnsHandlers = {
    "returns.state": () => wire(returns.state),
    "returns.cancel": (input) => wire(returns.cancel(input)),
    "returns.scan": (input) => wire(returns.scan(input)),
    "returns.grade": (input) => wire(returns.grade(input)),
    "returns.setDisposition": (input) => wire(returns.setDisposition(input)),
    "returns.decide": (input) => wire(returns.decide(input)),
    "returns.override": (input) => wire(returns.override(input)),
    "returns.approve": (input) => wire(returns.approve(input)),
    "returns.finish": (input) => wire(returns.finish(input)),
    "rules.active": () => returns.rules,
    "rules.preview": (input) => wire(returns.previewRules(input.rules)),
    "rules.replace": (input) => wire(returns.replaceRules(input.rules))
  }
  const returnsRoute: ScanRoute = {
    identify: (raw) => wire(returns.identify(raw)),
    apply: (scan) =>
      Effect.map(wire(returns.scan(scan)), (view: ReturnsView) => ({
        view,
        action: view.current === null ? "returns:idle" : `returns:${view.current.returnId}`,
        message: view.current === null ? "no open return" : `return ${view.current.returnId}`,
        // A scan that leaves a return without items opened it (an item scan adds one, a refused scan fails).
        ...(view.current !== null && view.current.items.length === 0
          ? { accepted: { as: "return" as const, id: view.current.returnId } }
          : {})
      }))
  }
  return { handlers, returnsRoute }
})
