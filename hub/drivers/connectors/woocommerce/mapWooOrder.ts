/** Maps a WooCommerce order into the shop-neutral order shape. */
import { Schema } from "effect"
import { Bounds } from "../../../../core/bounds/Bounds.ts"
import type { ShopOrderDraft } from "../../../core/shop/ShopOrderDraft.ts"
import { firstProblem, isObject, needList, needObject, unreadableOrder, what } from "../orderShape.ts"

interface WooMeta {
  readonly key: string
  readonly value: unknown
}

/** The fields of a WooCommerce REST order (`GET /wp-json/wc/v3/orders/<id>`, and the order webhooks' body) we read. */
export interface WooOrder {
  readonly id: number
  readonly number: string
  readonly status: string
  readonly currency: string
  /** Null when the shop has no such date (wc_rest_prepare_date_response). */
  readonly date_created_gmt: string | null
  readonly date_modified_gmt: string | null
  readonly total: string
  readonly customer_id: number
  readonly billing: { readonly first_name: string; readonly last_name: string; readonly email: string }
  readonly shipping: {
    readonly first_name: string
    readonly last_name: string
    readonly company: string
    readonly address_1: string
    readonly address_2: string
    readonly city: string
    readonly state: string
    readonly postcode: string
    readonly country: string
  }
  readonly line_items: ReadonlyArray<{
    readonly id: number
    readonly sku: string
    readonly quantity: number
    readonly total: string
    readonly total_tax: string
    readonly meta_data: ReadonlyArray<WooMeta>
  }>
  readonly shipping_lines: ReadonlyArray<{ readonly method_id: string; readonly method_title: string }>
  readonly meta_data: ReadonlyArray<WooMeta>
}

/**
 * WooCommerce's ids (orders, refunds, line items) are positive whole numbers. An order's goes into the paths of the
 * pushes for it: an order with any other is withheld, and a refund's is read as one or the answer is malformed.
 */
export const WooId = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: Bounds.maxCounter }))
const isWooId = Schema.is(WooId)

/** Epoch ms of a date WooCommerce wrote in GMT (without a zone); NaN for anything that is not a date. */
export const gmt = (text: unknown) =>
  typeof text !== "string" ? Number.NaN : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`)

/** The time as ISO text, or what the shop sent when it is no date: mapShopOrder refuses it with that text. */
const isoOrAsSent = (text: unknown) => {
  const ms = gmt(text)
  return Number.isNaN(ms) ? String(text) : new Date(ms).toISOString()
}

const metaText = (meta: ReadonlyArray<WooMeta>, ...keys: ReadonlyArray<string>) => {
  const found = meta.find((entry) => keys.includes(entry.key) && typeof entry.value === "string" && entry.value !== "")
  return found?.value as string | undefined
}

/**
 * WooCommerce's states: `processing` and `completed` are paid, `on-hold` waits for the merchant (bank transfer,
 * review), `pending`/`failed`/`checkout-draft` are not paid, `cancelled` and `trash` are off. `refunded` is what our
 * own refunds leave behind: not a cancellation of what was shipped.
 */
const stateOf = (status: string): ShopOrderDraft["state"] => {
  if (status === "processing" || status === "completed" || status === "refunded") return "open"
  if (status === "on-hold") return "on-hold"
  if (status === "cancelled" || status === "trash") return "cancelled"
  return "awaiting-payment"
}

const metaList = (item: Readonly<Record<string, unknown>>, at: string) => needList(`${at}.meta_data`, item.meta_data)

/** The parts of a WooCommerce order the mapping walks: a shop bug or a plugin can leave any of them out. */
const wooOrderProblem = (order: Readonly<Record<string, unknown>>) =>
  firstProblem(
    () => (isWooId(order.id) ? undefined : `id is ${what(order.id)}, not an order id`),
    () => needObject("billing", order.billing),
    () => needObject("shipping", order.shipping),
    () => needList("line_items", order.line_items, metaList),
    () => needList("shipping_lines", order.shipping_lines),
    () => needList("meta_data", order.meta_data)
  )

/**
 * The order in the shop-neutral shape; one without the parts the mapping needs is withheld with the part named.
 * The unit price the customer paid: the line's total after coupons, with its tax, per unit (as the order's total).
 */
export const mapWooOrder = (raw: unknown): ShopOrderDraft => {
  if (!isObject(raw)) return unreadableOrder(undefined, Number.NaN, `the order is ${what(raw)}, not an object`)
  const problem = wooOrderProblem(raw)
  return problem === undefined
    ? mapCheckedWooOrder(raw as unknown as WooOrder)
    : unreadableOrder(raw.id, gmt(raw.date_modified_gmt), problem)
}

const mapCheckedWooOrder = (order: WooOrder): ShopOrderDraft => ({
  shopOrderId: String(order.id),
  orderNumber: order.number,
  updatedAtMs: gmt(order.date_modified_gmt),
  placedAt: isoOrAsSent(order.date_created_gmt),
  state: stateOf(order.status),
  currency: order.currency,
  totalPaid: Number(order.total),
  customer: {
    shopCustomerId: order.customer_id === 0 ? `guest-${order.billing.email}` : String(order.customer_id),
    firstName: order.billing.first_name,
    lastName: order.billing.last_name,
    email: order.billing.email,
    locale: metaText(order.meta_data, "wpml_language", "_locale", "locale")
  },
  shipTo: {
    name: `${order.shipping.first_name} ${order.shipping.last_name}`.trim(),
    company: order.shipping.company === "" ? undefined : order.shipping.company,
    street1: order.shipping.address_1,
    street2: order.shipping.address_2 === "" ? undefined : order.shipping.address_2,
    postalCode: order.shipping.postcode,
    city: order.shipping.city,
    region: order.shipping.state === "" ? undefined : order.shipping.state,
    country: order.shipping.country
  },
  lines: order.line_items.map((line) => ({
    shopLineId: String(line.id),
    sku: line.sku === "" ? undefined : line.sku,
    gtin: metaText(line.meta_data, "_global_unique_id", "gtin", "_gtin"),
    quantity: line.quantity,
    paidUnitPrice: line.quantity > 0 ? (Number(line.total) + Number(line.total_tax)) / line.quantity : Number.NaN
  })),
  shippingMethod: { code: order.shipping_lines[0]?.method_id, title: order.shipping_lines[0]?.method_title },
  locationId: metaText(order.meta_data, "_packbench_location", "_warehouse"),
  salesChannel: metaText(order.meta_data, "_created_via_channel")
})
