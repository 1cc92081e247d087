/** The port every shop connector (Shopify, Shopware, WooCommerce, webhook) implements, and its errors. */
import { type Effect, Schema } from "effect"
import type { Address } from "../../../core/orders/Order.ts"
import type { ConnectorSettings } from "./ConnectorSettings.ts"
import type { ShopOrderDraft } from "./ShopOrderDraft.ts"

/**
 * Why a call to the shop did not go through. The push queue acts on the reason: `Unavailable` (network, timeout,
 * 5xx) and `RateLimited` (429, Shopify's THROTTLED) wait for the whole connector and try again, in order, for as long
 * as it takes; `Rejected` (the shop answered no: a 4xx, GraphQL user errors) fails that push for a manager to retry or
 * discard; `Unauthorized` (401/403: credentials or scopes refused) and `Malformed` (an answer the adapter cannot read)
 * wait and try again too, but do not pass by waiting: at the push's `handOverAfterAttempts`-th it is handed to a
 * manager (PushQueue.ts).
 */
export class ShopError extends Schema.TaggedError<ShopError>()("ShopError", {
  reason: Schema.Literals(["Unavailable", "RateLimited", "Unauthorized", "Rejected", "Malformed"]),
  message: Schema.String,
  /** When the shop said how long to wait (Retry-After, Shopify's throttle status). */
  retryAfterMs: Schema.optional(Schema.Number)
}) {}

/**
 * A webhook the connector would not take: a bad signature, an unknown topic, a body it cannot read. `signed`: the
 * signature matched, so the shop itself sent a body that is no order (a shop bug, a plugin): the hub quarantines it
 * for a person instead of only refusing it.
 */
export class WebhookRefused extends Schema.TaggedError<WebhookRefused>()("WebhookRefused", {
  status: Schema.Number,
  message: Schema.String,
  signed: Schema.optional(Schema.Boolean)
}) {}

/** What a verified webhook says: an order changed (with its new state when the webhook carries it whole). */
export interface WebhookNotice {
  /**
   * Names the delivery, so the same delivery again is dropped. Made only of what the signature covers (Shopware's
   * event id in the body, the generic scheme's signed id, else the digest of the signed body): a key a replayer could
   * choose would let them burn the id of the shop's next delivery, so the hub dropped it as a repeat.
   */
  readonly deliveryId: string | undefined
  readonly shopOrderId: string
  /** The order as the webhook carries it; absent when the shop only names the order (Shopware), so it is read. */
  readonly order: ShopOrderDraft | undefined
}

export interface RawWebhook {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: Uint8Array
}

export interface OrderPage {
  readonly orders: ReadonlyArray<ShopOrderDraft>
  /** Where the next call continues; stored after the page's orders are committed. */
  readonly cursor: string
  /** More changed orders wait behind this page. */
  readonly more: boolean
}

/** One line of a fulfillment or refund, in the shop's terms. */
export interface PushLine {
  readonly lineId: string
  readonly shopLineId: string
  readonly quantity: number
}

export interface FulfillmentPush {
  readonly idempotencyKey: string
  readonly orderId: string
  readonly shopOrderId: string
  readonly parcelId: string
  readonly carrier: string
  readonly carrierName: string
  readonly trackingNumber: string
  readonly trackingUrl: string | undefined
  /** The units in this parcel; units short-shipped are not in it and stay open at the shop. */
  readonly lines: ReadonlyArray<PushLine>
  /** No unit of the order is left to ship after this parcel (what a shop's "shipped" state needs). */
  readonly completesOrder: boolean
}

export interface FulfillmentResult {
  readonly shopFulfillmentId: string
  /** The shop already had this parcel's fulfillment (a retry after a crash or timeout). */
  readonly alreadyThere: boolean
}

export interface RefundPush {
  readonly idempotencyKey: string
  readonly orderId: string
  readonly shopOrderId: string
  readonly currency: string
  /** Per shop line: how many units and how much money, in cents, exactly as the stations decided. */
  readonly lines: ReadonlyArray<PushLine & { readonly amountCents: number }>
  readonly amountCents: number
  readonly note: string
}

export type RefundResult =
  | { readonly status: "issued"; readonly shopRefundId: string; readonly amountCents: number }
  | { readonly status: "failed"; readonly reason: string }

/**
 * The customer's corrected shipping address for the shop's copy of the order (the hub's correction page). The
 * address passed the station's rules; `shopAddressOf` bounds and splits it once more before any adapter sends it.
 * Setting an address is idempotent at every shop (the same address set twice is one change), so a repeat after a
 * crash or timeout changes nothing; the key names the push in the shop's logs where the API takes one.
 */
export interface AddressPush {
  readonly idempotencyKey: string
  readonly orderId: string
  readonly shopOrderId: string
  readonly shipTo: Address
}

export interface AddressResult {
  /** What the shop calls the address it changed (Shopware's order address id) or the order it changed. */
  readonly shopAddressId: string
}

/**
 * How long the hub remembers a delivery whose id or digest is all that names it: a week, well past how long the shops
 * send a failed webhook again (Shopify 48 hours, WooCommerce and Shopware fewer tries in less time).
 */
export const deliveryRetentionMs = 7 * 86_400_000

/** One line of `packbench hub doctor`. */
export interface ConnectorCheck {
  readonly name: "reachable" | "authenticated" | "webhook registered"
  readonly ok: boolean
  readonly detail: string
}

/**
 * A shop platform as the hub uses it. Every adapter (Shopify, Shopware 6, WooCommerce, the generic signed webhook)
 * implements it over the platform's documented API, and the fake shops in `fixtures/shops/` answer the same requests.
 * Pushes must be safe to repeat: a push interrupted by a crash or a timeout is sent again with the same
 * idempotency key, and the adapter makes sure the shop acts once (the shop's own idempotency, or a look-up first).
 */
export interface ShopConnector {
  readonly settings: ConnectorSettings
  /**
   * How long after the hub took a webhook delivery the same delivery could still come as new: its record must stay that
   * long to drop it, and goes after (`ShopHub.pruneWebhookDeliveries`). A scheme that signs a timestamp bounds it by its
   * tolerance; where the delivery is known by an id or digest a replayer can send again at any time, by how long the
   * shops retry a delivery (`deliveryRetentionMs`). A state older than the one taken changes nothing either way.
   */
  readonly replayWindowMs: number
  /**
   * The most bytes a webhook body of this shop takes, with headroom over the largest order the hub takes (200 lines):
   * a longer body is refused (413) unread. The catch-up poll still finds an order whose webhook was refused.
   */
  readonly maxWebhookBytes: number
  /**
   * Refuses a webhook by its headers alone, before its body is read: the signature header missing (or a timestamp the
   * scheme signs missing or not current). Anyone may post to the webhook: a body is read only for headers that could
   * verify. A 401 is final for the request; the shops retry a failed webhook a bounded number of times (Shopify 8 times
   * in 4 hours, Shopware a few before it deactivates the webhook; WooCommerce not at all), never for ever.
   */
  readonly screenWebhook: (headers: RawWebhook["headers"]) => Effect.Effect<void, WebhookRefused>
  /** Verifies the signature over the raw body before anything is parsed. */
  readonly verifyWebhook: (webhook: RawWebhook) => Effect.Effect<ReadonlyArray<WebhookNotice>, WebhookRefused>
  /** The order as the shop has it now; undefined when the shop does not know it (deleted). */
  readonly readOrder: (shopOrderId: string) => Effect.Effect<ShopOrderDraft | undefined, ShopError>
  /**
   * Orders changed since `cursor` (undefined: since `sinceMs`), oldest change first. A change stamped more than
   * `shopClockAheadMs` after `nowMs` (the hub's time) does not move the cursor: the order is refused, and the next
   * catch-up must not start after it.
   */
  readonly ordersChangedSince: (
    cursor: string | undefined,
    sinceMs: number,
    nowMs: number
  ) => Effect.Effect<OrderPage, ShopError>
  readonly fulfill: (push: FulfillmentPush) => Effect.Effect<FulfillmentResult, ShopError>
  readonly refund: (push: RefundPush) => Effect.Effect<RefundResult, ShopError>
  /** Sets the order's shipping address at the shop; a shop that cannot take it fails with `Rejected` and why. */
  readonly updateAddress: (push: AddressPush) => Effect.Effect<AddressResult, ShopError>
  readonly check: Effect.Effect<ReadonlyArray<ConnectorCheck>>
}
