/** The Manager screen's Shop card data, as the hub reports it. */
import { Schema } from "effect"

/**
 * What the Manager screen's Shop card shows, as the hub reports it (`GET /shops/status`): each shop connector's
 * state, when it last brought an order and got a push through, what waits in its push queue, the pushes that failed
 * with the shop's reason, quarantined orders, and how many shop orders wait at each site. The hub computes it; the
 * station only reads it, so both sides agree on this one shape.
 */
export const ShopPushView = Schema.Struct({
  pushId: Schema.String,
  kind: Schema.Literals(["fulfillment", "refund", "address"]),
  orderId: Schema.String,
  subject: Schema.String,
  status: Schema.Literals(["queued", "sending", "done", "failed", "discarded"]),
  /**
   * Why a failed push waits for a manager: `refused` (the shop said no; a retry is a new request), `malformed` (the
   * hub stopped after answers it could not read) or `unauthorized` (after the shop refused its credentials or scopes);
   * for these two the shop may have acted, so a retry sends the same request again. Absent from an older hub.
   */
  failedAs: Schema.optional(Schema.Literals(["refused", "malformed", "unauthorized"])),
  attempts: Schema.Number,
  lastError: Schema.NullOr(Schema.String),
  updatedAtMs: Schema.Number
})
export type ShopPushView = typeof ShopPushView.Type

export const ShopConnectorView = Schema.Struct({
  connectorId: Schema.String,
  type: Schema.Literals(["shopify", "shopware", "woocommerce", "webhook"]),
  /** `connected`: the last poll and push went through; `failing`: the shop did not answer or refused us. */
  state: Schema.Literals(["connected", "failing", "starting"]),
  lastOrderAtMs: Schema.NullOr(Schema.Number),
  lastPollAtMs: Schema.NullOr(Schema.Number),
  lastPushAtMs: Schema.NullOr(Schema.Number),
  queuedPushes: Schema.Number,
  failedPushes: Schema.Array(ShopPushView),
  lastError: Schema.NullOr(Schema.String),
  lastErrorAtMs: Schema.NullOr(Schema.Number),
  /** When the connector calls the shop again after failures; null when it is not waiting. */
  retryAtMs: Schema.NullOr(Schema.Number),
  /**
   * The catch-up failing pass after pass on what waiting does not cure (answers it cannot read, credentials refused):
   * a person must look. The catch-up keeps its cursor and goes on trying; orders still come by webhook. Null while it
   * is not so; absent from an older hub.
   */
  catchUpProblem: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        reason: Schema.Literals(["malformed", "unauthorized"]),
        /** The shop's reason as the connector states it (the request and the fields, never the answer's values). */
        message: Schema.String,
        failures: Schema.Number,
        sinceMs: Schema.Number
      })
    )
  )
})
export type ShopConnectorView = typeof ShopConnectorView.Type

export const ShopStatus = Schema.Struct({
  connectors: Schema.Array(ShopConnectorView),
  /** Shop orders sent to a site and not packed yet, by site. */
  waitingBySite: Schema.Array(Schema.Struct({ siteId: Schema.String, orders: Schema.Number })),
  quarantined: Schema.Array(
    Schema.Struct({
      connectorId: Schema.String,
      shopOrderId: Schema.String,
      reason: Schema.String,
      atMs: Schema.Number
    })
  ),
  atMs: Schema.Number
})
export type ShopStatus = typeof ShopStatus.Type

/** A manager's decision on a failed push; `actor` is the manager's badge and name as the station signed them in. */
export const ShopPushDecision = Schema.Struct({
  pushId: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)),
  action: Schema.Literals(["retry", "discard"]),
  reason: Schema.String.check(Schema.isMaxLength(500))
})
export type ShopPushDecision = typeof ShopPushDecision.Type

/**
 * A manager's "retry all" of one connector, once the shop's credentials or answers are fixed: every push the hub
 * handed over is queued again under its own key, in its original order; pushes the shop refused are not touched.
 */
export const ShopRetryHandedOver = Schema.Struct({
  connectorId: Schema.String.check(Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,31}$/)),
  reason: Schema.String.check(Schema.isMaxLength(500))
})
export type ShopRetryHandedOver = typeof ShopRetryHandedOver.Type

export const ShopRetryHandedOverResult = Schema.Struct({
  ok: Schema.Boolean,
  message: Schema.String,
  retried: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000_000 }))
})
