/** Words, in the bench's language, that a returned unit's serial is in another item of the order's returns here. */
import type { ReturnsView } from "../../../core/api/StationApi.ts"
import { de, type MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

type ReturnItem = NonNullable<ReturnsView["current"]>["items"][number]
export type SameUnit = NonNullable<ReturnItem["sameUnitIn"]>[number]

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(de, key)

/**
 * Where the same unit is (the other return with its RMA, or this one, the item, its line and unit, and whether that
 * line is one the shop has numbered anew since) and, for an item not decided yet, what the clerk can do in the return's
 * state: no second refund when a refund was decided there, a hold for review when nothing is decided there yet;
 * cancelling and taking the parcel in again while the return can be cancelled, else deciding, which gives the unit no
 * second refund. Decided there with no refund, that item got no money and holds nothing: it is told as such, and
 * another return's says it does not hold this unit for review. A decided item is told only where the unit is and its
 * refund there: its decision says the rest; the item refunded, that the unit was scanned into this return again and
 * given no refund there.
 */
export const describeSameUnit = (
  t: Translate,
  item: { readonly serial: string | null; readonly decision: unknown },
  other: SameUnit,
  current: {
    readonly returnId: string
    readonly cancellable: boolean
    /** The items of this return decided with no refund: scanned again after the unit was taken in, not before it. */
    readonly decidedNoRefund?: ReadonlySet<string>
  }
): string => {
  const here = other.returnId === current.returnId
  const again = here && item.decision !== null && current.decidedNoRefund?.has(other.itemRef) === true
  const where = t(
    again ? "returns.sameUnit.againNoRefund" : here ? "returns.sameUnit.thisReturn" : "returns.sameUnit.otherReturn",
    {
      serial: item.serial ?? "",
      returnId: other.returnId,
      rma: other.rmaId === null ? "" : t("returns.sameUnit.rma", { rmaId: other.rmaId }),
      itemRef: other.itemRef,
      lineId: other.lineId ?? "–",
      unit: other.unit ?? "–",
      former: other.formerLine ? t("returns.sameUnit.formerLine") : ""
    }
  )
  const statusKey = `refundStatus.${other.refundStatus ?? ""}`
  const status = isMessageKey(statusKey) ? t(statusKey) : (other.refundStatus ?? "")
  const noRefund = other.decided && other.refundStatus === null
  if (item.decision !== null) {
    if (again) return where
    if (noRefund) return `${where} ${t("returns.sameUnit.noRefundThere")}`
    return other.refundStatus === null ? where : `${where} ${t("returns.sameUnit.refundThere", { status })}`
  }
  if (noRefund) {
    const there = t("returns.sameUnit.noRefundThere")
    return here ? `${where} ${there}` : `${where} ${there} ${t("returns.sameUnit.noRefundHoldsNothing")}`
  }
  const then =
    other.refundStatus !== null
      ? t(current.cancellable ? "returns.sameUnit.decided" : "returns.sameUnit.decidedKept", { status })
      : here
        ? t(current.cancellable ? "returns.sameUnit.twice" : "returns.sameUnit.twiceKept")
        : t("returns.sameUnit.undecided")
  return `${where} ${then}`
}

/**
 * How the line is shown: an alert while its item waits for the clerk (not decided: cancel, or decide knowing it) or for
 * a manager (held for review); settled once the item is decided and nothing waits, as one decided with no refund, or
 * the item refunded whose unit was scanned in again. Its words stay: they say why it was decided so.
 */
export const sameUnitTone = (item: {
  readonly decision: { readonly outcome: string; readonly status: string | null } | null
}): "alert" | "settled" =>
  item.decision === null || item.decision.outcome === "hold-for-review" || item.decision.status === "held"
    ? "alert"
    : "settled"
