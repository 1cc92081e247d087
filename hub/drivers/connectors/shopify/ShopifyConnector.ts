/** The Shopify shop connector over its GraphQL Admin API, within its cost-based throttle. */
import { createAdminApiClient } from "@shopify/admin-api-client"
import { Effect, Schema } from "effect"
import { BoundedNumber, Bounds } from "../../../../core/bounds/Bounds.ts"
import type { StationClock } from "../../../../core/time/Clock.ts"
import type { ConnectorSettings } from "../../../core/shop/ConnectorSettings.ts"
import {
  type AddressPush,
  deliveryRetentionMs,
  type FulfillmentPush,
  type RefundPush,
  type RefundResult,
  type ShopConnector,
  ShopError,
  WebhookRefused
} from "../../../core/shop/ShopConnector.ts"
import { connectionChecks } from "../connectionChecks.ts"
import {
  decodeShopAnswer,
  OpenUnits,
  OrderMoney,
  parseShopAnswer,
  type ShopAnswerDecoder
} from "../decodeShopAnswer.ts"
import { isObject } from "../orderShape.ts"
import { outgoingAddress } from "../outgoingAddress.ts"
import { plausibleChange } from "../plausibleChange.ts"
import { shopAnswerText } from "../shopAnswerText.ts"
import { graphqlWords, shopWords } from "../shopErrorWords.ts"
import { centsOf, decimal, shopErrorForFailure, shopErrorForStatus } from "../shopHttpError.ts"
import { requireSignatureHeader, signatureRefusal, signedBodyKey, webhookObject } from "../webhookHmac.ts"
import { mapShopifyOrder } from "./mapShopifyOrder.ts"
import { shopifyQueries } from "./shopifyQueries.ts"

export interface ShopifyCredentials {
  /** The Admin API access token of the custom app (`shpat_…`). */
  readonly accessToken: string
  /** The app's client secret: Shopify signs webhooks with it (X-Shopify-Hmac-Sha256). */
  readonly webhookSecret: string
}

export interface ShopifyOptions {
  readonly settings: ConnectorSettings
  readonly credentials: ShopifyCredentials
  /** `alpenglow.myshopify.com`. */
  readonly shopDomain: string
  readonly apiVersion: string
  /** Where the Admin API is reached instead of https://<shopDomain> (a proxy, or the fake shop in tests). */
  readonly endpoint: string | undefined
  readonly timeoutMs: number
  readonly notifyCustomer: boolean
  readonly log: (line: string) => void
  /** The hub's clock: how far the throttle's bucket has filled again, and what a Retry-After date means. */
  readonly clock: StationClock["Service"]
  /** The most an answer may hold (default `Bounds.maxAnswerBytes`). */
  readonly maxAnswerBytes?: number
}

/** What Shopify's cost-based throttle told us last (the `extensions.cost.throttleStatus` of each answer), and when. */
interface Bucket {
  readonly available: number
  readonly restoreRate: number
  readonly atMs: number
}

/** Points a query costs at most before Shopify computed it (orders page with line items and fulfillment orders). */
const expectedCost = 250

/**
 * Points of the throttle as Shopify states them: finite and not below zero (a negative or absurd bucket would have the
 * connector wait for ever). A million is far beyond the largest bucket Shopify sells.
 */
const ThrottlePoints = BoundedNumber(0, 1_000_000)

/**
 * Every GraphQL answer's frame: its errors and the throttle's state; `data` is read by the operation's own schema once
 * the errors are dealt with.
 */
const decodeFrame = decodeShopAnswer(
  Schema.Struct({
    errors: Schema.optional(
      Schema.Array(
        Schema.Struct({
          message: Schema.String,
          extensions: Schema.optional(Schema.Struct({ code: Schema.optional(Schema.String) }))
        })
      )
    ),
    extensions: Schema.optional(
      Schema.Struct({
        cost: Schema.optional(
          Schema.Struct({
            requestedQueryCost: Schema.optional(ThrottlePoints),
            throttleStatus: Schema.optional(
              Schema.Struct({ currentlyAvailable: ThrottlePoints, restoreRate: ThrottlePoints })
            )
          })
        )
      })
    )
  })
)

/** A decoder of an answer's `data` (its fields named from `data`, as the answer holds them). */
const dataOf = <A>(schema: Schema.Decoder<A>) => decodeShopAnswer(Schema.Struct({ data: schema }))

const UserErrors = Schema.Array(Schema.Struct({ message: Schema.String }))

/** The shop's name (`doctor`). */
const decodeShop = dataOf(Schema.Struct({ shop: Schema.Struct({ name: Schema.String }) }))
const decodeWebhooks = dataOf(
  Schema.Struct({
    webhookSubscriptions: Schema.Struct({ nodes: Schema.Array(Schema.Struct({ topic: Schema.String })) })
  })
)
/**
 * An order, or a page of them. The orders stay unknown for `mapShopifyOrder`, which withholds one it cannot read with
 * the reason: one broken order is quarantined for a person instead of failing every catch-up.
 */
const decodeOrder = dataOf(Schema.Struct({ order: Schema.NullOr(Schema.Unknown) }))
const decodeOrders = dataOf(
  Schema.Struct({
    orders: Schema.Struct({
      pageInfo: Schema.Struct({ hasNextPage: Schema.Boolean, endCursor: Schema.NullOr(Schema.String) }),
      nodes: Schema.Array(Schema.Unknown)
    })
  })
)
/** What a fulfillment reads of the order: its fulfillments' tracking numbers and the units its fulfillment orders hold open. */
const decodeFulfillmentState = dataOf(
  Schema.Struct({
    order: Schema.NullOr(
      Schema.Struct({
        fulfillments: Schema.Array(
          Schema.Struct({
            id: Schema.String,
            trackingInfo: Schema.Array(Schema.Struct({ number: Schema.NullOr(Schema.String) }))
          })
        ),
        fulfillmentOrders: Schema.Struct({
          nodes: Schema.Array(
            Schema.Struct({
              id: Schema.String,
              status: Schema.String,
              lineItems: Schema.Struct({
                nodes: Schema.Array(
                  Schema.Struct({
                    id: Schema.String,
                    remainingQuantity: OpenUnits,
                    lineItem: Schema.Struct({ id: Schema.String })
                  })
                )
              })
            })
          )
        })
      })
    )
  })
)
const decodeFulfillmentCreate = dataOf(
  Schema.Struct({
    fulfillmentCreate: Schema.Struct({
      fulfillment: Schema.NullOr(Schema.Struct({ id: Schema.String })),
      userErrors: UserErrors
    })
  })
)
const decodeTransactions = dataOf(
  Schema.Struct({
    order: Schema.NullOr(
      Schema.Struct({
        transactions: Schema.Array(
          Schema.Struct({ id: Schema.String, gateway: Schema.String, kind: Schema.String, status: Schema.String })
        )
      })
    )
  })
)
const decodeRefundCreate = dataOf(
  Schema.Struct({
    refundCreate: Schema.Struct({
      refund: Schema.NullOr(
        Schema.Struct({
          id: Schema.String,
          totalRefundedSet: Schema.Struct({ shopMoney: Schema.Struct({ amount: OrderMoney }) }),
          transactions: Schema.Struct({
            nodes: Schema.Array(Schema.Struct({ status: Schema.String, errorCode: Schema.NullOr(Schema.String) }))
          })
        })
      ),
      userErrors: UserErrors
    })
  })
)
const decodeOrderUpdate = dataOf(
  Schema.Struct({
    orderUpdate: Schema.Struct({ order: Schema.NullOr(Schema.Struct({ id: Schema.String })), userErrors: UserErrors })
  })
)

/**
 * Shopify over its GraphQL Admin API, through Shopify's `@shopify/admin-api-client`. Orders come by webhook
 * (orders/create, orders/updated, orders/cancelled: the webhook only names the order, which is then read, so a
 * late webhook never carries an old state in) and by a catch-up query on `updated_at`. Fulfillments go to the
 * order's fulfillment orders with `fulfillmentCreate`, after looking for a fulfillment with the same tracking number
 * (the mutation has no idempotency key); refunds with `refundCreate` under `@idempotent(key:)`, so Shopify pays once
 * however often a refund is retried. The cost-based throttle is honoured before each call and on THROTTLED.
 */
export const makeShopifyConnector = (options: ShopifyOptions): ShopConnector => {
  const name = `Shopify ${options.shopDomain}`
  const nowMs = Effect.map(options.clock.now, (now) => now.wallMs)
  /** Nothing told yet: the first call goes at once. */
  let bucket: Bucket | undefined
  const rewrite = (url: string) =>
    options.endpoint === undefined ? url : url.replace(/^https:\/\/[^/]+/, options.endpoint.replace(/\/$/, ""))
  const client = createAdminApiClient({
    storeDomain: options.shopDomain,
    apiVersion: options.apiVersion,
    accessToken: options.credentials.accessToken,
    retries: 0,
    customFetchApi: (url, init) =>
      fetch(rewrite(String(url)), { ...init, signal: AbortSignal.timeout(options.timeoutMs) } as RequestInit),
    // Unsupported versions are named once in the log, never on the console (the token is never logged).
    logger: (entry) => {
      if (entry.type === "Unsupported_Api_Version")
        options.log(`${name}: API version ${options.apiVersion} is not among the versions Shopify lists as current`)
    }
  })

  const waitForBucket = Effect.gen(function* () {
    const told = bucket
    if (told === undefined) return
    const elapsedMs = Math.max(0, (yield* nowMs) - told.atMs)
    const available = Math.min(2_000, told.available + (elapsedMs / 1000) * told.restoreRate)
    if (available >= expectedCost) return
    // At most 250 s (a bucket refilling a point a second), within the longest wait a shop may ask of the hub.
    yield* Effect.sleep(
      Math.min(Bounds.maxRequestedWaitMs, Math.ceil(((expectedCost - available) / told.restoreRate) * 1000))
    )
  })

  /**
   * One GraphQL call: HTTP errors classified, GraphQL errors (THROTTLED first) turned into ShopErrors, and the data read
   * by `decode`, each answer named by its operation.
   */
  const graphql = <D>(
    decode: ShopAnswerDecoder<{ readonly data: D }>,
    operation: string,
    variables: Record<string, unknown>
  ) =>
    Effect.gen(function* () {
      const request = /(?:query|mutation)\s+(\w+)/.exec(operation)?.[1] ?? "a GraphQL operation"
      yield* waitForBucket
      const response = yield* Effect.tryPromise({
        try: () => client.fetch(operation, { variables }),
        catch: (error) => shopErrorForFailure(name, error)
      })
      const text = yield* shopAnswerText(name, response, options.maxAnswerBytes ?? Bounds.maxAnswerBytes)
      if (!response.ok)
        return yield* shopErrorForStatus(
          name,
          "shopify",
          response.status,
          text,
          response.headers.get("retry-after"),
          yield* nowMs
        )
      const answer = yield* parseShopAnswer(name, request, text)
      const body = yield* decodeFrame(name, request, answer)
      const throttle = body.extensions?.cost?.throttleStatus
      if (throttle !== undefined) {
        bucket = {
          available: throttle.currentlyAvailable,
          restoreRate: Math.max(1, throttle.restoreRate),
          atMs: yield* nowMs
        }
      }
      const errors = body.errors ?? []
      if (errors.some((error) => error.extensions?.code === "THROTTLED")) {
        const needed = body.extensions?.cost?.requestedQueryCost ?? expectedCost
        const told = bucket ?? { available: 0, restoreRate: 100 }
        const waitMs = Math.ceil((Math.max(0, needed - told.available) / told.restoreRate) * 1000)
        // A cost and a refill rate within their bounds can still ask for days (a million points at one a second).
        if (waitMs > Bounds.maxRequestedWaitMs) {
          yield* Effect.logWarning(
            `${name}: the throttle asks for a wait of ${waitMs} ms (${needed} points at ${told.restoreRate} a second); waiting the ${Bounds.maxRequestedWaitMs / 60_000} min the hub waits at most`
          )
        }
        return yield* new ShopError({
          reason: "RateLimited",
          message: `${name}: throttled`,
          retryAfterMs: Math.min(Bounds.maxRequestedWaitMs, Math.max(waitMs, 500))
        })
      }
      if (errors.length > 0 || !isObject(answer) || answer.data === undefined) {
        // The messages may quote what the request carried (a customer's address): kept as words, never raw.
        const message = graphqlWords(errors.map((error) => error.message)) ?? "no data"
        const denied = errors.some((error) => error.extensions?.code === "ACCESS_DENIED")
        return yield* new ShopError({ reason: denied ? "Unauthorized" : "Rejected", message: `${name}: ${message}` })
      }
      return (yield* decode(name, request, answer)).data
    })

  const readOrder = (shopOrderId: string) =>
    Effect.gen(function* () {
      const data = yield* graphql(decodeOrder, shopifyQueries.order, { id: shopOrderId })
      return data.order === null ? undefined : mapShopifyOrder(data.order)
    })

  interface PollCursor {
    readonly since: string
    readonly after: string | null
    readonly max: string
  }

  const ordersChangedSince = (cursor: string | undefined, sinceMs: number, nowMs: number) =>
    Effect.gen(function* () {
      const at: PollCursor =
        cursor === undefined
          ? { since: new Date(sinceMs).toISOString(), after: null, max: new Date(sinceMs).toISOString() }
          : (JSON.parse(cursor) as PollCursor)
      // No skip: the cursor names the last node (UPDATED_AT, id), not an offset; a mid-pass change moves behind it.
      const data = yield* graphql(decodeOrders, shopifyQueries.orders, {
        first: 50,
        after: at.after,
        query: `updated_at:>='${at.since}'`
      })
      const nodes = data.orders.nodes
      // Only a plausible change time moves the cursor (one far ahead would hide every order to come).
      // An entry that is no order (mapped to a withheld one below) has no change time to take.
      const max = nodes.reduce<string>((latest, order) => {
        const changed = isObject(order) ? order.updatedAt : undefined
        return typeof changed === "string" && plausibleChange(Date.parse(changed), nowMs) && changed > latest
          ? changed
          : latest
      }, at.max)
      const endCursor = data.orders.pageInfo.endCursor
      // A next page needs orders on this one and a cursor that moves on: a page that points nowhere or back at
      // itself would be read again for ever, and the catch-up would never move past it.
      const more = data.orders.pageInfo.hasNextPage && nodes.length > 0 && endCursor !== null && endCursor !== at.after
      const next: PollCursor = more ? { since: at.since, after: endCursor, max } : { since: max, after: null, max }
      return { orders: nodes.map(mapShopifyOrder), cursor: JSON.stringify(next), more }
    })

  const fulfill = (push: FulfillmentPush) =>
    Effect.gen(function* () {
      const data = yield* graphql(decodeFulfillmentState, shopifyQueries.fulfillmentState, { id: push.shopOrderId })
      if (data.order === null)
        return yield* new ShopError({ reason: "Rejected", message: `${name}: order ${push.shopOrderId} is gone` })
      const existing = data.order.fulfillments.find((fulfillment) =>
        fulfillment.trackingInfo.some((info) => info.number === push.trackingNumber)
      )
      if (existing !== undefined) return { shopFulfillmentId: existing.id, alreadyThere: true }
      // Each parcel line takes units from the open fulfillment orders that hold its line item.
      const byOrder = new Map<string, Array<{ id: string; quantity: number }>>()
      for (const line of push.lines) {
        let wanted = line.quantity
        for (const fulfillmentOrder of data.order.fulfillmentOrders.nodes) {
          if (wanted === 0) break
          if (fulfillmentOrder.status !== "OPEN" && fulfillmentOrder.status !== "IN_PROGRESS") continue
          for (const item of fulfillmentOrder.lineItems.nodes) {
            if (wanted === 0 || item.lineItem.id !== line.shopLineId || item.remainingQuantity <= 0) continue
            const take = Math.min(wanted, item.remainingQuantity)
            wanted -= take
            const list = byOrder.get(fulfillmentOrder.id) ?? []
            list.push({ id: item.id, quantity: take })
            byOrder.set(fulfillmentOrder.id, list)
          }
        }
        if (wanted > 0) {
          return yield* new ShopError({
            reason: "Rejected",
            message: `${name}: ${wanted} unit(s) of line ${line.shopLineId} are not open for fulfillment in ${push.shopOrderId}`
          })
        }
      }
      const created = yield* graphql(decodeFulfillmentCreate, shopifyQueries.fulfillmentCreate, {
        fulfillment: {
          lineItemsByFulfillmentOrder: [...byOrder.entries()].map(([fulfillmentOrderId, items]) => ({
            fulfillmentOrderId,
            fulfillmentOrderLineItems: items
          })),
          trackingInfo: {
            company: push.carrierName,
            number: push.trackingNumber,
            ...(push.trackingUrl === undefined ? {} : { url: push.trackingUrl })
          },
          notifyCustomer: options.notifyCustomer
        },
        message: `Packbench parcel ${push.parcelId}`
      })
      const result = created.fulfillmentCreate
      if (result.fulfillment === null || result.userErrors.length > 0) {
        return yield* new ShopError({
          reason: "Rejected",
          message: `${name}: fulfillmentCreate: ${graphqlWords(result.userErrors.map((error) => error.message)) ?? "no fulfillment"}`
        })
      }
      return { shopFulfillmentId: result.fulfillment.id, alreadyThere: false }
    })

  const refund = (push: RefundPush) =>
    Effect.gen(function* () {
      const data = yield* graphql(decodeTransactions, shopifyQueries.transactions, { id: push.shopOrderId })
      const parent = data.order?.transactions.find(
        (transaction) =>
          (transaction.kind === "SALE" || transaction.kind === "CAPTURE") && transaction.status === "SUCCESS"
      )
      if (parent === undefined) {
        return {
          status: "failed",
          reason: `${name}: order ${push.shopOrderId} has no paid transaction to refund`
        } satisfies RefundResult
      }
      const created = yield* graphql(decodeRefundCreate, shopifyQueries.refundCreate, {
        idempotencyKey: push.idempotencyKey,
        input: {
          orderId: push.shopOrderId,
          note: push.note,
          notify: false,
          refundLineItems: push.lines.map((line) => ({
            lineItemId: line.shopLineId,
            quantity: line.quantity,
            restockType: "NO_RESTOCK"
          })),
          transactions: [
            {
              orderId: push.shopOrderId,
              parentId: parent.id,
              gateway: parent.gateway,
              kind: "REFUND",
              amount: decimal(push.amountCents)
            }
          ]
        }
      })
      const result = created.refundCreate
      if (result.refund === null || result.userErrors.length > 0) {
        return {
          status: "failed",
          reason: graphqlWords(result.userErrors.map((error) => error.message)) ?? "no refund"
        } satisfies RefundResult
      }
      const statuses = result.refund.transactions.nodes.map((transaction) => transaction.status)
      if (statuses.some((status) => status === "FAILURE" || status === "ERROR")) {
        const code = result.refund.transactions.nodes.find((transaction) => transaction.errorCode !== null)?.errorCode
        return {
          status: "failed",
          reason: `the payment provider refused the refund${code ? ` (${shopWords(code) ?? "a code the hub cannot read"})` : ""}`
        } satisfies RefundResult
      }
      if (statuses.some((status) => status === "PENDING" || status === "AWAITING_RESPONSE")) {
        // Asked again later under the same key, Shopify answers with this refund: it counts once it succeeded.
        return yield* new ShopError({
          reason: "Unavailable",
          message: `${name}: refund ${result.refund.id} is pending`,
          retryAfterMs: 30_000
        })
      }
      return {
        status: "issued",
        shopRefundId: result.refund.id,
        amountCents: centsOf(result.refund.totalRefundedSet.shopMoney.amount)
      } satisfies RefundResult
    })

  /** `orderUpdate` with the corrected `shippingAddress`; user errors (a zip the shop refuses) are `Rejected`. */
  const updateAddress = (push: AddressPush) =>
    Effect.gen(function* () {
      const address = yield* outgoingAddress(name, push)
      const updated = yield* graphql(decodeOrderUpdate, shopifyQueries.orderUpdate, {
        input: {
          id: push.shopOrderId,
          shippingAddress: {
            firstName: address.firstName,
            lastName: address.lastName,
            ...(address.company === undefined ? {} : { company: address.company }),
            address1: address.line1,
            address2: address.line2 ?? "",
            zip: address.postalCode,
            city: address.city,
            ...(address.region === undefined ? {} : { provinceCode: address.region }),
            countryCode: address.country
          }
        }
      })
      const result = updated.orderUpdate
      if (result.order === null || result.userErrors.length > 0) {
        return yield* new ShopError({
          reason: "Rejected",
          message: `${name}: orderUpdate: ${graphqlWords(result.userErrors.map((error) => error.message)) ?? "no order"}`
        })
      }
      return { shopAddressId: result.order.id }
    })

  const verifyWebhook: ShopConnector["verifyWebhook"] = (webhook) =>
    Effect.suspend(() => {
      const unsigned = signatureRefusal(options.credentials.webhookSecret, webhook, "X-Shopify-Hmac-Sha256", "base64")
      if (unsigned !== undefined) return Effect.fail(unsigned)
      const topic = webhook.headers["x-shopify-topic"] ?? ""
      if (!topic.startsWith("orders/")) return Effect.succeed([])
      const body = webhookObject(webhook.body)
      if (typeof body === "string") return Effect.fail(new WebhookRefused({ status: 400, message: body, signed: true }))
      const id =
        typeof body.admin_graphql_api_id === "string"
          ? body.admin_graphql_api_id
          : typeof body.id === "number"
            ? `gid://shopify/Order/${body.id}`
            : undefined
      if (id === undefined || !/^gid:\/\/shopify\/Order\/\d+$/.test(id)) {
        return Effect.fail(new WebhookRefused({ status: 400, message: "the webhook names no order", signed: true }))
      }
      return Effect.succeed([{ deliveryId: signedBodyKey(webhook.body), shopOrderId: id, order: undefined }])
    })

  const check = Effect.gen(function* () {
    const shop = yield* Effect.result(graphql(decodeShop, shopifyQueries.shop, {}))
    const checks = connectionChecks(name, shop, (answer) => ({
      reachable: name,
      authenticated: `shop "${answer.shop.name}"`
    }))
    if (shop._tag === "Failure") return checks
    const hooks = yield* Effect.result(graphql(decodeWebhooks, shopifyQueries.webhooks, {}))
    const topics = hooks._tag === "Success" ? hooks.success.webhookSubscriptions.nodes.map((node) => node.topic) : []
    const missing = ["ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED"].filter((topic) => !topics.includes(topic))
    checks.push({
      name: "webhook registered",
      ok: hooks._tag === "Success" && missing.length === 0,
      detail:
        hooks._tag === "Failure"
          ? hooks.failure.message
          : missing.length === 0
            ? "orders/create, orders/updated, orders/cancelled"
            : `missing ${missing.join(", ")}`
    })
    return checks
  })

  return {
    settings: options.settings,
    replayWindowMs: deliveryRetentionMs,
    // Shopify sends the whole order (every line with its taxes, discounts and prices in two currencies, 3-4 KB each),
    // "upwards of a megabyte" for a large one by Shopify's own word, and caps its EventBridge payloads at 1 MB: the hub
    // takes at most 200 lines (~800 KB) and reads the order from the API anyway, so a larger one waits for the catch-up.
    maxWebhookBytes: 1_000_000,
    screenWebhook: requireSignatureHeader("X-Shopify-Hmac-Sha256"),
    verifyWebhook,
    readOrder,
    ordersChangedSince,
    fulfill,
    refund,
    updateAddress,
    check
  }
}
