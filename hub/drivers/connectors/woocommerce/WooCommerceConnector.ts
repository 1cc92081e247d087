/** The WooCommerce shop connector over its REST API. */
import WooCommerceRestApiModule from "@woocommerce/woocommerce-rest-api"
import { Effect, Schema } from "effect"
import { Bounds } from "../../../../core/bounds/Bounds.ts"
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
import { decodeShopAnswer, OrderMoney, type ShopAnswerDecoder } from "../decodeShopAnswer.ts"
import { isObject } from "../orderShape.ts"
import { outgoingAddress } from "../outgoingAddress.ts"
import { plausibleChange } from "../plausibleChange.ts"
import { answerTooLarge } from "../shopAnswerText.ts"
import { centsOf, decimal, shopErrorForFailure, shopErrorForStatus } from "../shopHttpError.ts"
import { requireSignatureHeader, signatureRefusal, signedBodyKey, webhookObject } from "../webhookHmac.ts"
import { gmt, mapWooOrder, WooId } from "./mapWooOrder.ts"

export interface WooCommerceCredentials {
  readonly consumerKey: string
  readonly consumerSecret: string
  /** The secret the shop's order webhooks are signed with (X-WC-Webhook-Signature). */
  readonly webhookSecret: string
}

export interface WooCommerceOptions {
  readonly settings: ConnectorSettings
  readonly credentials: WooCommerceCredentials
  /** The store's address, `https://shop.example.com` (the REST API is below `/wp-json/wc/v3`). */
  readonly url: string
  /** The status an order gets when its last unit shipped (`completed`, or one the shop registered). */
  readonly completedStatus: string
  readonly timeoutMs: number
  /** The hub's clock: what a Retry-After date means. */
  readonly clock: StationClock["Service"]
  /** The most an answer may hold (default `Bounds.maxAnswerBytes`). */
  readonly maxAnswerBytes?: number
}

interface WooResponse {
  readonly status: number
  readonly data: unknown
  readonly headers: Record<string, string>
}

/**
 * The package is CommonJS with `__esModule` and no exports map: Node's ESM loader hands its whole `exports` to a
 * default import (the class is `.default` of it), bundlers the class itself.
 */
const WooCommerceRestApi =
  (WooCommerceRestApiModule as unknown as { readonly default?: typeof WooCommerceRestApiModule }).default ??
  WooCommerceRestApiModule

const fulfillmentMeta = (parcelId: string) => `_packbench_fulfillment_${parcelId}`
const refundKeyMeta = "_packbench_idempotency_key"

const Meta = Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.Unknown }))

/**
 * A catch-up page: a list of orders. The orders stay unknown for `mapWooOrder`, which withholds one it cannot read with
 * the reason: one broken order is quarantined for a person instead of failing every catch-up.
 */
const decodeOrderPage = decodeShopAnswer(Schema.Array(Schema.Unknown))
/** What a fulfillment reads of the order: its meta entries (one per parcel pushed), and its notes. */
const decodeOrderMeta = decodeShopAnswer(Schema.Struct({ meta_data: Meta }))
const decodeNotes = decodeShopAnswer(Schema.Array(Schema.Struct({ note: Schema.String })))
/** The order's refunds (each carries the key it was made with in its meta), and one just made. */
const decodeRefunds = decodeShopAnswer(Schema.Array(Schema.Struct({ id: WooId, amount: OrderMoney, meta_data: Meta })))
const decodeRefund = decodeShopAnswer(Schema.Struct({ id: WooId, amount: OrderMoney }))
/** The order as stored after an address update: the fields the update is checked by. */
const decodeStoredShipping = decodeShopAnswer(
  Schema.Struct({ id: WooId, shipping: Schema.Struct({ address_1: Schema.String, postcode: Schema.String }) })
)
const decodeWebhooks = decodeShopAnswer(Schema.Array(Schema.Struct({ topic: Schema.String, status: Schema.String })))

/**
 * WooCommerce over its REST API (wc/v3) through `@woocommerce/woocommerce-rest-api` (Basic auth over HTTPS, OAuth
 * 1.0a signatures over plain HTTP). Orders come by the order webhooks, whose body is the order itself, and by a
 * catch-up on `modified_after`. WooCommerce has no idempotency keys, so every push looks first: a fulfillment is an
 * order note plus a meta entry per parcel (and the configured status once the last unit shipped), a refund carries
 * its key in its meta and is looked for among the order's refunds before one is created.
 */
export const makeWooCommerceConnector = (options: WooCommerceOptions): ShopConnector => {
  const name = `WooCommerce ${options.url}`
  const nowMs = Effect.map(options.clock.now, (now) => now.wallMs)
  const maxAnswerBytes = options.maxAnswerBytes ?? Bounds.maxAnswerBytes
  const api = new WooCommerceRestApi({
    url: options.url,
    consumerKey: options.credentials.consumerKey,
    consumerSecret: options.credentials.consumerSecret,
    version: "wc/v3",
    queryStringAuth: false,
    axiosConfig: {
      timeout: options.timeoutMs,
      // Counted as the answer arrives (after decompression): the download stops once past the bound.
      maxContentLength: maxAnswerBytes,
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true }
    }
  })

  const call = (method: "get" | "post" | "put", endpoint: string, body?: unknown, params?: Record<string, unknown>) =>
    Effect.gen(function* () {
      const response = yield* Effect.tryPromise({
        try: (): Promise<WooResponse> =>
          method === "get"
            ? api.get(endpoint, params ?? {})
            : method === "post"
              ? api.post(endpoint, body, params ?? {})
              : api.put(endpoint, body, params ?? {}),
        catch: (error) =>
          // axios fails such an answer with ERR_BAD_RESPONSE, which it also uses for other broken answers: the
          // message names the bound.
          error instanceof Error &&
          (error as { code?: unknown }).code === "ERR_BAD_RESPONSE" &&
          error.message.includes("maxContentLength")
            ? answerTooLarge(name, maxAnswerBytes)
            : shopErrorForFailure(name, error)
      })
      if (response.status < 200 || response.status > 299) {
        const text = typeof response.data === "string" ? response.data : JSON.stringify(response.data ?? "")
        return yield* shopErrorForStatus(
          name,
          "woocommerce",
          response.status,
          text,
          response.headers["retry-after"],
          yield* nowMs
        )
      }
      if (response.data === null || typeof response.data !== "object") {
        return yield* new ShopError({ reason: "Malformed", message: `${name}: ${endpoint} answered with no JSON` })
      }
      return response
    })

  /** A call's answer as `decode` reads it, named by the method and endpoint. */
  const answer = <A>(
    decode: ShopAnswerDecoder<A>,
    method: "get" | "post" | "put",
    endpoint: string,
    body?: unknown,
    params?: Record<string, unknown>
  ) =>
    Effect.flatMap(call(method, endpoint, body, params), (response) =>
      decode(name, `${method.toUpperCase()} ${endpoint}`, response.data)
    )

  /**
   * The order's endpoint. Its id came from an answer (as the hub stored it) and goes into the path only as WooCommerce
   * makes them; any other is the push refused with why, never a request.
   */
  const orderEndpoint = (shopOrderId: string) =>
    /^[1-9]\d{0,15}$/.test(shopOrderId)
      ? Effect.succeed(`orders/${shopOrderId}`)
      : Effect.fail(new ShopError({ reason: "Rejected", message: `${name}: ${shopOrderId} is no order id` }))

  const readOrder = (shopOrderId: string) =>
    Effect.gen(function* () {
      if (!/^\d+$/.test(shopOrderId)) return undefined
      const found = yield* Effect.result(call("get", `orders/${shopOrderId}`))
      if (found._tag === "Failure") {
        if (found.failure.reason === "Rejected" && found.failure.message.includes(" 404")) return undefined
        return yield* found.failure
      }
      return mapWooOrder(found.success.data)
    })

  /**
   * Where a catch-up stands: the orders changed after `since`, their page `page`, and the newest plausible change read
   * in `max`. The same shape as before keyset paging, so a cursor stored by an older hub is read as it was written.
   */
  interface PollCursor {
    readonly since: string
    readonly page: number
    readonly max: string
  }

  /** A time as `modified_after` takes it and `date_modified_gmt` gives it: GMT, whole seconds, no zone. */
  const wooTime = (ms: number) => new Date(ms).toISOString().slice(0, 19)

  const ordersChangedSince = (cursor: string | undefined, sinceMs: number, nowMs: number) =>
    Effect.gen(function* () {
      const start = wooTime(sinceMs)
      const at: PollCursor = cursor === undefined ? { since: start, page: 1, max: start } : JSON.parse(cursor)
      const response = yield* call("get", "orders", undefined, {
        modified_after: at.since,
        dates_are_gmt: true,
        orderby: "modified",
        order: "asc",
        per_page: 50,
        page: at.page
      })
      const orders = yield* decodeOrderPage(name, "GET orders", response.data)
      // Only a plausible change time moves the cursor: one order with a broken date or one far ahead (quarantined
      // by the hub) must not make the next catch-up start from a time that is none, or after every order to come.
      const maxMs = orders.reduce<number>((latest, order) => {
        // An entry that is no order (mapped to a withheld one below) has no change time to take.
        if (!isObject(order)) return latest
        const modified = gmt(order.date_modified_gmt)
        return plausibleChange(modified, nowMs) && modified > latest ? modified : latest
      }, gmt(at.max))
      const pages = Number(response.headers["x-wp-totalpages"] ?? "1")
      // An empty page ends the pass whatever X-WP-TotalPages claims: paging on through empty pages would keep the
      // catch-up from ever starting again at what changed since.
      const more = orders.length > 0 && at.page < pages
      // Keyset paging: the next page asks again for what changed after the newest change read, not for page N + 1.
      // The list is sorted by change time, so an order read on an earlier page that changes meanwhile moves to its
      // end, and with page numbers the first order of the next page would slide onto the page already read, never to
      // be read, with the cursor then moving past its change. `modified_after` is exclusive and times are whole
      // seconds, so the next page starts a second before the newest change (the hub drops the repeats as stale).
      const since = wooTime(maxMs - 1000)
      const moved = gmt(since) > gmt(at.since)
      const max = wooTime(maxMs)
      // A page whose changes all fall in the second after `since` gives no newer time to ask from: only then the
      // next page of the same `since`.
      const next: PollCursor = moved
        ? { since, page: 1, max }
        : more
          ? { since: at.since, page: at.page + 1, max }
          : { since: at.since, page: 1, max }
      return { orders: orders.map(mapWooOrder), cursor: JSON.stringify(next), more }
    })

  const fulfill = (push: FulfillmentPush) =>
    Effect.gen(function* () {
      const endpoint = yield* orderEndpoint(push.shopOrderId)
      const order = yield* answer(decodeOrderMeta, "get", endpoint)
      if (order.meta_data.some((meta) => meta.key === fulfillmentMeta(push.parcelId))) {
        return { shopFulfillmentId: `${push.shopOrderId}/${push.parcelId}`, alreadyThere: true }
      }
      const marker = `[packbench ${push.parcelId}]`
      const notes = yield* answer(decodeNotes, "get", `${endpoint}/notes`)
      if (!notes.some((note) => note.note.includes(marker))) {
        const units = push.lines.map((line) => `${line.quantity}× ${line.shopLineId}`).join(", ")
        yield* call("post", `${endpoint}/notes`, {
          note: `Shipped with ${push.carrierName}: ${push.trackingNumber}${push.trackingUrl === undefined ? "" : ` ${push.trackingUrl}`} (${units}) ${marker}`,
          customer_note: false
        })
      }
      yield* call("put", endpoint, {
        ...(push.completesOrder ? { status: options.completedStatus } : {}),
        meta_data: [
          {
            key: fulfillmentMeta(push.parcelId),
            value: JSON.stringify({
              carrier: push.carrier,
              trackingNumber: push.trackingNumber,
              trackingUrl: push.trackingUrl ?? null,
              lines: push.lines.map((line) => ({ lineItemId: Number(line.shopLineId), quantity: line.quantity }))
            })
          }
        ]
      })
      return { shopFulfillmentId: `${push.shopOrderId}/${push.parcelId}`, alreadyThere: false }
    })

  /**
   * `PUT orders/{id}` with the order's `shipping` object (every field of it, so a cleared line is cleared); the
   * answer is the order as stored, whose shipping address must now be the one sent.
   */
  const updateAddress = (push: AddressPush) =>
    Effect.gen(function* () {
      const address = yield* outgoingAddress(name, push)
      const endpoint = yield* orderEndpoint(push.shopOrderId)
      const shipping = {
        first_name: address.firstName,
        last_name: address.lastName,
        company: address.company ?? "",
        address_1: address.line1,
        address_2: address.line2 ?? "",
        city: address.city,
        state: address.region ?? "",
        postcode: address.postalCode,
        country: address.country
      }
      const stored = yield* answer(decodeStoredShipping, "put", endpoint, { shipping })
      if (stored.shipping.address_1 !== shipping.address_1 || stored.shipping.postcode !== shipping.postcode) {
        // The shop answered and kept the old address (a plugin that locks it, say): a refusal for a manager, not an
        // outage to retry for ever.
        return yield* new ShopError({
          reason: "Rejected",
          message: `${name}: order ${push.shopOrderId} did not take the new shipping address`
        })
      }
      return { shopAddressId: String(stored.id) }
    })

  const refund = (push: RefundPush) =>
    Effect.gen(function* () {
      const endpoint = yield* orderEndpoint(push.shopOrderId)
      const existing = yield* answer(decodeRefunds, "get", `${endpoint}/refunds`, undefined, { per_page: 100 })
      const done = existing.find((entry) =>
        entry.meta_data.some((meta) => meta.key === refundKeyMeta && meta.value === push.idempotencyKey)
      )
      if (done !== undefined) {
        return {
          status: "issued",
          shopRefundId: String(done.id),
          amountCents: centsOf(done.amount)
        } satisfies RefundResult
      }
      const created = yield* Effect.result(
        call("post", `${endpoint}/refunds`, {
          amount: decimal(push.amountCents),
          reason: push.note,
          api_refund: true,
          line_items: push.lines.map((line) => ({
            id: Number(line.shopLineId),
            quantity: line.quantity,
            refund_total: decimal(line.amountCents)
          })),
          meta_data: [{ key: refundKeyMeta, value: push.idempotencyKey }]
        })
      )
      if (created._tag === "Failure") {
        // WooCommerce answers a payment gateway's refusal with an error code and the gateway's message.
        if (created.failure.reason === "Rejected")
          return { status: "failed", reason: created.failure.message } satisfies RefundResult
        return yield* created.failure
      }
      const body = yield* decodeRefund(name, `POST ${endpoint}/refunds`, created.success.data)
      return {
        status: "issued",
        shopRefundId: String(body.id),
        amountCents: centsOf(body.amount)
      } satisfies RefundResult
    })

  const verifyWebhook: ShopConnector["verifyWebhook"] = (webhook) =>
    Effect.suspend(() => {
      const unsigned = signatureRefusal(options.credentials.webhookSecret, webhook, "X-WC-Webhook-Signature", "base64")
      if (unsigned !== undefined) return Effect.fail(unsigned)
      const topic = webhook.headers["x-wc-webhook-topic"] ?? ""
      // WooCommerce pings a new webhook with a form body (webhook_id=…): signed, and nothing to take.
      if (!topic.startsWith("order.")) return Effect.succeed([])
      const order = webhookObject(webhook.body)
      if (typeof order === "string")
        return Effect.fail(new WebhookRefused({ status: 400, message: order, signed: true }))
      if (typeof order.id !== "number")
        return Effect.fail(new WebhookRefused({ status: 400, message: "the webhook names no order", signed: true }))
      const draft = topic === "order.deleted" ? undefined : mapWooOrder(order)
      return Effect.succeed([
        {
          deliveryId: signedBodyKey(webhook.body),
          shopOrderId: String(order.id),
          order: draft
        }
      ])
    })

  const check = Effect.gen(function* () {
    const hooks = yield* Effect.result(answer(decodeWebhooks, "get", "webhooks", undefined, { per_page: 100 }))
    const checks = connectionChecks(name, hooks, () => ({ reachable: name, authenticated: "consumer key accepted" }))
    if (hooks._tag === "Failure") return checks
    const active = hooks.success.filter((hook) => hook.status === "active").map((hook) => hook.topic)
    const missing = ["order.created", "order.updated"].filter((topic) => !active.includes(topic))
    checks.push({
      name: "webhook registered",
      ok: missing.length === 0,
      detail:
        missing.length === 0 ? "order.created, order.updated active" : `missing or inactive: ${missing.join(", ")}`
    })
    return checks
  })

  return {
    settings: options.settings,
    replayWindowMs: deliveryRetentionMs,
    // WooCommerce carries the order as its REST API has it: 1-2 KB a line with the plugins' meta_data, so 200 lines
    // with room for more meta. A refused delivery counts towards the five in a row that disable the webhook: keep room.
    maxWebhookBytes: 1_000_000,
    screenWebhook: requireSignatureHeader("X-WC-Webhook-Signature"),
    verifyWebhook,
    readOrder,
    ordersChangedSince,
    fulfill,
    refund,
    updateAddress,
    check
  }
}
