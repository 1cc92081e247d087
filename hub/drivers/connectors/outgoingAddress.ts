/** The shop address an adapter sends for an address push, or the push refused with why, before any request. */
import { Effect } from "effect"
import { type AddressPush, ShopError } from "../../core/shop/ShopConnector.ts"
import { type ShopAddress, shopAddressOf } from "../../core/shop/shopAddressOf.ts"

/** A payload that fails the bounds is `Rejected` (a manager sees the reason on the Shop card), never sent. */
export const outgoingAddress = (name: string, push: AddressPush): Effect.Effect<ShopAddress, ShopError> => {
  const outgoing = shopAddressOf(push.shipTo)
  return outgoing.ok
    ? Effect.succeed(outgoing.address)
    : Effect.fail(
        new ShopError({
          reason: "Rejected",
          message: `${name}: address of ${push.orderId} not sent: ${outgoing.reason}`
        })
      )
}
