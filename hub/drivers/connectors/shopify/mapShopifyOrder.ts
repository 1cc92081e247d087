/** Maps a Shopify order into the shop-neutral order shape. */
import type { ShopOrderDraft } from "../../../core/shop/ShopOrderDraft.ts"
import { firstProblem, isObject, needList, needObject, unreadableOrder, what } from "../orderShape.ts"
import { lineItemsPerRead } from "./shopifyQueries.ts"

interface Money {
  readonly shopMoney: { readonly amount: string; readonly currencyCode: string }
}

/** The fields of Shopify's `Order` the connector asks for (shopifyQueries.ts). */
export interface ShopifyOrder {
  readonly id: string
  readonly name: string
  readonly createdAt: string
  readonly updatedAt: string
  readonly cancelledAt: string | null
  /** A test order: placed with a test payment (a development store, Shopify Payments in test mode). */
  readonly test: boolean
  readonly displayFinancialStatus: string | null
  readonly customerLocale: string | null
  readonly email: string | null
  readonly totalPriceSet: Money
  readonly customer: {
    readonly id: string
    readonly firstName: string | null
    readonly lastName: string | null
    readonly email: string | null
  } | null
  readonly shippingAddress: {
    readonly name: string | null
    readonly company: string | null
    readonly address1: string | null
    readonly address2: string | null
    readonly zip: string | null
    readonly city: string | null
    readonly provinceCode: string | null
    readonly countryCodeV2: string | null
  } | null
  readonly shippingLine: { readonly code: string | null; readonly title: string | null } | null
  readonly channelInformation: { readonly channelId: string | null } | null
  readonly lineItems: {
    readonly pageInfo: { readonly hasNextPage: boolean }
    readonly nodes: ReadonlyArray<{
      readonly id: string
      readonly sku: string | null
      readonly quantity: number
      readonly variant: { readonly barcode: string | null } | null
      readonly discountedUnitPriceAfterAllDiscountsSet: Money
    }>
  }
  readonly fulfillmentOrders: {
    readonly nodes: ReadonlyArray<{
      readonly id: string
      readonly status: string
      readonly assignedLocation: { readonly location: { readonly id: string } | null } | null
    }>
  }
}

/** Financial states in which the money is in (or promised by the provider): the order may ship. */
const paid = new Set(["PAID", "PARTIALLY_PAID", "AUTHORIZED", "PARTIALLY_REFUNDED", "REFUNDED"])

const orUndefined = (value: string | null | undefined) => (value === null || value === "" ? undefined : value)

const money = (where: string, value: unknown) =>
  needObject(where, value) ?? needObject(`${where}.shopMoney`, (value as Readonly<Record<string, unknown>>).shopMoney)

/** The parts of a Shopify order the mapping walks: GraphQL can answer null for any of them (a field it failed). */
const shopifyOrderProblem = (order: Readonly<Record<string, unknown>>) =>
  firstProblem(
    () => money("totalPriceSet", order.totalPriceSet),
    () => needObject("customer", order.customer, true),
    () => (isObject(order.customer) && typeof order.customer.id !== "string" ? "customer.id is not a text" : undefined),
    () => needObject("shippingAddress", order.shippingAddress, true),
    () =>
      isObject(order.shippingAddress) &&
      !["string", "undefined"].includes(typeof order.shippingAddress.name) &&
      order.shippingAddress.name !== null
        ? "shippingAddress.name is not a text"
        : undefined,
    () => needObject("shippingLine", order.shippingLine, true),
    () => needObject("channelInformation", order.channelInformation, true),
    () => needObject("lineItems", order.lineItems),
    () => {
      const lineItems = order.lineItems as Readonly<Record<string, unknown>>
      return (
        needObject("lineItems.pageInfo", lineItems.pageInfo) ??
        needList("lineItems.nodes", lineItems.nodes, (line, at) =>
          firstProblem(
            () => needObject(`${at}.variant`, line.variant, true),
            () => money(`${at}.discountedUnitPriceAfterAllDiscountsSet`, line.discountedUnitPriceAfterAllDiscountsSet)
          )
        )
      )
    },
    () => needObject("fulfillmentOrders", order.fulfillmentOrders),
    () => needList("fulfillmentOrders.nodes", (order.fulfillmentOrders as Readonly<Record<string, unknown>>).nodes)
  )

/**
 * Shopify's order in the shop-neutral shape; numbers stay as Shopify wrote them for mapShopOrder to check. An order
 * without the parts the mapping needs is withheld with the part named.
 */
export const mapShopifyOrder = (raw: unknown): ShopOrderDraft => {
  if (!isObject(raw)) return unreadableOrder(undefined, Number.NaN, `the order is ${what(raw)}, not an object`)
  const problem = shopifyOrderProblem(raw)
  return problem === undefined
    ? mapCheckedShopifyOrder(raw as unknown as ShopifyOrder)
    : unreadableOrder(raw.id, typeof raw.updatedAt === "string" ? Date.parse(raw.updatedAt) : Number.NaN, problem)
}

const mapCheckedShopifyOrder = (order: ShopifyOrder): ShopOrderDraft => {
  const address = order.shippingAddress
  const [first, ...rest] = (address?.name ?? "").split(" ")
  return {
    shopOrderId: order.id,
    orderNumber: order.name,
    updatedAtMs: Date.parse(order.updatedAt),
    placedAt: order.createdAt,
    state:
      order.cancelledAt !== null
        ? "cancelled"
        : paid.has(order.displayFinancialStatus ?? "")
          ? "open"
          : "awaiting-payment",
    currency: order.totalPriceSet.shopMoney.currencyCode,
    totalPaid: Number(order.totalPriceSet.shopMoney.amount),
    customer: {
      shopCustomerId: order.customer?.id.split("/").pop() ?? order.email ?? "guest",
      firstName: order.customer?.firstName ?? first ?? "",
      lastName: order.customer?.lastName ?? rest.join(" "),
      email: order.email ?? order.customer?.email ?? "",
      locale: orUndefined(order.customerLocale)
    },
    shipTo: {
      name: address?.name ?? "",
      company: orUndefined(address?.company),
      street1: address?.address1 ?? "",
      street2: orUndefined(address?.address2),
      postalCode: address?.zip ?? "",
      city: address?.city ?? "",
      region: orUndefined(address?.provinceCode),
      country: address?.countryCodeV2 ?? ""
    },
    lines: order.lineItems.nodes.map((line) => ({
      shopLineId: line.id,
      sku: orUndefined(line.sku),
      gtin: orUndefined(line.variant?.barcode),
      quantity: line.quantity,
      paidUnitPrice: Number(line.discountedUnitPriceAfterAllDiscountsSet.shopMoney.amount)
    })),
    shippingMethod: { code: orUndefined(order.shippingLine?.code), title: orUndefined(order.shippingLine?.title) },
    locationId: order.fulfillmentOrders.nodes[0]?.assignedLocation?.location?.id,
    salesChannel: orUndefined(order.channelInformation?.channelId),
    ...(order.test
      ? { withheld: "Shopify marks it a test order: it is not shipped" }
      : order.lineItems.pageInfo.hasNextPage
        ? { withheld: `it has more line items than the ${lineItemsPerRead} the connector reads at once` }
        : {})
  }
}
