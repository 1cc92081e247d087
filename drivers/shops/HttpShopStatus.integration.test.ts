import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { ShopStatusSource } from "../../core/shops/ShopStatusSource.ts"
import { startOversizeAnswerServer } from "../../fixtures/http/OversizeAnswerServer.ts"
import { layerHttpShopStatus } from "./HttpShopStatus.ts"

describe("the Shop card from a hub over HTTP", () => {
  it("reads no more of the hub's answer than its bound, and says so", async () => {
    const oversize = await startOversizeAnswerServer(50_000)
    try {
      const refused = await Effect.runPromise(
        Effect.flip(
          Effect.flatMap(Effect.service(ShopStatusSource), (source) => source.status).pipe(
            Effect.provide(layerHttpShopStatus(() => ({ url: oversize.url, token: undefined }), 10_000))
          )
        )
      )
      expect(refused).toMatchObject({
        reason: "BadAnswer",
        message: `The hub at ${oversize.url} answered with more than 10000 bytes; not read`
      })
    } finally {
      await oversize.close()
    }
  })
})
