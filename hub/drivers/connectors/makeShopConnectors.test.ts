import { describe, expect, it } from "vitest"
import { StationClock } from "../../../core/time/Clock.ts"
import { defaultPushQueueSettings } from "../../core/shop/PushQueue.ts"
import { ShopConfigError, shopHubOptionsFrom } from "./makeShopConnectors.ts"

const options = (shops: Parameters<typeof shopHubOptionsFrom>[0]) =>
  shopHubOptionsFrom(shops, {}, "/", () => {}, StationClock.manual(0).clock)

describe("shopHubOptionsFrom", () => {
  it("takes the push queue's hand-over count, backoff and refund settling from hub.shops, in the units the queue counts in", () => {
    expect(
      options({
        connectors: [],
        handOverAfterAttempts: 3,
        retryBaseSeconds: 5,
        retryMaxSeconds: 600,
        refundSettleSeconds: 2
      }).queue
    ).toEqual({ handOverAfterAttempts: 3, retryBaseMs: 5_000, retryMaxMs: 600_000, refundSettleMs: 2_000 })
  })

  it("keeps the queue's defaults for what hub.shops leaves out: 8 failures, 2 s doubling to 15 min, 5 s to settle", () => {
    expect(options({ connectors: [] }).queue).toEqual(defaultPushQueueSettings)
    expect(defaultPushQueueSettings).toEqual({
      handOverAfterAttempts: 8,
      retryBaseMs: 2_000,
      retryMaxMs: 900_000,
      refundSettleMs: 5_000
    })
  })

  it("refuses sha256Signatures on a connector that is not the generic one, which would not read it", () => {
    const shopify = {
      id: "shopify",
      type: "shopify" as const,
      shopDomain: "alpenglow.myshopify.com",
      orderIdPrefix: "SHOP",
      sha256Signatures: "refuse" as const
    }
    expect(() => options({ connectors: [shopify] })).toThrow(ShopConfigError)
    expect(() => options({ connectors: [shopify] })).toThrow(
      "shop connector shopify (shopify): sha256Signatures is read only by the generic connector (type webhook)"
    )
  })
})
