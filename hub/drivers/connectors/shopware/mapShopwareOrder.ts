/** Maps a Shopware 6 order into the shop-neutral order shape. */
import type { ShopOrderDraft } from "../../../core/shop/ShopOrderDraft.ts"
import { firstProblem, isObject, needList, needObject, unreadableOrder, what } from "../orderShape.ts"

/** The fields of a Shopware 6 `order` entity (Admin API, JSON) with the associations the connector asks for. */
export interface ShopwareOrder {
  readonly id: string
  readonly orderNumber: string
  readonly createdAt: string
  readonly updatedAt: string | null
  readonly orderDateTime: string
  readonly amountTotal: number
  readonly salesChannelId: string
  readonly currency: { readonly isoCode: string } | null
  readonly stateMachineState: { readonly technicalName: string } | null
  readonly orderCustomer: {
    readonly customerId: string | null
    readonly email: string
    readonly firstName: string
    readonly lastName: string
  } | null
  readonly language: { readonly locale: { readonly code: string } | null } | null
  readonly lineItems: ReadonlyArray<{
    readonly id: string
    readonly type: string
    readonly quantity: number
    readonly totalPrice: number
    readonly payload: { readonly productNumber?: string; readonly ean?: string | null } | null
  }>
  readonly deliveries: ReadonlyArray<{
    readonly id: string
    readonly trackingCodes: ReadonlyArray<string>
    readonly stateMachineState: { readonly technicalName: string } | null
    readonly shippingMethod: { readonly technicalName?: string | null; readonly name: string } | null
    /** The `order_address` this delivery goes to (the address push patches it). */
    readonly shippingOrderAddressId?: string
    readonly shippingOrderAddress: {
      readonly firstName: string
      readonly lastName: string
      readonly company: string | null
      readonly street: string
      readonly additionalAddressLine1: string | null
      readonly zipcode: string | null
      readonly city: string
      readonly country: { readonly iso: string } | null
      readonly countryState: { readonly shortCode: string } | null
    } | null
  }>
  readonly transactions: ReadonlyArray<{
    readonly id: string
    readonly createdAt: string
    readonly stateMachineState: { readonly technicalName: string } | null
  }>
}

/** The criteria's associations that give the fields above. */
export const orderAssociations = {
  currency: {},
  stateMachineState: {},
  orderCustomer: {},
  language: { associations: { locale: {} } },
  lineItems: {},
  deliveries: {
    associations: {
      stateMachineState: {},
      shippingMethod: {},
      shippingOrderAddress: { associations: { country: {}, countryState: {} } }
    }
  },
  transactions: { associations: { stateMachineState: {} } }
} as const

const paidStates = new Set(["paid", "paid_partially", "authorized", "refunded_partially", "refunded"])

/**
 * Shopware's order (an entry of the shop's answer, as it came) in the shop-neutral shape. A promotion is a line of its
 * own with a negative price: it is spread over the product lines in proportion to their totals, so each unit carries
 * its share of the discount.
 */
export const mapShopwareOrder = (raw: unknown): ShopOrderDraft => {
  if (!isObject(raw)) return unreadableOrder(undefined, Number.NaN, `the order is ${what(raw)}, not an object`)
  const problem = shopwareOrderProblem(raw)
  if (problem === undefined) return mapCheckedShopwareOrder(raw as unknown as ShopwareOrder)
  const changed = raw.updatedAt ?? raw.createdAt
  return unreadableOrder(raw.id, typeof changed === "string" ? Date.parse(changed) : Number.NaN, problem)
}

/** The parts of a Shopware order the mapping walks: a plugin that extends the order can leave any of them out. */
const shopwareOrderProblem = (order: Readonly<Record<string, unknown>>) =>
  firstProblem(
    () => needObject("currency", order.currency, true),
    () => needObject("stateMachineState", order.stateMachineState, true),
    () => needObject("orderCustomer", order.orderCustomer, true),
    () => needObject("language", order.language, true),
    () => needList("lineItems", order.lineItems, (line, at) => needObject(`${at}.payload`, line.payload, true)),
    () =>
      needList("deliveries", order.deliveries, (delivery, at) =>
        firstProblem(
          () => needObject(`${at}.shippingMethod`, delivery.shippingMethod, true),
          () => needObject(`${at}.shippingOrderAddress`, delivery.shippingOrderAddress, true)
        )
      ),
    () =>
      needList("transactions", order.transactions, (transaction, at) =>
        typeof transaction.createdAt === "string" ? undefined : `${at}.createdAt is not a text`
      )
  )

const mapCheckedShopwareOrder = (order: ShopwareOrder): ShopOrderDraft => {
  const products = order.lineItems.filter((line) => line.type === "product")
  const productsTotal = products.reduce((sum, line) => sum + line.totalPrice, 0)
  const discount = -order.lineItems
    .filter((line) => line.type === "promotion" || line.type === "discount")
    .reduce((sum, line) => sum + Math.min(0, line.totalPrice), 0)
  const factor = productsTotal > 0 ? Math.max(0, productsTotal - discount) / productsTotal : 1
  const delivery = order.deliveries[0]
  const address = delivery?.shippingOrderAddress
  const transaction = [...order.transactions].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1)
  const orderState = order.stateMachineState?.technicalName ?? "open"
  return {
    shopOrderId: order.id,
    orderNumber: order.orderNumber,
    updatedAtMs: Date.parse(order.updatedAt ?? order.createdAt),
    placedAt: order.orderDateTime,
    state:
      orderState === "cancelled"
        ? "cancelled"
        : paidStates.has(transaction?.stateMachineState?.technicalName ?? "")
          ? "open"
          : "awaiting-payment",
    currency: order.currency?.isoCode ?? "",
    totalPaid: order.amountTotal,
    customer: {
      shopCustomerId: order.orderCustomer?.customerId ?? order.orderCustomer?.email ?? "guest",
      firstName: order.orderCustomer?.firstName ?? "",
      lastName: order.orderCustomer?.lastName ?? "",
      email: order.orderCustomer?.email ?? "",
      locale: order.language?.locale?.code
    },
    shipTo: {
      name: `${address?.firstName ?? ""} ${address?.lastName ?? ""}`.trim(),
      company: address?.company ?? undefined,
      street1: address?.street ?? "",
      street2: address?.additionalAddressLine1 ?? undefined,
      postalCode: address?.zipcode ?? "",
      city: address?.city ?? "",
      region: address?.countryState?.shortCode ?? undefined,
      country: address?.country?.iso ?? ""
    },
    lines: products.map((line) => ({
      shopLineId: line.id,
      sku: line.payload?.productNumber,
      gtin: line.payload?.ean ?? undefined,
      quantity: line.quantity,
      paidUnitPrice: line.quantity > 0 ? (line.totalPrice * factor) / line.quantity : Number.NaN
    })),
    shippingMethod: {
      code: delivery?.shippingMethod?.technicalName ?? undefined,
      title: delivery?.shippingMethod?.name
    },
    locationId: undefined,
    salesChannel: order.salesChannelId
  }
}
