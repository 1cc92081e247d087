/**
 * The GraphQL documents the Shopify connector sends (Admin API; field names as in Shopify's reference for
 * `Order`, `FulfillmentOrder`, `fulfillmentCreate`, `orderUpdate` and `refundCreate`). Each operation is named, so the fake shop in
 * `fixtures/shops/shopify/` answers by name, and so do Shopify's logs.
 */
/** Line items one read of an order returns; an order with more is refused whole rather than taken in part. */
export const lineItemsPerRead = 100

const orderFields = `
  id name createdAt updatedAt cancelledAt test displayFinancialStatus customerLocale email
  totalPriceSet { shopMoney { amount currencyCode } }
  customer { id firstName lastName email }
  shippingAddress { name company address1 address2 zip city provinceCode countryCodeV2 }
  shippingLine { code title }
  channelInformation { channelId }
  lineItems(first: ${lineItemsPerRead}) {
    pageInfo { hasNextPage }
    nodes { id sku quantity variant { barcode } discountedUnitPriceAfterAllDiscountsSet { shopMoney { amount currencyCode } } }
  }
  fulfillmentOrders(first: 10) { nodes { id status assignedLocation { location { id } } } }
`

export const shopifyQueries = {
  shop: "query PackbenchShop { shop { name } }",
  webhooks: "query PackbenchWebhooks { webhookSubscriptions(first: 50) { nodes { id topic } } }",
  order: `query PackbenchOrder($id: ID!) { order(id: $id) { ${orderFields} } }`,
  orders: `query PackbenchOrders($first: Int!, $after: String, $query: String) {
    orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
      pageInfo { hasNextPage endCursor }
      nodes { ${orderFields} }
    }
  }`,
  fulfillmentState: `query PackbenchFulfillmentState($id: ID!) {
    order(id: $id) {
      fulfillments(first: 250) { id trackingInfo { number } }
      fulfillmentOrders(first: 20) {
        nodes { id status lineItems(first: 100) { nodes { id remainingQuantity lineItem { id } } } }
      }
    }
  }`,
  fulfillmentCreate: `mutation PackbenchFulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) {
    fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
      fulfillment { id status }
      userErrors { field message }
    }
  }`,
  // orderUpdate's OrderInput.shippingAddress (a MailingAddressInput) replaces the order's shipping address.
  orderUpdate: `mutation PackbenchOrderUpdate($input: OrderInput!) {
    orderUpdate(input: $input) {
      order { id shippingAddress { address1 zip city countryCodeV2 } }
      userErrors { field message }
    }
  }`,
  transactions: `query PackbenchTransactions($id: ID!) {
    order(id: $id) { transactions(first: 20) { id gateway kind status } }
  }`,
  refundCreate: `mutation PackbenchRefundCreate($input: RefundInput!, $idempotencyKey: String!) {
    refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
      refund { id totalRefundedSet { shopMoney { amount currencyCode } } transactions(first: 5) { nodes { status errorCode } } }
      userErrors { field message }
    }
  }`
} as const
