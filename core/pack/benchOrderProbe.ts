/** How the pack bench answers the shop changing the order it has open: off the bench where it can, and an alert. */
import { Effect } from "effect"
import type { OpenOrderProbe } from "../orders/OrderInbound.ts"
import type { StationAlert } from "../station/StationStatusApi.ts"
import type { PackService } from "./PackService.ts"
import type { PackView } from "./PackView.ts"
import type { ParcelHold } from "./parcelHold.ts"

type InterruptReason = Parameters<OpenOrderProbe["interrupt"]>[1]

/**
 * What the interruption left on the bench: `released`, the order was taken off the bench before its parcel was made
 * (the packer scans it again or puts the items back); `gone`, the bench had moved on by then.
 */
export type BenchAfterInterrupt = "released" | "gone"

/** The alert for `orderId`: its code is the UI's text key (`alert.<code>`), its message the English text. */
export const orderInterruptAlert = (
  orderId: string,
  reason: InterruptReason,
  bench: BenchAfterInterrupt
): typeof StationAlert.Type => {
  const released = bench === "released"
  return {
    level: reason === "cancelled" ? "error" : "warning",
    code: `order-${reason}`,
    message:
      reason === "cancelled"
        ? `Order ${orderId} was cancelled by the shop${released ? ": put the items back" : ""}`
        : reason === "changed"
          ? `Order ${orderId} was changed by the shop${released ? ": scan the order again" : ""}`
          : `The address of order ${orderId} was corrected${released ? ": scan the order again" : ""}`,
    orderId
  }
}

/**
 * The alert for a parcel of `orderId` labelled on the bench that the change holds back (`parcelHold`): an error with a
 * code of its own, as "scan the order again" would only be refused (the order is packed, or cancelled). The parcel
 * stays at the bench for a manager to void it: voiding is a person's call.
 */
export const heldParcelAlert = (orderId: string, hold: ParcelHold): typeof StationAlert.Type => {
  switch (hold) {
    case "label-address-outdated":
      return {
        level: "error",
        code: "order-address-corrected-labelled",
        message: `The address of order ${orderId} was corrected after its parcel was labelled: keep the parcel at the bench, a manager voids it, then pack the order again`,
        orderId
      }
    case "parcel-lines-outdated":
      return {
        level: "error",
        code: "order-changed-labelled",
        message: `The shop changed the items of order ${orderId} after its parcel was packed: keep the parcel at the bench, a manager voids it, then pack the order again`,
        orderId
      }
    case "order-cancelled-after-packing":
      return {
        level: "error",
        code: "order-cancelled-labelled",
        message: `Order ${orderId} was cancelled after its parcel was packed: keep the parcel at the bench, a manager voids it, then put the items back`,
        orderId
      }
  }
}

/**
 * The parcel of `orderId` labelled on the bench, if the bench shows one. It stays in the view after its session is
 * released, until the bench opens the next order: it is what is physically on the bench.
 */
const labelledOnBench = (view: PackView, orderId: string) => {
  const parcel = view.parcel
  return parcel?.orderId === orderId && (parcel.status === "packed" || parcel.status === "label-pending")
    ? parcel
    : undefined
}

/**
 * The probe the order inbox asks about the bench: the order is open while the bench shows it or its labelled parcel.
 * A change under a parcel labelled on the bench alerts only when it holds the parcel back: a new version that changes
 * nothing the parcel carries (the customer's e-mail, a price) does not stop the packer.
 */
export const benchOrderProbe = (
  pack: PackService["Service"],
  raise: (alert: typeof StationAlert.Type) => Effect.Effect<void>
): OpenOrderProbe => ({
  isOpen: (orderId) =>
    Effect.map(pack.state, (view) => view.order?.orderId === orderId || labelledOnBench(view, orderId) !== undefined),
  interrupt: (orderId, reason) =>
    Effect.gen(function* () {
      const released = yield* pack.release(orderId)
      const parcel = labelledOnBench(yield* pack.state, orderId)
      if (parcel !== undefined) {
        const hold = yield* pack.parcelHold(parcel.parcelId)
        if (hold !== undefined) yield* raise(heldParcelAlert(orderId, hold))
        return
      }
      yield* raise(orderInterruptAlert(orderId, reason, released ? "released" : "gone"))
    })
})
