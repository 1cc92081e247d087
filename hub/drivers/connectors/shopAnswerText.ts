/** Reads a shop's HTTP answer as text, up to a bound, so a shop answering without end cannot exhaust the hub. */
import { Effect } from "effect"
import { ShopError } from "../../core/shop/ShopConnector.ts"
import { shopErrorForFailure } from "./shopHttpError.ts"

/**
 * The most a shop's answer may hold. The largest answer the connectors ask for is a catch-up page of 50 orders with
 * their line items (Shopify: up to 250 a read, with prices and fulfillment orders), a few MB at the very most; 32 MiB
 * leaves room for shops with many custom fields and still keeps a hub on a small machine far from running out of
 * memory when a shop (or something in front of it) answers with gigabytes.
 */
export const shopAnswerMaxBytes = 32 * 1024 * 1024

/** The answer was larger than the bound: `Malformed` (retried later, named on the Shop card), never read whole. */
export const answerTooLarge = (shop: string, maxBytes: number) =>
  new ShopError({ reason: "Malformed", message: `${shop} answered with more than ${maxBytes} bytes; not read` })

class TooLarge extends Error {}

/** The body as UTF-8 text; more than `maxBytes` (as announced, or as it arrives) fails and stops the download. */
export const shopAnswerText = (shop: string, response: Response, maxBytes: number): Effect.Effect<string, ShopError> =>
  Effect.tryPromise({
    try: async () => {
      const announced = Number(response.headers.get("content-length") ?? "0")
      if (announced > maxBytes) {
        await response.body?.cancel()
        throw new TooLarge()
      }
      if (response.body === null) return ""
      const reader = response.body.getReader()
      const chunks: Array<Uint8Array> = []
      let size = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > maxBytes) {
          await reader.cancel()
          throw new TooLarge()
        }
        chunks.push(value)
      }
      return Buffer.concat(chunks).toString("utf8")
    },
    catch: (error) => (error instanceof TooLarge ? answerTooLarge(shop, maxBytes) : shopErrorForFailure(shop, error))
  })
