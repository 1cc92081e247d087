/** Reads a shop's HTTP answer as text, up to a bound, so a shop answering without end cannot exhaust the hub. */
import { Effect } from "effect"
import { AnswerTooLarge, readAnswerText } from "../../../drivers/http/readAnswerText.ts"
import { ShopError } from "../../core/shop/ShopConnector.ts"
import { shopErrorForFailure } from "./shopHttpError.ts"

/** The answer was larger than the bound: `Malformed` (tried again later, named on the Shop card), never read whole. */
export const answerTooLarge = (shop: string, maxBytes: number) =>
  new ShopError({ reason: "Malformed", message: `${shop} answered with more than ${maxBytes} bytes; not read` })

/** The body as UTF-8 text; more than `maxBytes` (as announced, or as it arrives) fails and stops the download. */
export const shopAnswerText = (shop: string, response: Response, maxBytes: number): Effect.Effect<string, ShopError> =>
  Effect.tryPromise({
    try: () => readAnswerText(response, maxBytes),
    catch: (error) =>
      error instanceof AnswerTooLarge ? answerTooLarge(shop, maxBytes) : shopErrorForFailure(shop, error)
  })
