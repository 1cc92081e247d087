/** The pack and handover API handlers, their errors mapped to the wire, and their scan routes. */
import { Effect } from "effect"
import { type ApiError, apiErrorOf } from "../api/ApiError.ts"
import type { ScanRoute } from "../scan/ScanRoute.ts"
import type { SessionError } from "../session/SessionError.ts"
import { Handover } from "./Handover.ts"
import type { HandoverError } from "./HandoverError.ts"
import type { HandoverView } from "./HandoverView.ts"
import type { PackApi } from "./PackApi.ts"
import type { PackError } from "./PackError.ts"
import type { Refusal } from "./PackRefusal.ts"
import { PackService } from "./PackService.ts"
import type { PackView } from "./PackView.ts"

export type PackHandlers = {
  readonly [N in keyof typeof PackApi]: (
    input: (typeof PackApi)[N]["input"]["Type"]
  ) => Effect.Effect<(typeof PackApi)[N]["output"]["Type"], ApiError>
}

/** What `scan.submit` reports for a scan it handed to the bench: the action and message of its ScanOutcome. */
export interface RoutedScan<View> {
  readonly view: View
  readonly action: string
  readonly message: string
  readonly refusal?: Refusal
  readonly accepted?: { readonly as: "box" | "order"; readonly id: string }
}

const routed = <View extends { readonly refusal: Refusal | null }>(view: View, accepted: string): RoutedScan<View> =>
  view.refusal === null
    ? { view, action: accepted, message: accepted }
    : {
        view,
        action: "refused",
        message: `${view.refusal.code}: ${view.refusal.reason}`,
        refusal: {
          code: view.refusal.code,
          variant: view.refusal.variant,
          params: view.refusal.params,
          reason: view.refusal.reason
        }
      }

/** A pack, handover or session error as the transports carry it: the reason is the wire code. */
export const wire = <A>(
  effect: Effect.Effect<A, PackError | HandoverError | SessionError>
): Effect.Effect<A, ApiError> => Effect.mapError(effect, apiErrorOf)

/** A box barcode or a typed order number the bench took: codes of this station that identification cannot know. */
const acceptedAs = (view: PackView, raw: string): RoutedScan<PackView>["accepted"] => {
  const text = raw.trim().toUpperCase()
  if (view.box !== null && view.box.barcode.toUpperCase() === text) return { as: "box", id: view.box.boxId }
  if (view.step === "order-open" && view.order?.orderId === text) return { as: "order", id: view.order.orderId }
  return undefined
}

/**
 * The pack and handover API handlers, for the station to merge into its handler map, and the two scan routes
 * `scan.submit` takes while the Pack or Handover screen is active (a scanner does not know which screen is up).
 */
export const makePackHandlers = Effect.gen(function* () {
  const pack = yield* PackService
  const handover = yield* Handover
  const handlers: PackHandlers = {
    "pack.state": () => pack.state,
    "pack.scan": (input) => wire(pack.scan(input)),
    "pack.quantity": (input) => wire(pack.quantity(input)),
    "pack.undo": (input) => wire(pack.undo(input)),
    "pack.shortShip": (input) => wire(pack.shortShip(input)),
    "pack.chooseBox": (input) => wire(pack.chooseBox(input)),
    "pack.weight": (input) => wire(pack.weight(input)),
    "pack.complete": (input) => wire(pack.complete(input)),
    "pack.abandon": () => wire(pack.abandon),
    "pack.reprint": (input) => wire(pack.reprint(input)),
    "pack.void": (input) => wire(pack.voidParcel(input)),
    "handover.state": () => wire(handover.state),
    "handover.open": (input) => wire(handover.open(input)),
    "handover.scan": (input) => wire(handover.scan(input)),
    "handover.close": (input) => wire(handover.close(input))
  }
  const packRoute: ScanRoute = {
    identify: (raw) => wire(pack.identify(raw)),
    apply: (scan) =>
      Effect.map(wire(pack.scan(scan)), (view): RoutedScan<PackView> => {
        const result = routed(view, `pack:${view.step}`)
        const accepted = view.refusal === null ? acceptedAs(view, scan.raw) : undefined
        return accepted === undefined ? result : { ...result, accepted }
      })
  }
  const handoverRoute: ScanRoute = {
    identify: (raw) => Effect.succeed(handover.identify(raw)),
    apply: (scan) =>
      Effect.map(wire(handover.scan(scan)), (view): RoutedScan<HandoverView> => routed(view, "handover:scanned"))
  }
  return { handlers, packRoute, handoverRoute }
})
