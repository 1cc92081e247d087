/** Reads what a shop answered into just the fields an adapter uses, or fails the call `Malformed` saying why. */
import { Effect, Schema } from "effect"
import { describeIssue } from "../../../core/decode/DecodeProblem.ts"
import { shopOrderLimits } from "../../core/shop/mapShopOrder.ts"
import { ShopError } from "../../core/shop/ShopConnector.ts"
import { centsOf } from "./shopHttpError.ts"

/** The first few problems say what is wrong; a page of 50 broken orders need not list them all. */
const problemsNamed = 3

/** An answer's body as JSON; anything else is `Malformed`, naming the shop and the request. */
export const parseShopAnswer = (shop: string, request: string, text: string): Effect.Effect<unknown, ShopError> =>
  Effect.try({
    try: (): unknown => JSON.parse(text),
    catch: () =>
      new ShopError({ reason: "Malformed", message: `${shop}: ${request} answered with something that is not JSON` })
  })

/** Reads the answer of `shop` to `request`, named as the shop's logs name it (`POST /search/order`, `PackbenchOrder`). */
export type ShopAnswerDecoder<A> = (shop: string, request: string, answer: unknown) => Effect.Effect<A, ShopError>

/**
 * A decoder of answers to `schema`: the fields an adapter goes on to use, each checked (a type, an id before it goes into
 * a path, a number within its bounds) before anything reads it. A shop — or a plugin, an upgrade, a proxy in front of
 * it — can answer anything; a wrong shape fails the call `Malformed`, which the hub tries again after its backoff (up
 * to a bound, then hands the push to a manager) and shows on the Shop card, naming the shop, the request and each field that is wrong, instead of a TypeError that
 * crashes a push or a catch-up pass. A message names the fields and what was expected, never a value: answers hold
 * customers' data, and the message is logged.
 */
export const decodeShopAnswer = <A>(schema: Schema.Decoder<A>): ShopAnswerDecoder<A> => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (shop, request, answer) =>
    decode(answer, { errors: "all" }).pipe(
      Effect.mapError((error) => {
        const problems = describeIssue(error.issue)
        const named = problems
          .slice(0, problemsNamed)
          .map((problem) => `${problem.path === "" ? "the answer" : problem.path}: ${problem.message}`)
        const more = problems.length > problemsNamed ? `; and ${problems.length - problemsNamed} more` : ""
        return new ShopError({
          reason: "Malformed",
          message: `${shop}: the answer to ${request} cannot be used: ${named.join("; ")}${more}`
        })
      })
    )
}

/**
 * An amount of an order's money as shops write it (decimal text, "12.90", or a number): from 0 to the most an order the
 * hub takes was paid (`shopOrderLimits.total`), so no refund of it can be more. Read it with `centsOf`.
 */
export const OrderMoney = Schema.Union([Schema.String, Schema.Number]).check(
  Schema.makeFilter((amount: string | number) => {
    const cents = centsOf(amount)
    return (
      (Number.isFinite(cents) && cents >= 0 && cents <= shopOrderLimits.total * 100) ||
      `an amount from 0 to ${shopOrderLimits.total}`
    )
  })
)

/** Units of an order line the shop still has open: no order the hub takes has a line of more. */
export const OpenUnits = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: shopOrderLimits.quantity }))
