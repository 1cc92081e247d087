/** The alert a station raises when the hub rejects one of its refunds: a code the UI words, and an English message. */
import type { RefundRejected } from "./ReturnsMessages.ts"

/**
 * One alert code per rejection reason (the bench shows `alert.<code>` in its language, the message where it has no
 * words for the code): another return holds the unit, holds it under the order's other line numbering (the shop
 * numbered the lines anew), or the order's paid amount is used up.
 */
export const refundRejectedAlert = (rejected: RefundRejected): { readonly code: string; readonly message: string } => {
  const refused = `The refund for ${rejected.itemRef} (order ${rejected.orderId}) was rejected: return ${rejected.otherReturnId} on ${rejected.otherStationId}`
  switch (rejected.reason) {
    case "duplicate-unit":
      return { code: "refund-rejected-duplicate", message: `${refused} already holds this unit` }
    case "duplicate-unit-renumbered":
      return {
        code: "refund-rejected-renumbered",
        message: `${refused} already holds this unit under the other numbering of the order's lines (the shop numbered them anew)`
      }
    case "paid-amount-exceeded":
      return { code: "refund-rejected-over-paid", message: `${refused} uses up what was paid` }
  }
}
