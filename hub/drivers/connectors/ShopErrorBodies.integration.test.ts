import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { StationClock } from "../../../core/time/Clock.ts"
import { type RecordingReceiver, startRecordingReceiver } from "../../../fixtures/http/RecordingReceiver.ts"
import { NOW, sampleFulfillmentPush, testSettings } from "../../../fixtures/shops/shopOrderDrafts.ts"
import type { RefundPush, ShopConnector, ShopError } from "../../core/shop/ShopConnector.ts"
import { SHOP_WORDS_MAX } from "./shopErrorWords.ts"
import { makeShopifyConnector } from "./shopify/ShopifyConnector.ts"
import { makeShopwareConnector } from "./shopware/ShopwareConnector.ts"
import { makeSignedWebhookConnector } from "./webhook/SignedWebhookConnector.ts"
import { makeWooCommerceConnector } from "./woocommerce/WooCommerceConnector.ts"

/**
 * What a shop answers to a refused request reaches the Shop card, the hub's database and its log. Shops echo what they
 * were sent and what they hold: an order's whole JSON with its customer, an error page, a body of a megabyte, bytes
 * that are no UTF-8. Each connector keeps only the message and code fields of its shop's documented error shape, at
 * most `SHOP_WORDS_MAX` characters, with what looks like an e-mail address, a phone number or a street address line
 * taken out; the rest of the body never leaves the connector.
 */

const hubClock = StationClock.manual(NOW).clock

/** The customer a hostile answer echoes back: none of it may reach the error. */
const customer = {
  email: "mia.berg@example.com",
  phone: "+49 40 1234 5678",
  street: "Hafenstraße 11",
  postalCity: "20459 Hamburg"
}
const customerTraces = ["mia.berg", "example.com", "1234 5678", "Hafenstraße", "20459", "<html", '{"', "\uFFFD"]

/** An order as the shops hold it, with its customer: what a shop that echoes its state sends back. */
const orderJson = {
  id: 1001,
  email: customer.email,
  billing: { first_name: "Mia", last_name: "Berg", phone: customer.phone, email: customer.email },
  shipping: { address_1: customer.street, postcode: "20459", city: "Hamburg", country: "DE" },
  line_items: [{ id: 1, sku: "MUG-1", quantity: 1, total: "12.90" }]
}
const pii = `customer ${customer.email} (${customer.phone}) at ${customer.street}, ${customer.postalCity}`

interface Answer {
  readonly status: number
  readonly type: string
  readonly body: Buffer
}

let next: Answer = { status: 500, type: "text/plain", body: Buffer.from("") }
let shop: RecordingReceiver
let url = ""

beforeAll(async () => {
  shop = await startRecordingReceiver(() => next)
  url = shop.url
})

afterAll(() => shop.close())

const json = (status: number, body: unknown): Answer => ({
  status,
  type: "application/json",
  body: Buffer.from(JSON.stringify(body))
})

interface Shop {
  readonly name: string
  readonly connector: () => ShopConnector
  /** The call the answer goes to. */
  readonly call: (connector: ShopConnector) => Effect.Effect<unknown, ShopError>
  /** The shop's documented error shape, carrying `words` and the order's whole JSON beside them. */
  readonly documented: (words: string) => unknown
  /** What the connector keeps of `documented` (its words with the customer's data taken out). */
  readonly kept: RegExp
}

const shops: ReadonlyArray<Shop> = [
  {
    name: "Shopify",
    connector: () =>
      makeShopifyConnector({
        settings: testSettings,
        credentials: { accessToken: "shpat_test_0123456789", webhookSecret: "shopify-app-secret-0123" },
        shopDomain: "alpenglow.myshopify.com",
        apiVersion: "2026-04",
        endpoint: url,
        timeoutMs: 2_000,
        notifyCustomer: false,
        log: () => {},
        clock: hubClock
      }),
    call: (connector) => connector.readOrder("gid://shopify/Order/1001"),
    // REST's `{"errors": …}`, which the Admin API answers a refused token or scope with.
    documented: (words) => ({ errors: `[API] ${words}`, order: orderJson }),
    kept: /^\[API\] Order locked for customer \[e-mail\] \(\[phone\]\) at \[address\], \[address\]$/
  },
  {
    name: "Shopware",
    connector: () =>
      makeShopwareConnector({
        settings: { ...testSettings, id: "shopware", type: "shopware", orderIdPrefix: "SW" },
        credentials: { clientId: "SWIA0123456789ABCDEF", clientSecret: "secret", appSecret: "app-secret" },
        url,
        webhookUrl: undefined,
        timeoutMs: 2_000,
        clock: hubClock
      }),
    call: (connector) => connector.readOrder("0123456789abcdef0123456789abcdef"),
    documented: (words) => ({
      errors: [
        {
          status: "400",
          code: "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
          title: "Constraint violation",
          detail: words,
          meta: { parameters: { order: orderJson } }
        }
      ]
    }),
    kept: /^FRAMEWORK__WRITE_CONSTRAINT_VIOLATION: Order locked for customer \[e-mail\] \(\[phone\]\) at \[address\], \[address\]$/
  },
  {
    name: "WooCommerce",
    connector: () =>
      makeWooCommerceConnector({
        settings: { ...testSettings, id: "woo", type: "woocommerce", orderIdPrefix: "WC" },
        credentials: { consumerKey: "ck_0123456789abcdef", consumerSecret: "cs_0123456789abcdef", webhookSecret: "x" },
        url,
        completedStatus: "completed",
        timeoutMs: 2_000,
        clock: hubClock
      }),
    call: (connector) => connector.readOrder("1001"),
    documented: (words) => ({
      code: "woocommerce_rest_cannot_edit",
      message: words,
      data: { status: 400, order: orderJson }
    }),
    kept: /^woocommerce_rest_cannot_edit: Order locked for customer \[e-mail\] \(\[phone\]\) at \[address\], \[address\]$/
  },
  {
    name: "generic",
    connector: () =>
      makeSignedWebhookConnector({
        settings: { ...testSettings, id: "generic", type: "webhook", orderIdPrefix: "GEN" },
        credentials: { secret: "generic-shop-secret-0123" },
        shopUrl: url,
        timeoutMs: 2_000,
        toleranceMs: 300_000,
        clock: hubClock
      }),
    call: (connector) => connector.fulfill(sampleFulfillmentPush),
    documented: (words) => ({ code: "order_locked", message: words, order: orderJson }),
    kept: /^order_locked: Order locked for customer \[e-mail\] \(\[phone\]\) at \[address\], \[address\]$/
  }
]

/** The shop's words as the error keeps them: after "answered <status>: ", or none. */
const wordsIn = (message: string) => /answered \d{3}: (.*)$/.exec(message)?.[1]

const expectNoCustomerData = (text: string) => {
  for (const trace of customerTraces) expect(text, trace).not.toContain(trace)
}

describe.each(shops)("$name: a refused request's answer", (shop) => {
  const failure = async (answer: Answer) => {
    next = answer
    return Effect.runPromise(Effect.flip(shop.call(shop.connector())))
  }

  it("keeps the documented error fields, without the customer's e-mail, phone or address, and nothing else", async () => {
    for (const status of [401, 403, 422]) {
      const error = await failure(json(status, shop.documented(`Order locked for ${pii}`)))
      expect(error.reason, String(status)).toBe(status === 422 ? "Rejected" : "Unauthorized")
      expectNoCustomerData(error.message)
      expect(wordsIn(error.message), error.message).toMatch(shop.kept)
    }
  })

  it("keeps nothing of an answer that is the order's whole JSON, an HTML page, or no JSON at all", async () => {
    const bodies: ReadonlyArray<Answer> = [
      json(422, orderJson),
      json(401, { data: orderJson, message_for_humans: pii }),
      {
        status: 403,
        type: "text/html",
        body: Buffer.from(`<html><body><h1>403 Forbidden</h1><p>Order of ${pii}</p></body></html>`)
      },
      { status: 400, type: "text/plain", body: Buffer.from(`Order of ${pii}`) }
    ]
    for (const body of bodies) {
      const error = await failure(body)
      expectNoCustomerData(error.message)
      expect(error.message).toMatch(/answered \d{3} and gave no reason the hub can read$/)
    }
  })

  it("bounds words of a megabyte, and reads words that are no UTF-8 without the bytes that are not", async () => {
    const huge = await failure(json(422, shop.documented(`${pii} ${"Wort ".repeat(200_000)}`)))
    expectNoCustomerData(huge.message)
    expect(wordsIn(huge.message)?.length).toBeLessThanOrEqual(SHOP_WORDS_MAX)
    expect(huge.message.length).toBeLessThan(300)

    const documented = JSON.stringify(shop.documented("Zugriff verweigert: MARKER"))
    const [before, after] = documented.split("MARKER") as [string, string]
    // Latin-1 "für" and a lone continuation byte where the shop's words are, and the customer's e-mail after them.
    const latin1 = Buffer.concat([
      Buffer.from(before),
      Buffer.from([0x66, 0xfc, 0x72, 0x20, 0x80, 0x20]),
      Buffer.from(customer.email),
      Buffer.from(after)
    ])
    const garbled = await failure({ status: 401, type: "application/json", body: latin1 })
    expectNoCustomerData(garbled.message)
    expect(wordsIn(garbled.message)).toContain("Zugriff verweigert: f r")
  })
})

describe("Shopify's GraphQL errors and user errors", () => {
  const shopify = shops[0]!
  it("keep the errors' and user errors' messages, without the customer's data", async () => {
    next = json(200, { errors: [{ message: `Order locked for ${pii}`, extensions: { code: "BAD_REQUEST" } }] })
    const error = await Effect.runPromise(Effect.flip(shopify.call(shopify.connector())))
    expect(error.reason).toBe("Rejected")
    expectNoCustomerData(error.message)
    expect(error.message).toContain("Order locked for customer [e-mail]")

    next = json(200, {
      data: {
        orderUpdate: {
          order: null,
          userErrors: [{ field: ["shippingAddress"], message: `${"Invalid address ".repeat(100)}${pii}` }]
        }
      }
    })
    const refused = await Effect.runPromise(
      Effect.flip(
        shopify.connector().updateAddress({
          idempotencyKey: "packbench-address-SHOP-1-hold-1",
          orderId: "SHOP-1",
          shopOrderId: "gid://shopify/Order/1001",
          shipTo: { name: "Mia Berg", street1: "Hafenstraße 11", postalCode: "20459", city: "Hamburg", country: "DE" }
        })
      )
    )
    expectNoCustomerData(refused.message)
    expect(refused.message.length).toBeLessThan(300)
  })
})

describe("the generic shop's refusal of a refund", () => {
  it("keeps its reason bounded and without the customer's data", async () => {
    const generic = shops[3]!
    const refund: RefundPush = {
      idempotencyKey: "packbench-refund-GEN-1-R-1",
      orderId: "GEN-1",
      shopOrderId: "1",
      currency: "EUR",
      lines: [{ lineId: "L1", shopLineId: "L1", quantity: 1, amountCents: 1290 }],
      amountCents: 1290,
      note: "return R-1"
    }
    next = json(200, { status: "failed", reason: `Card declined for ${pii} ${"x".repeat(1_000)}` })
    const result = await Effect.runPromise(generic.connector().refund(refund))
    expect(result.status).toBe("failed")
    const reason = result.status === "failed" ? result.reason : ""
    expectNoCustomerData(reason)
    expect(reason.length).toBeLessThanOrEqual(SHOP_WORDS_MAX)
    expect(reason).toMatch(/^Card declined for customer \[e-mail\]/)
  })
})
