/** A refund unit as the shop push queue keeps it in a push's payload. */

/** Enough to build the shop's refund and to answer the station that decided the unit. */
export interface RefundUnit {
  readonly itemRef: string
  readonly orderId: string
  readonly shopOrderId: string
  /** The station's line of the unit, which its answer names. */
  readonly lineId: string
  /**
   * The order's line the shop refunds when it is not the station's: the shop numbered the order's lines anew since the
   * station decided, and the refund ledger granted the unit on its item's line the order has now.
   */
  readonly refundLineId?: string
  readonly shopLineId: string
  /** The unit's item, to find its line when the shop numbers the order's lines anew; absent in pushes queued before. */
  readonly sku?: string
  /**
   * Where the unit was before the hub moved it, right before sending, onto its item's line the shop's order has now
   * (the line it was queued on was gone): its line, shop line and amount, and when (`refundUnitsOnLinesNow.ts`).
   */
  readonly movedFrom?: {
    readonly refundLineId: string
    readonly shopLineId: string
    readonly amountCents: number
    readonly atMs: number
  }
  readonly unit: number
  readonly amountCents: number
  readonly currency: string
  readonly returnId: string
  readonly siteId: string
  readonly stationId: string
}
