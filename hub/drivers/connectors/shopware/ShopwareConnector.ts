/** The Shopware 6 shop connector over its Admin API. */
import { createHash } from "node:crypto"
import { Effect, Schema } from "effect"
import { Bounds, Counter } from "../../../../core/bounds/Bounds.ts"
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
import { decodeShopAnswer, parseShopAnswer, type ShopAnswerDecoder } from "../decodeShopAnswer.ts"
import { isObject } from "../orderShape.ts"
import { outgoingAddress } from "../outgoingAddress.ts"
import { plausibleChange } from "../plausibleChange.ts"
import { shopAnswerText } from "../shopAnswerText.ts"
import { shopErrorForFailure, shopErrorForStatus } from "../shopHttpError.ts"
import { requireSignatureHeader, signatureRefusal, webhookObject } from "../webhookHmac.ts"
import { mapShopwareOrder, orderAssociations } from "./mapShopwareOrder.ts"

export interface ShopwareCredentials {
  /** An integration's access key id and secret (Admin API, grant type client_credentials). */
  readonly clientId: string
  readonly clientSecret: string
  /** The app secret Shopware signs app webhooks with (`shopware-shop-signature`). */
  readonly appSecret: string
}

export interface ShopwareOptions {
  readonly settings: ConnectorSettings
  readonly credentials: ShopwareCredentials
  /** The shop's address, `https://shop.example.com` (the Admin API is below `/api`). */
  readonly url: string
  /** The webhook URL the app registered, for `doctor`; absent: any webhook for orders counts. */
  readonly webhookUrl: string | undefined
  readonly timeoutMs: number
  /** The hub's clock: when the token runs out, and what a Retry-After date means. */
  readonly clock: StationClock["Service"]
  /** The most an answer may hold (default `Bounds.maxAnswerBytes`). */
  readonly maxAnswerBytes?: number
}

/** Shopware ids are 32 hex digits; one made from the idempotency key names the same refund on every retry. */
const idFor = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 32)

/** An id from an answer goes into a later request's path, or names an entity in its body, only as Shopware makes them. */
const ShopwareId = Schema.String.check(
  Schema.isPattern(/^[0-9a-f]{32}$/, { expected: "a Shopware id (32 lower-case hex digits)" })
)

/** An entity's state machine state (the association asked for); null when the shop has none for it. */
const StateOf = Schema.NullOr(Schema.Struct({ technicalName: Schema.String }))

/**
 * The Admin API's search answer (`POST /api/search/<entity>`), its entities decoded by `entity`. The orders themselves
 * stay unknown for `mapShopwareOrder`, which withholds an order it cannot read with the reason: one broken order is
 * quarantined for a person instead of failing every catch-up.
 */
const SearchAnswer = <A>(entity: Schema.Decoder<A>) =>
  Schema.Struct({ total: Schema.optional(Counter), data: Schema.Array(entity) })

/**
 * The OAuth token answer: a token that goes into the Authorization header as it is (visible ASCII, no line break) and
 * its lifetime in seconds.
 */
const decodeToken = decodeShopAnswer(
  Schema.Struct({
    access_token: Schema.String.check(Schema.isPattern(/^[\x21-\x7e]{1,8192}$/, { expected: "a bearer token" })),
    expires_in: Schema.Finite.check(Schema.isGreaterThan(0))
  })
)
const decodeOrderSearch = decodeShopAnswer(SearchAnswer(Schema.Unknown))
/** What a fulfillment reads of the order: its deliveries' ids, tracking codes and states. */
const decodeDeliverySearch = decodeShopAnswer(
  SearchAnswer(
    Schema.Struct({
      deliveries: Schema.Array(
        Schema.Struct({ id: ShopwareId, trackingCodes: Schema.Array(Schema.String), stateMachineState: StateOf })
      )
    })
  )
)
/** What an address correction reads of the order: the first delivery's address id and country. */
const decodeDeliveryAddressSearch = decodeShopAnswer(
  SearchAnswer(
    Schema.Struct({
      deliveries: Schema.Array(
        Schema.Struct({
          shippingOrderAddressId: Schema.optional(ShopwareId),
          shippingOrderAddress: Schema.NullOr(
            Schema.Struct({ country: Schema.NullOr(Schema.Struct({ iso: Schema.String })) })
          )
        })
      )
    })
  )
)
const decodeCaptureSearch = decodeShopAnswer(SearchAnswer(Schema.Struct({ id: ShopwareId })))
const decodeRefundSearch = decodeShopAnswer(SearchAnswer(Schema.Struct({ stateMachineState: StateOf })))
const decodeWebhookSearch = decodeShopAnswer(
  SearchAnswer(Schema.Struct({ eventName: Schema.String, url: Schema.String, active: Schema.Boolean }))
)
const decodeVersion = decodeShopAnswer(Schema.Struct({ version: Schema.String }))

const price = (cents: number, quantity: number) => ({
  unitPrice: cents / 100 / quantity,
  quantity,
  totalPrice: cents / 100,
  calculatedTaxes: [],
  taxRules: []
})

/**
 * Shopware 6 over its Admin API (OAuth client credentials), every answer read up to a bound. Orders come by the app's
 * webhooks (`checkout.order.placed`, `order.written`, `state_enter.order.state.cancelled`), which name the order, and
 * by a catch-up search on `updatedAt`/`createdAt`. A fulfillment adds the tracking code to the order's delivery and
 * runs the delivery's `ship` transition (`ship_partially` while units remain open) — after looking whether the code is
 * already there. A refund is an `order_transaction_capture_refund` whose id is made from the idempotency key, so a
 * retried refund finds the one it created instead of making a second, then processed by the payment handler.
 */
export const makeShopwareConnector = (options: ShopwareOptions): ShopConnector => {
  const name = `Shopware ${options.url}`
  const api = `${options.url.replace(/\/$/, "")}/api`
  const maxAnswerBytes = options.maxAnswerBytes ?? Bounds.maxAnswerBytes
  const nowMs = Effect.map(options.clock.now, (now) => now.wallMs)
  /** The integration's bearer token and when to fetch a new one (the hub's clock); none before the first call. */
  let session: { readonly token: string; readonly renewAtMs: number } | undefined

  /**
   * One request to the Admin API, its answer read up to `maxAnswerBytes` (as every connector reads its shop's) and
   * parsed as JSON; an empty answer (204) is undefined. Plain requests, not `@shopware/api-client`: that client reads
   * every answer whole through ofetch, token answers included, and takes no fetch that could bound it.
   */
  const send = (method: "GET" | "POST" | "PATCH", path: string, body: unknown, token: string | undefined) =>
    Effect.gen(function* () {
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(`${api}${path}`, {
            method,
            headers: {
              accept: "application/json",
              ...(body === undefined ? {} : { "content-type": "application/json" }),
              ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)])
          }),
        catch: (error) => shopErrorForFailure(name, error)
      })
      const text = yield* shopAnswerText(name, response, maxAnswerBytes)
      if (!response.ok)
        return yield* shopErrorForStatus(
          name,
          "shopware",
          response.status,
          text,
          response.headers.get("retry-after"),
          yield* nowMs
        )
      if (text.trim() === "") return undefined
      return yield* parseShopAnswer(name, `${method} ${path}`, text)
    })

  /** The token of the OAuth client-credentials grant, fetched anew a minute before Shopware lets it run out. */
  const accessToken = Effect.gen(function* () {
    const askedMs = yield* nowMs
    if (session !== undefined && askedMs < session.renewAtMs) return session.token
    const answer = yield* send(
      "POST",
      "/oauth/token",
      {
        grant_type: "client_credentials",
        client_id: options.credentials.clientId,
        client_secret: options.credentials.clientSecret
      },
      undefined
    )
    const granted = yield* decodeToken(name, "POST /oauth/token", answer)
    session = { token: granted.access_token, renewAtMs: askedMs + granted.expires_in * 1000 - 60_000 }
    return granted.access_token
  })

  /** A call to the Admin API with the integration's token; its answer (parsed JSON) is for a decoder to read. */
  const call = (method: "GET" | "POST" | "PATCH", path: string, body?: unknown) =>
    Effect.gen(function* () {
      return yield* send(method, path, body, yield* accessToken).pipe(
        // A refused token is fetched anew on the next call instead of being kept until it runs out.
        Effect.tapError((error) =>
          Effect.sync(() => {
            if (error.reason === "Unauthorized") session = undefined
          })
        )
      )
    }).pipe(
      // A slow token request and a slow call count against one timeout.
      Effect.timeoutOrElse({
        duration: options.timeoutMs,
        orElse: () =>
          Effect.fail(
            new ShopError({ reason: "Unavailable", message: `${name} did not answer within ${options.timeoutMs} ms` })
          )
      })
    )

  /** `POST /search/<entity>` with `criteria`, its answer read by `decode`. */
  const search = <A>(entity: string, criteria: Record<string, unknown>, decode: ShopAnswerDecoder<A>) =>
    Effect.flatMap(call("POST", `/search/${entity}`, criteria), (answer) =>
      decode(name, `POST /search/${entity}`, answer)
    )

  /** The orders the criteria find, with the associations the mapping reads, their answer read by `decode`. */
  const findOrders = <A>(criteria: Record<string, unknown>, decode: ShopAnswerDecoder<A>) =>
    search("order", { ...criteria, associations: orderAssociations, "total-count-mode": 1 }, decode)

  /** The orders the criteria find, each for `mapShopwareOrder`. */
  const searchOrders = (criteria: Record<string, unknown>) => findOrders(criteria, decodeOrderSearch)

  const readOrder = (shopOrderId: string) =>
    Effect.gen(function* () {
      if (!/^[0-9a-f]{32}$/.test(shopOrderId)) return undefined
      const order = (yield* searchOrders({ ids: [shopOrderId], limit: 1 })).data[0]
      return order === undefined ? undefined : mapShopwareOrder(order)
    })

  /**
   * Where a catch-up stands. Shopware leaves `updatedAt` null until an order is first changed, so what changed since
   * is two lists, each with its own bound (inclusive): the orders never changed, created from `created`, and the
   * changed ones, updated from `updated`; `page` of the two.
   */
  interface PollCursor {
    readonly created: string
    readonly updated: string
    readonly page: number
  }

  /** A time as Shopware writes it in its answers. */
  const shopwareTime = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00")

  const readCursor = (cursor: string | undefined, sinceMs: number): PollCursor => {
    if (cursor === undefined) return { created: shopwareTime(sinceMs), updated: shopwareTime(sinceMs), page: 1 }
    const stored = JSON.parse(cursor) as PollCursor | { readonly since: string }
    // An older hub's cursor (since, page, max) has one bound for both lists, and its page counted a list sorted
    // otherwise: the pass starts again from that bound.
    return "since" in stored ? { created: stored.since, updated: stored.since, page: 1 } : stored
  }

  const ordersChangedSince = (cursor: string | undefined, sinceMs: number, nowMs: number) =>
    Effect.gen(function* () {
      const at = readCursor(cursor, sinceMs)
      // Sorted by `updatedAt` (NULL first in MySQL) then `createdAt`, each list comes in order of its own bound,
      // whichever of the two the shop puts first.
      const result = yield* searchOrders({
        page: at.page,
        limit: 50,
        filter: [
          {
            type: "multi",
            operator: "or",
            queries: [
              {
                type: "multi",
                operator: "and",
                queries: [
                  { type: "equals", field: "updatedAt", value: null },
                  { type: "range", field: "createdAt", parameters: { gte: at.created } }
                ]
              },
              { type: "range", field: "updatedAt", parameters: { gte: at.updated } }
            ]
          }
        ],
        sort: [
          { field: "updatedAt", order: "ASC" },
          { field: "createdAt", order: "ASC" },
          { field: "id", order: "ASC" }
        ]
      })
      // Only a plausible change time moves a bound (one far ahead would hide every order to come).
      let createdMs = Date.parse(at.created)
      let updatedMs = Date.parse(at.updated)
      for (const order of result.data) {
        // An entry that is no order (mapped to a withheld one below) has no change time to take.
        if (!isObject(order)) continue
        const never = order.updatedAt === null || order.updatedAt === undefined
        const text = never ? order.createdAt : order.updatedAt
        const changedMs = typeof text === "string" ? Date.parse(text) : Number.NaN
        if (!plausibleChange(changedMs, nowMs)) continue
        if (never && changedMs > createdMs) createdMs = changedMs
        if (!never && changedMs > updatedMs) updatedMs = changedMs
      }
      // An empty page ends the pass whatever total the shop claims: paging on through empty pages would keep the
      // catch-up from ever starting again at what changed since.
      const more = result.data.length > 0 && at.page * 50 < (result.total ?? 0)
      // Keyset paging: the next page asks again from the newest times read, not for page N + 1. Offset paging lost
      // changes: an order read on an earlier page that changed meanwhile was not read again, and a later page's
      // newer change then moved the next pass's bound past it. Now such an order moves to the end of the changed
      // list, still ahead; the orders at the bounds are read again, and the hub drops the repeats as stale.
      const moved = createdMs > Date.parse(at.created) || updatedMs > Date.parse(at.updated)
      // A page whose times all equal the bounds gives no newer time to ask from: only then the next page number.
      const next: PollCursor = moved
        ? { created: shopwareTime(createdMs), updated: shopwareTime(updatedMs), page: 1 }
        : { ...at, page: more ? at.page + 1 : 1 }
      return { orders: result.data.map(mapShopwareOrder), cursor: JSON.stringify(next), more }
    })

  const fulfill = (push: FulfillmentPush) =>
    Effect.gen(function* () {
      // The delivery's id goes into the requests' paths: the answer is decoded with it as a Shopware id.
      const found = yield* findOrders({ ids: [push.shopOrderId], limit: 1 }, decodeDeliverySearch)
      const delivery = found.data[0]?.deliveries[0]
      if (delivery === undefined) {
        return yield* new ShopError({
          reason: "Rejected",
          message: `${name}: order ${push.shopOrderId} has no delivery`
        })
      }
      const state = delivery.stateMachineState?.technicalName ?? "open"
      const hasCode = delivery.trackingCodes.includes(push.trackingNumber)
      if (!hasCode) {
        yield* call("PATCH", `/order-delivery/${delivery.id}`, {
          trackingCodes: [...delivery.trackingCodes, push.trackingNumber]
        })
      }
      // open → ship_partially → shipped_partially → ship → shipped; nothing to do once shipped.
      const transition =
        state === "shipped" ? undefined : push.completesOrder ? "ship" : state === "open" ? "ship_partially" : undefined
      if (transition !== undefined) {
        yield* call("POST", `/_action/order_delivery/${delivery.id}/state/${transition}`, {})
      }
      return { shopFulfillmentId: `${delivery.id}/${push.trackingNumber}`, alreadyThere: hasCode }
    })

  const refundState = (refundId: string) =>
    Effect.map(
      search(
        "order-transaction-capture-refund",
        { ids: [refundId], associations: { stateMachineState: {} } },
        decodeRefundSearch
      ),
      (result) => result.data[0]
    )

  const refund = (push: RefundPush) =>
    Effect.gen(function* () {
      const refundId = idFor(push.idempotencyKey)
      let existing = yield* refundState(refundId)
      if (existing === undefined) {
        const captures = yield* search(
          "order-transaction-capture",
          { filter: [{ type: "equals", field: "transaction.orderId", value: push.shopOrderId }], limit: 1 },
          decodeCaptureSearch
        )
        const capture = captures.data[0]
        if (capture === undefined) {
          return {
            status: "failed",
            reason: `${name}: order ${push.shopOrderId} has no captured payment to refund`
          } satisfies RefundResult
        }
        yield* call("POST", "/order-transaction-capture-refund", {
          id: refundId,
          captureId: capture.id,
          reason: push.note,
          externalReference: push.idempotencyKey,
          amount: price(push.amountCents, 1),
          positions: push.lines.map((line) => ({
            orderLineItemId: line.shopLineId,
            quantity: line.quantity,
            amount: price(line.amountCents, line.quantity)
          }))
        })
        existing = yield* refundState(refundId)
      }
      let state = existing?.stateMachineState?.technicalName ?? "open"
      if (state === "open") {
        // The payment handler pays it out; its outcome is the refund's state.
        yield* call("POST", `/_action/order_transaction_capture_refund/${refundId}`, {})
        state = (yield* refundState(refundId))?.stateMachineState?.technicalName ?? "open"
      }
      if (state === "completed")
        return { status: "issued", shopRefundId: refundId, amountCents: push.amountCents } satisfies RefundResult
      if (state === "failed" || state === "cancelled") {
        return { status: "failed", reason: `the payment handler left the refund ${state}` } satisfies RefundResult
      }
      return yield* new ShopError({
        reason: "Unavailable",
        message: `${name}: refund ${refundId} is ${state}`,
        retryAfterMs: 30_000
      })
    })

  /**
   * The delivery's `order_address` (its `shippingOrderAddressId`) patched with the corrected fields. The country is
   * the order's (the correction page cannot change it) and the region stays as it is: Shopware keeps both as ids.
   */
  const updateAddress = (push: AddressPush) =>
    Effect.gen(function* () {
      const address = yield* outgoingAddress(name, push)
      // The address id goes into the request's path: the answer is decoded with it as a Shopware id.
      const found = yield* findOrders({ ids: [push.shopOrderId], limit: 1 }, decodeDeliveryAddressSearch)
      const delivery = found.data[0]?.deliveries[0]
      const addressId = delivery?.shippingOrderAddressId
      if (delivery === undefined || addressId === undefined) {
        return yield* new ShopError({
          reason: "Rejected",
          message: `${name}: order ${push.shopOrderId} has no delivery address to correct`
        })
      }
      const country = delivery.shippingOrderAddress?.country?.iso
      if (country !== undefined && country !== address.country) {
        return yield* new ShopError({
          reason: "Rejected",
          message: `${name}: order ${push.shopOrderId} ships to ${country}, the correction to ${address.country}`
        })
      }
      yield* call("PATCH", `/order-address/${addressId}`, {
        firstName: address.firstName,
        lastName: address.lastName,
        company: address.company ?? null,
        street: address.line1,
        additionalAddressLine1: address.line2 ?? null,
        zipcode: address.postalCode,
        city: address.city
      })
      return { shopAddressId: addressId }
    })

  const verifyWebhook: ShopConnector["verifyWebhook"] = (webhook) =>
    Effect.suspend(() => {
      const unsigned = signatureRefusal(options.credentials.appSecret, webhook, "shopware-shop-signature", "hex")
      if (unsigned !== undefined) return Effect.fail(unsigned)
      const body = webhookObject(webhook.body)
      if (typeof body === "string") return Effect.fail(new WebhookRefused({ status: 400, message: body, signed: true }))
      const payload = isObject(body.data) ? body.data.payload : undefined
      const ids = new Set<string>()
      if (Array.isArray(payload)) {
        for (const entry of payload) {
          if (isObject(entry) && entry.entity === "order" && typeof entry.primaryKey === "string")
            ids.add(entry.primaryKey)
        }
      } else if (isObject(payload)) {
        const order = payload.order
        if (isObject(order) && typeof order.id === "string") ids.add(order.id)
      }
      const eventId = isObject(body.source) && typeof body.source.eventId === "string" ? body.source.eventId : undefined
      return Effect.succeed(
        [...ids]
          .filter((id) => /^[0-9a-f]{32}$/.test(id))
          .map((id) => ({
            deliveryId: eventId === undefined ? undefined : `${eventId}/${id}`,
            shopOrderId: id,
            order: undefined
          }))
      )
    })

  const check = Effect.gen(function* () {
    const version = yield* Effect.result(
      Effect.flatMap(call("GET", "/_info/version"), (answer) => decodeVersion(name, "GET /_info/version", answer))
    )
    const checks = connectionChecks(name, version, (answer) => ({
      reachable: `${name} (Shopware ${answer.version})`,
      authenticated: "integration credentials accepted"
    }))
    if (version._tag === "Failure") return checks
    const hooks = yield* Effect.result(search("webhook", { limit: 100 }, decodeWebhookSearch))
    const active = hooks._tag === "Success" ? hooks.success.data.filter((hook) => hook.active) : []
    const forOrders = active.filter(
      (hook) =>
        (hook.eventName === "checkout.order.placed" || hook.eventName === "order.written") &&
        (options.webhookUrl === undefined || hook.url === options.webhookUrl)
    )
    checks.push({
      name: "webhook registered",
      ok: forOrders.length > 0,
      detail:
        hooks._tag === "Failure"
          ? hooks.failure.message
          : forOrders.length > 0
            ? forOrders.map((hook) => hook.eventName).join(", ")
            : "no active webhook for checkout.order.placed or order.written"
    })
    return checks
  })

  return {
    settings: options.settings,
    replayWindowMs: deliveryRetentionMs,
    // Shopware's webhook only names the written entities (about 200 bytes each): a bulk write of a thousand orders fits.
    maxWebhookBytes: 262_144,
    screenWebhook: requireSignatureHeader("shopware-shop-signature"),
    verifyWebhook,
    readOrder,
    ordersChangedSince,
    fulfill,
    refund,
    updateAddress,
    check
  }
}
