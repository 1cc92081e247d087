/**
 * An order as a connector read it from its shop, before the hub checks it: the shop's own ids and numbers, in the
 * shop's units (decimal money as the shop states it), nothing trusted yet. Every adapter turns its platform's order
 * (Shopify's GraphQL `Order`, Shopware's `order` entity, WooCommerce's REST order) into this shape and nothing more;
 * `mapShopOrder` decides whether it is fit to reach a station.
 */
export interface ShopOrderDraft {
  /** The shop's id of the order (a Shopify GID, a Shopware UUID, a WooCommerce number as text). */
  readonly shopOrderId: string
  /** The number the shop shows people (`#1001`, `10023`): the station's order id is made from it. */
  readonly orderNumber: string
  /** When the shop last changed the order (epoch ms): an older state never replaces a newer one. */
  readonly updatedAtMs: number
  readonly placedAt: string
  /**
   * `open`: ready to ship; `on-hold`: the shop holds it (fraud check, customer request); `awaiting-payment`: not
   * paid yet, kept back until it is; `cancelled`.
   */
  readonly state: "open" | "on-hold" | "awaiting-payment" | "cancelled"
  readonly currency: string
  /** What the customer paid for the whole order after every discount, shipping included. */
  readonly totalPaid: number
  readonly customer: {
    readonly shopCustomerId: string
    readonly firstName: string
    readonly lastName: string
    readonly email: string
    /** As the shop has it (`de-DE`, `en`, `de_AT`); absent when the shop does not know. */
    readonly locale: string | undefined
  }
  readonly shipTo: {
    readonly name: string
    readonly company: string | undefined
    readonly street1: string
    readonly street2: string | undefined
    readonly postalCode: string
    readonly city: string
    readonly region: string | undefined
    readonly country: string
  }
  readonly lines: ReadonlyArray<ShopLineDraft>
  /** The shipping method the customer chose, as the shop names it (code first, then the title). */
  readonly shippingMethod: { readonly code: string | undefined; readonly title: string | undefined }
  /** The shop's location or warehouse that should ship it, when the shop assigns one. */
  readonly locationId: string | undefined
  /** The sales channel (Shopware) or storefront the order came through: picks the brand. */
  readonly salesChannel: string | undefined
  /**
   * The connector's own reason this order must not reach a station, when the shop's answer says so: a test order,
   * or more lines than the connector could read (taking the lines it did read would ship part of the order as all).
   */
  readonly withheld?: string
}

export interface ShopLineDraft {
  readonly shopLineId: string
  readonly sku: string | undefined
  readonly gtin: string | undefined
  readonly quantity: number
  /** What the customer paid for one unit after line and order discounts, in the order's currency. */
  readonly paidUnitPrice: number
}
