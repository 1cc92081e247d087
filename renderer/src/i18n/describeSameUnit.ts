/** Words, in the bench's language, that a returned unit's serial is in another item of the order's returns here. */
import type { ReturnsView } from "../../../core/api/StationApi.ts"
import { de, type MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

type ReturnItem = NonNullable<ReturnsView["current"]>["items"][number]
export type SameUnit = NonNullable<ReturnItem["sameUnitIn"]>[number]

const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(de, key)

/**
 * Where the same unit is (the other return with its RMA, or this one, the item, its line and unit, and whether that
 * line is one the shop has numbered anew since) and what follows for this item: no second refund when a refund was
 * decided there, a hold for review when none was, a cancellation when it is in this return twice, undecided.
 */
export const describeSameUnit = (
  t: Translate,
  item: { readonly serial: string | null },
  other: SameUnit,
  currentReturnId: string
): string => {
  const here = other.returnId === currentReturnId
  const where = t(here ? "returns.sameUnit.thisReturn" : "returns.sameUnit.otherReturn", {
    serial: item.serial ?? "",
    returnId: other.returnId,
    rma: other.rmaId === null ? "" : t("returns.sameUnit.rma", { rmaId: other.rmaId }),
    itemRef: other.itemRef,
    lineId: other.lineId ?? "–",
    unit: other.unit ?? "–",
    former: other.formerLine ? t("returns.sameUnit.formerLine") : ""
  })
  const statusKey = `refundStatus.${other.refundStatus ?? ""}`
  const then =
    other.refundStatus !== null
      ? t("returns.sameUnit.decided", {
          status: isMessageKey(statusKey) ? t(statusKey) : other.refundStatus
        })
      : t(here ? "returns.sameUnit.twice" : "returns.sameUnit.undecided")
  return `${where} ${then}`
}
