/** The station API slice for the Manager screen's Shop card. */
import { Schema } from "effect"
import { ShopPushDecision, ShopRetryHandedOver, ShopRetryHandedOverResult, ShopStatus } from "./ShopStatus.ts"

/** The Manager screen's Shop card, for the station to merge into its one API; the hub holds the connectors. */
export const ShopsApi = {
  "shops.status": { input: Schema.Struct({}), output: ShopStatus },
  /**
   * Manager only: retry or discard a failed push; the hub records who decided, when and why, and the station's audit
   * records the call.
   */
  "shops.decidePush": {
    input: ShopPushDecision,
    output: Schema.Struct({ ok: Schema.Boolean, message: Schema.String }),
    privileged: true
  },
  /** Manager only: queue every push the hub handed over for one connector again, each audited at the hub. */
  "shops.retryHandedOver": {
    input: ShopRetryHandedOver,
    output: ShopRetryHandedOverResult,
    privileged: true
  }
} as const
