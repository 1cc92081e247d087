/** Which of a shop's change times may move a catch-up poll's cursor. */
import { shopClockAheadMs } from "../../core/shop/mapShopOrder.ts"

/**
 * A change time that is a time and not further ahead of the hub's clock than a shop's may run. The cursors keep the
 * newest change seen and the next catch-up asks for changes after it: one order stamped in 2099 (quarantined by the
 * hub) would otherwise hide every order changed before 2099.
 */
export const plausibleChange = (changedMs: number, nowMs: number) =>
  Number.isFinite(changedMs) && changedMs <= nowMs + shopClockAheadMs
