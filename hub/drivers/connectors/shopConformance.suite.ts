import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { Order } from "../../../core/orders/Order.ts"
import type { FakeOrder, FakeShopCore } from "../../../fixtures/shops/FakeShopCore.ts"
import { mapShopOrder } from "../../core/shop/mapShopOrder.ts"
import type { ShopConnector } from "../../core/shop/ShopConnector.ts"

/** A fake shop with its adapter, as each shop's conformance run needs them. */
export interface ConformanceRig {
  readonly fake: FakeShopCore & { readonly placeOrder: (order: Order) => Promise<{ order: FakeOrder }> }
  readonly connector: ShopConnector
  /** The shop's line id the adapter reports for a line of a fake order. */
  readonly shopLineId: (order: FakeOrder, lineId: string) => string
  readonly shopOrderId: (order: FakeOrder) => string
  /** A signed webhook for the order, as the shop would send it, and one with a wrong signature. */
  readonly webhook: (order: FakeOrder, forged: boolean) => { headers: Record<string, string>; body: Uint8Array }
  /** The shop records which units each parcel held (Shopware's delivery only keeps the tracking codes). */
  readonly tracksUnits: boolean
  readonly close: () => Promise<void>
}

export const sampleOrder = (n: number): Order => ({
  orderId: `SIM-T-${n}`,
  version: 1,
  status: "open",
  brand: "alpenglow",
  customer: { customerId: `C-${n}`, firstName: "Mia", lastName: "Berg", email: `mia.${n}@example.com`, locale: "de" },
  shipTo: { name: "Mia Berg", street1: "Hafenstraße 1", postalCode: "20457", city: "Hamburg", country: "DE" },
  serviceLevel: "standard",
  carrier: "dhl-paket",
  lines: [
    { lineId: "1", sku: "ALP-MUG-01", gtin: "4260123450014", quantity: 2, unitPrice: 12.9 },
    { lineId: "2", sku: "ALP-BTL-05", quantity: 1, unitPrice: 24.9 }
  ],
  payment: { method: "card", currency: "EUR", total: 50.7 },
  placedAt: new Date().toISOString()
})

/**
 * What every adapter must do against its fake shop (the same requests the real shop answers): read orders by id and
 * by catch-up, verify webhooks and refuse forged ones, fulfil a parcel once even when asked twice, refund exactly
 * once per key, set a corrected shipping address (and refuse to send a hostile one), and report an unreachable or throttling shop as a reason the push queue acts on.
 */
export const shopConformanceSuite = (name: string, makeRig: () => Promise<ConformanceRig>) =>
  describe(`${name} connector against its fake shop`, () => {
    it("reads orders by id and by catch-up, mapped to orders the hub accepts", async () => {
      const rig = await makeRig()
      try {
        const placed = await rig.fake.placeOrder(sampleOrder(1))
        await rig.fake.placeOrder(sampleOrder(2))
        const read = await Effect.runPromise(rig.connector.readOrder(rig.shopOrderId(placed.order)))
        expect(read).toBeDefined()
        const mapped = mapShopOrder(read!, rig.connector.settings, Date.now())
        expect(mapped.ok ? mapped.mapped.order.lines.map((line) => [line.sku, line.quantity]) : mapped.reason).toEqual([
          ["ALP-MUG-01", 2],
          ["ALP-BTL-05", 1]
        ])
        expect(mapped.ok && mapped.mapped.order.shipTo.city).toBe("Hamburg")
        let cursor: string | undefined
        const seen: Array<string> = []
        for (let page = 0; page < 10; page++) {
          const result = await Effect.runPromise(
            rig.connector.ordersChangedSince(cursor, Date.now() - 3_600_000, Date.now())
          )
          seen.push(...result.orders.map((order) => order.shopOrderId))
          cursor = result.cursor
          if (!result.more) break
        }
        expect(new Set(seen).size).toBe(2)
      } finally {
        await rig.close()
      }
    })

    it("verifies webhooks over the raw body and refuses a forged one", async () => {
      const rig = await makeRig()
      try {
        const placed = await rig.fake.placeOrder(sampleOrder(3))
        const good = rig.webhook(placed.order, false)
        const notices = await Effect.runPromise(rig.connector.verifyWebhook({ headers: good.headers, body: good.body }))
        expect(notices.map((notice) => notice.shopOrderId)).toEqual([rig.shopOrderId(placed.order)])
        const forged = rig.webhook(placed.order, true)
        const refused = await Effect.runPromise(
          Effect.flip(rig.connector.verifyWebhook({ headers: forged.headers, body: forged.body }))
        )
        expect(refused.status).toBe(401)
      } finally {
        await rig.close()
      }
    })

    it("fulfils a parcel once, partially, even when the push is repeated", async () => {
      const rig = await makeRig()
      try {
        const placed = await rig.fake.placeOrder(sampleOrder(4))
        const push = {
          idempotencyKey: "packbench-ev-1",
          orderId: "X-4",
          shopOrderId: rig.shopOrderId(placed.order),
          parcelId: "P-4",
          carrier: "dhl-paket",
          carrierName: "DHL",
          trackingNumber: "00340434161094042557",
          trackingUrl: "https://www.dhl.de/track?piececode=00340434161094042557",
          lines: [{ lineId: "1", shopLineId: rig.shopLineId(placed.order, "1"), quantity: 1 }],
          completesOrder: false
        }
        const first = await Effect.runPromise(rig.connector.fulfill(push))
        const again = await Effect.runPromise(rig.connector.fulfill(push))
        expect(first.alreadyThere).toBe(false)
        expect(again.alreadyThere).toBe(true)
        expect(placed.order.fulfillments.map((f) => f.trackingNumber)).toEqual(["00340434161094042557"])
        if (rig.tracksUnits) expect(placed.order.fulfillments[0]?.lines).toEqual([{ lineId: "1", quantity: 1 }])
      } finally {
        await rig.close()
      }
    })

    it("refunds exactly once per key and refuses more than was paid", async () => {
      const rig = await makeRig()
      try {
        const placed = await rig.fake.placeOrder(sampleOrder(5))
        const push = {
          idempotencyKey: "packbench-ev-9",
          orderId: "X-5",
          shopOrderId: rig.shopOrderId(placed.order),
          currency: "EUR",
          lines: [{ lineId: "1", shopLineId: rig.shopLineId(placed.order, "1"), quantity: 1, amountCents: 1290 }],
          amountCents: 1290,
          note: "Packbench return R-1"
        }
        const first = await Effect.runPromise(rig.connector.refund(push))
        const again = await Effect.runPromise(rig.connector.refund(push))
        expect(first).toMatchObject({ status: "issued", amountCents: 1290 })
        expect(again).toEqual(first)
        expect(placed.order.refunds.map((refund) => refund.amountCents)).toEqual([1290])
        const tooMuch = await Effect.runPromise(
          Effect.result(
            rig.connector.refund({
              ...push,
              idempotencyKey: "packbench-ev-10",
              amountCents: 999_999,
              lines: [{ ...push.lines[0]!, amountCents: 999_999 }]
            })
          )
        )
        expect(tooMuch._tag === "Success" ? tooMuch.success.status : tooMuch.failure.reason).toMatch(/failed|Rejected/)
        expect(placed.order.refunds).toHaveLength(1)
      } finally {
        await rig.close()
      }
    })

    it("sets the customer's corrected shipping address through the shop's own call, and sends nothing it would refuse", async () => {
      const rig = await makeRig()
      try {
        const placed = await rig.fake.placeOrder(sampleOrder(7))
        const shopOrderId = rig.shopOrderId(placed.order)
        const push = {
          idempotencyKey: "packbench-address-X-7-hold-1",
          orderId: "X-7",
          shopOrderId,
          shipTo: {
            name: "Mia Berg",
            company: "Berg & Söhne",
            street1: "Hafenstraße 11",
            street2: "Hinterhaus",
            postalCode: "20459",
            city: "Hamburg",
            country: "DE"
          }
        }
        const first = await Effect.runPromise(rig.connector.updateAddress(push))
        expect(first.shopAddressId.length).toBeGreaterThan(0)
        expect(placed.order.addressUpdates).toHaveLength(1)
        expect(JSON.stringify(placed.order.addressUpdates[0]!.body)).toContain("Hafenstraße 11")
        // The shop now has the corrected address: a read through the adapter maps it back.
        const read = await Effect.runPromise(rig.connector.readOrder(shopOrderId))
        const mapped = mapShopOrder(read!, rig.connector.settings, Date.now())
        expect(mapped.ok && mapped.mapped.order.shipTo).toMatchObject({
          name: "Mia Berg",
          company: "Berg & Söhne",
          street1: "Hafenstraße 11",
          street2: "Hinterhaus",
          postalCode: "20459",
          city: "Hamburg",
          country: "DE"
        })
        // Setting the same address again (a retry after a timeout) leaves it as it is.
        await Effect.runPromise(rig.connector.updateAddress(push))
        expect(placed.order.order.shipTo.street1).toBe("Hafenstraße 11")
        // A field no shop should get is refused before any request, with the reason.
        const hostile = await Effect.runPromise(
          Effect.flip(
            rig.connector.updateAddress({ ...push, shipTo: { ...push.shipTo, city: "Hamburg\r\nX-Injected: 1" } })
          )
        )
        expect(hostile).toMatchObject({ reason: "Rejected" })
        expect(hostile.message).toContain("city holds a control character")
        expect(placed.order.addressUpdates).toHaveLength(2)
        // An order the shop does not have is the shop's refusal, named, not an outage.
        const unknown = await Effect.runPromise(
          Effect.flip(
            rig.connector.updateAddress({ ...push, shopOrderId: rig.shopOrderId({ ...placed.order, id: 99_999 }) })
          )
        )
        expect(unknown.reason).toBe("Rejected")
        // An outage is a reason to wait, as for every push.
        rig.fake.faults.status = { code: 503, count: 1 }
        expect((await Effect.runPromise(Effect.flip(rig.connector.updateAddress(push)))).reason).toBe("Unavailable")
      } finally {
        await rig.close()
      }
    })

    it("names a shop that is down, slow or throttling as a reason to wait, and refused credentials as such", async () => {
      const rig = await makeRig()
      try {
        const placed = await rig.fake.placeOrder(sampleOrder(6))
        const read = () => Effect.runPromise(Effect.flip(rig.connector.readOrder(rig.shopOrderId(placed.order))))
        rig.fake.faults.status = { code: 503, count: 1 }
        expect((await read()).reason).toBe("Unavailable")
        rig.fake.faults.status = { code: 429, count: 1, retryAfterSeconds: 2 }
        const limited = await read()
        expect(limited).toMatchObject({ reason: "RateLimited", retryAfterMs: 2000 })
        rig.fake.faults.hang = { ms: 1_500, count: 1 }
        expect((await read()).reason).toBe("Unavailable")
        rig.fake.faults.status = { code: 401, count: 1 }
        expect((await read()).reason).toBe("Unauthorized")
      } finally {
        await rig.close()
      }
    })
  })
