/** The generic shop connector: orders arrive as signed webhooks, pushes go out the same way. */
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto"
import { Effect, Schema } from "effect"
import { Bounds, IdText } from "../../../../core/bounds/Bounds.ts"
import type { StationClock } from "../../../../core/time/Clock.ts"
import type { ConnectorSettings } from "../../../core/shop/ConnectorSettings.ts"
import {
  type AddressPush,
  type FulfillmentPush,
  type RefundPush,
  type RefundResult,
  type ShopConnector,
  ShopError,
  WebhookRefused
} from "../../../core/shop/ShopConnector.ts"
import type { ShopOrderDraft } from "../../../core/shop/ShopOrderDraft.ts"
import { deliveryIdPattern, signWebhookV2 } from "../../server/WebhookSignature.ts"
import { decodeShopAnswer, parseShopAnswer, type ShopAnswerDecoder } from "../decodeShopAnswer.ts"
import { outgoingAddress } from "../outgoingAddress.ts"
import { shopAnswerText } from "../shopAnswerText.ts"
import { shopWords } from "../shopErrorWords.ts"
import { shopErrorForFailure, shopErrorForStatus } from "../shopHttpError.ts"
import { signedBodyKey } from "../webhookHmac.ts"

export interface SignedWebhookCredentials {
  /** Signs both ways: the shop's order webhooks to the hub, and the hub's pushes to the shop. */
  readonly secret: string
}

export interface SignedWebhookOptions {
  readonly settings: ConnectorSettings
  readonly credentials: SignedWebhookCredentials
  /** Where the hub POSTs `/fulfillments` and `/refunds`, and GETs `/orders?since=` for the catch-up; none: inbound only. */
  readonly shopUrl: string | undefined
  readonly timeoutMs: number
  readonly toleranceMs: number
  /** The hub's clock: the stamp of each push, a webhook's freshness, and what a Retry-After date means. */
  readonly clock: StationClock["Service"]
  /** The most an answer may hold (default `Bounds.maxAnswerBytes`). */
  readonly maxAnswerBytes?: number
  /**
   * Whether a webhook signed with the first scheme (`sha256=`) is taken (default, with a warning the first time one
   * is) or answered 401: `hub.shops.connectors[].sha256Signatures`.
   */
  readonly sha256Signatures?: "accept" | "refuse"
}

/** The order a generic shop sends, in the hub's own neutral vocabulary (README, "Generic signed webhook"). */
const Money = Schema.Number
export const GenericShopOrder = Schema.Struct({
  id: Schema.String,
  number: Schema.String,
  updatedAt: Schema.String,
  placedAt: Schema.String,
  state: Schema.Literals(["open", "on-hold", "awaiting-payment", "cancelled"]),
  currency: Schema.String,
  totalPaid: Money,
  customer: Schema.Struct({
    id: Schema.String,
    firstName: Schema.String,
    lastName: Schema.String,
    email: Schema.String,
    locale: Schema.optional(Schema.String)
  }),
  shipTo: Schema.Struct({
    name: Schema.String,
    company: Schema.optional(Schema.String),
    street1: Schema.String,
    street2: Schema.optional(Schema.String),
    postalCode: Schema.String,
    city: Schema.String,
    region: Schema.optional(Schema.String),
    country: Schema.String
  }),
  lines: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      sku: Schema.optional(Schema.String),
      gtin: Schema.optional(Schema.String),
      quantity: Schema.Number,
      paidUnitPrice: Money
    })
  ),
  shippingMethod: Schema.optional(Schema.String),
  location: Schema.optional(Schema.String),
  salesChannel: Schema.optional(Schema.String)
})
type GenericShopOrder = typeof GenericShopOrder.Type

const toDraft = (order: GenericShopOrder): ShopOrderDraft => ({
  shopOrderId: order.id,
  orderNumber: order.number,
  updatedAtMs: Date.parse(order.updatedAt),
  placedAt: order.placedAt,
  state: order.state,
  currency: order.currency,
  totalPaid: order.totalPaid,
  customer: {
    shopCustomerId: order.customer.id,
    firstName: order.customer.firstName,
    lastName: order.customer.lastName,
    email: order.customer.email,
    locale: order.customer.locale
  },
  shipTo: {
    ...order.shipTo,
    company: order.shipTo.company,
    street2: order.shipTo.street2,
    region: order.shipTo.region
  },
  lines: order.lines.map((line) => ({
    shopLineId: line.id,
    sku: line.sku,
    gtin: line.gtin,
    quantity: line.quantity,
    paidUnitPrice: line.paidUnitPrice
  })),
  shippingMethod: { code: order.shippingMethod, title: undefined },
  locationId: order.location,
  salesChannel: order.salesChannel
})

/** `X-Packbench-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`, as the hub signs its own webhooks. */
export const signBody = (secret: string, timestamp: string, body: string | Uint8Array) =>
  `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`

/**
 * The second scheme, which signs the delivery id too: `X-Packbench-Signature: v2=<hex HMAC-SHA256 over
 * "v2\n<timestamp>\n<delivery id>\n<body>">`, the one the hub's outgoing notification webhooks carry.
 */
export const signDelivery = signWebhookV2

/**
 * The delivery id of an outgoing request: a push's idempotency key, so every attempt of one push is one delivery to
 * the shop; a key that could not be an id (too long, or a space or letter outside visible ASCII, say from a shop's
 * order number) is known by its digest, just as stable. A GET, which changes nothing, is a delivery of its own.
 */
const outgoingDeliveryId = (idempotencyKey: string | undefined) =>
  idempotencyKey === undefined
    ? `get-${randomUUID()}`
    : deliveryIdPattern.test(idempotencyKey)
      ? idempotencyKey
      : `key-sha256-${createHash("sha256").update(idempotencyKey).digest("hex")}`

const decodeOrder = Schema.decodeUnknownEffect(Schema.fromJsonString(GenericShopOrder))

/** The shop's catch-up page (README, "Generic signed webhook"). */
const decodePage = decodeShopAnswer(
  Schema.Struct({ orders: Schema.Array(GenericShopOrder), cursor: Schema.String, more: Schema.Boolean })
)
/** A push's answer, as the README asks the shop for it: what it calls the fulfillment or address, if anything. */
const decodeFulfilled = decodeShopAnswer(
  Schema.Struct({ id: Schema.optional(IdText), alreadyThere: Schema.optional(Schema.Boolean) })
)
const decodeAddressed = decodeShopAnswer(Schema.Struct({ id: Schema.optional(IdText) }))
/**
 * A refund's answer: `{status: "issued", id}` or `{status: "failed", reason}`. Money counts as paid out only when the
 * shop says so: an answer without its status is no refund.
 */
const decodeRefunded = decodeShopAnswer(
  Schema.Struct({
    status: Schema.Literals(["issued", "failed"]),
    id: Schema.optional(IdText),
    reason: Schema.optional(Schema.String)
  })
)

/**
 * Any other shop, through signed webhooks both ways. The shop POSTs each new or changed order to the hub
 * (`/shops/<connector>/webhook`, the order in the neutral shape above, signed with the shared secret and a
 * timestamp); the hub POSTs fulfillments and refunds to `<shopUrl>/fulfillments` and `<shopUrl>/refunds`, signed
 * twice (`X-Packbench-Signature-V2: v2=` over the delivery id too, and the first scheme for one release more), with the
 * push's key as `Idempotency-Key` and `X-Packbench-Delivery` (the shop must act once per key), and a customer's corrected
 * address to `<shopUrl>/addresses`. With a `shopUrl`, the
 * catch-up asks `GET <shopUrl>/orders?since=<cursor>` for `{orders, cursor, more}`.
 */
export const makeSignedWebhookConnector = (options: SignedWebhookOptions): ShopConnector => {
  const name = `shop ${options.settings.id}`
  const nowMs = Effect.map(options.clock.now, (now) => now.wallMs)
  const refusesFirstScheme = options.sha256Signatures === "refuse"
  /** Warned of once: every delivery of a sender not moved yet would otherwise fill the log. */
  let warnedOfFirstScheme = false

  const request = (method: "GET" | "POST", path: string, body: unknown, idempotencyKey?: string) =>
    Effect.gen(function* () {
      if (options.shopUrl === undefined) {
        return yield* new ShopError({ reason: "Rejected", message: `${name} has no shopUrl to send to` })
      }
      const text = body === undefined ? "" : JSON.stringify(body)
      const timestamp = String(Math.floor((yield* nowMs) / 1000))
      const delivery = outgoingDeliveryId(idempotencyKey)
      const response = yield* Effect.tryPromise({
        try: () =>
          fetch(`${options.shopUrl}${path}`, {
            method,
            headers: {
              "content-type": "application/json",
              "x-packbench-timestamp": timestamp,
              "x-packbench-delivery": delivery,
              "x-packbench-signature-v2": signDelivery(options.credentials.secret, timestamp, delivery, text),
              // The first scheme, for one release more, until shops check the v2 header (README).
              "x-packbench-signature": signBody(options.credentials.secret, timestamp, text),
              // The delivery id: the push's key, or its digest where no header could carry the key.
              ...(idempotencyKey === undefined ? {} : { "idempotency-key": delivery })
            },
            ...(method === "POST" ? { body: text } : {}),
            signal: AbortSignal.timeout(options.timeoutMs)
          }),
        catch: (error) => shopErrorForFailure(name, error)
      })
      const answer = yield* shopAnswerText(name, response, options.maxAnswerBytes ?? Bounds.maxAnswerBytes)
      if (!response.ok)
        return yield* shopErrorForStatus(
          name,
          "webhook",
          response.status,
          answer,
          response.headers.get("retry-after"),
          yield* nowMs
        )
      return answer
    })

  /**
   * A request's answer as `decode` reads it; an empty answer is an empty object (the shop acted and named nothing).
   * Anything else that does not decode is `Malformed`: the push is sent again with the same key, and the Shop card
   * names the request and what is wrong.
   */
  const answer = <A>(
    decode: ShopAnswerDecoder<A>,
    method: "GET" | "POST",
    path: string,
    body: unknown,
    idempotencyKey?: string
  ) =>
    Effect.gen(function* () {
      const text = yield* request(method, path, body, idempotencyKey)
      // Named without its query: the catch-up's cursor is the shop's own text, of any length.
      const named = `${method} ${path.split("?")[0]}`
      const parsed = yield* parseShopAnswer(name, named, text.trim() === "" ? "{}" : text)
      return yield* decode(name, named, parsed)
    })

  /**
   * What refuses a webhook by its headers alone, before its body is read: a first-scheme signature where only `v2=` is
   * taken, a `v2=` without a delivery id it can sign, or a timestamp missing or not current.
   */
  const screenWebhook: ShopConnector["screenWebhook"] = (headers) =>
    Effect.gen(function* () {
      const timestamp = headers["x-packbench-timestamp"] ?? ""
      const claimed = headers["x-packbench-signature"] ?? ""
      const signsDelivery = claimed.startsWith("v2=")
      if (!signsDelivery && refusesFirstScheme) {
        return yield* new WebhookRefused({
          status: 401,
          message: "this connector takes only v2= signatures (sha256Signatures: refuse): sign the delivery id too"
        })
      }
      if (signsDelivery && !deliveryIdPattern.test(headers["x-packbench-delivery"] ?? "")) {
        return yield* new WebhookRefused({
          status: 401,
          message: "a v2= signature needs X-Packbench-Delivery (1-200 visible ASCII characters)"
        })
      }
      if (!(/^\d{1,12}$/.test(timestamp) && Math.abs((yield* nowMs) - Number(timestamp) * 1000) <= options.toleranceMs))
        return yield* new WebhookRefused({ status: 401, message: "X-Packbench-Timestamp is not current" })
      if (claimed.length === 0)
        return yield* new WebhookRefused({ status: 401, message: "X-Packbench-Signature is missing" })
    })

  /**
   * Checks the signature of either scheme, after `screenWebhook`. Under `v2=` the delivery id is signed, and names the
   * delivery; under the first scheme (`sha256=`) anyone who saw a delivery could send its bytes again under any id, up
   * to burning the id of the shop's next delivery so that the hub drops it: there the id is not read, and the delivery
   * is known by the digest of its signed body, which no replay can change.
   */
  const verifyWebhook: ShopConnector["verifyWebhook"] = (webhook) =>
    Effect.gen(function* () {
      yield* screenWebhook(webhook.headers)
      const timestamp = webhook.headers["x-packbench-timestamp"] ?? ""
      const claimed = webhook.headers["x-packbench-signature"] ?? ""
      const delivery = webhook.headers["x-packbench-delivery"] ?? ""
      const signsDelivery = claimed.startsWith("v2=")
      const expected = signsDelivery
        ? signDelivery(options.credentials.secret, timestamp, delivery, webhook.body)
        : signBody(options.credentials.secret, timestamp, webhook.body)
      if (!(claimed.length === expected.length && timingSafeEqual(Buffer.from(claimed), Buffer.from(expected))))
        return yield* new WebhookRefused({ status: 401, message: "X-Packbench-Signature does not match" })
      if (!signsDelivery && !warnedOfFirstScheme) {
        warnedOfFirstScheme = true
        yield* Effect.logWarning(
          `${name}: a webhook came signed with the first scheme (sha256=), which leaves X-Packbench-Delivery unsigned: ` +
            `move the shop to v2= (README, "Generic signed webhook"), then set sha256Signatures to "refuse" for this connector`
        )
      }
      const order = yield* decodeOrder(new TextDecoder().decode(webhook.body)).pipe(
        Effect.mapError(
          (issue) =>
            new WebhookRefused({ status: 400, message: `not an order: ${issue.message.slice(0, 300)}`, signed: true })
        )
      )
      return [
        {
          deliveryId: signsDelivery ? `id:${delivery}` : signedBodyKey(webhook.body),
          shopOrderId: order.id,
          order: toDraft(order)
        }
      ]
    })

  return {
    settings: options.settings,
    // A delivery is taken while its signed timestamp is within the tolerance of the hub's clock either way: its bytes
    // can come again until the tolerance past that timestamp, which is at most twice the tolerance after it was taken.
    replayWindowMs: 2 * options.toleranceMs,
    // The generic scheme's orders are the hub's own shape, about 1 KB a line at its longest texts: 200 lines and room.
    maxWebhookBytes: 524_288,
    screenWebhook,
    verifyWebhook,
    readOrder: () => Effect.succeed(undefined),
    ordersChangedSince: (cursor) =>
      options.shopUrl === undefined
        ? Effect.succeed({ orders: [], cursor: cursor ?? "", more: false })
        : Effect.gen(function* () {
            // The shop pages with its own cursor; the README asks it for a position (change time, id), not an offset.
            const page = yield* answer(
              decodePage,
              "GET",
              `/orders?since=${encodeURIComponent(cursor ?? "")}`,
              undefined
            )
            // A next page needs orders on this one and a cursor that moves on: otherwise the same page would be
            // asked for again for ever, and the catch-up would never move past it.
            const more = page.more && page.orders.length > 0 && page.cursor !== (cursor ?? "")
            return { orders: page.orders.map(toDraft), cursor: page.cursor, more }
          }),
    fulfill: (push: FulfillmentPush) =>
      Effect.gen(function* () {
        const body = yield* answer(decodeFulfilled, "POST", "/fulfillments", push, push.idempotencyKey)
        return { shopFulfillmentId: body.id ?? push.idempotencyKey, alreadyThere: body.alreadyThere === true }
      }),
    refund: (push: RefundPush) =>
      Effect.gen(function* () {
        const body = yield* answer(decodeRefunded, "POST", "/refunds", push, push.idempotencyKey)
        return body.status === "failed"
          ? ({
              status: "failed",
              // The shop's reason goes to the Shop card, the station and the log: words, without a customer's data.
              reason: shopWords(body.reason ?? "") ?? "the shop refused the refund"
            } satisfies RefundResult)
          : ({
              status: "issued",
              shopRefundId: body.id ?? push.idempotencyKey,
              amountCents: push.amountCents
            } satisfies RefundResult)
      }),
    // The same outbound path as fulfillments: `POST <shopUrl>/addresses`, signed, the push's key as Idempotency-Key.
    // Without a shopUrl the push fails as Rejected with that reason, for a manager to see on the Shop card.
    updateAddress: (push: AddressPush) =>
      Effect.gen(function* () {
        const address = yield* outgoingAddress(name, push)
        const body = yield* answer(
          decodeAddressed,
          "POST",
          "/addresses",
          {
            idempotencyKey: push.idempotencyKey,
            orderId: push.orderId,
            shopOrderId: push.shopOrderId,
            shipTo: push.shipTo,
            address
          },
          push.idempotencyKey
        )
        return { shopAddressId: body.id ?? push.shopOrderId }
      }),
    check: Effect.gen(function* () {
      if (options.shopUrl === undefined) {
        return [{ name: "reachable" as const, ok: true, detail: "inbound webhooks only (no shopUrl)" }]
      }
      const answer = yield* Effect.result(request("GET", "/orders?since=", undefined))
      return [
        {
          name: "reachable" as const,
          ok: answer._tag === "Success" || answer.failure.reason !== "Unavailable",
          detail: answer._tag === "Success" ? options.shopUrl : answer.failure.message
        },
        {
          name: "authenticated" as const,
          ok: answer._tag === "Success",
          detail: answer._tag === "Success" ? "signature accepted" : answer.failure.message
        }
      ]
    })
  }
}
