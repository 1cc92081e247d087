/** The first lines of every shop connector's check: is the shop reachable, and does it take our credentials. */
import type { Result } from "effect"
import type { ConnectorCheck, ShopError } from "../../core/shop/ShopConnector.ts"

/**
 * "reachable" and "authenticated" from the shop's answer to the connector's first call. A shop that answered at all
 * (even to refuse the credentials) is reachable; one that did not answer, or answered what is no shop's answer, is not.
 */
export const connectionChecks = <A>(
  name: string,
  first: Result.Result<A, ShopError>,
  words: (answer: A) => { readonly reachable: string; readonly authenticated: string }
): Array<ConnectorCheck> => {
  if (first._tag === "Failure") {
    const reachable = first.failure.reason !== "Unavailable" && first.failure.reason !== "Malformed"
    return [
      { name: "reachable", ok: reachable, detail: reachable ? name : first.failure.message },
      { name: "authenticated", ok: false, detail: first.failure.message }
    ]
  }
  const said = words(first.success)
  return [
    { name: "reachable", ok: true, detail: said.reachable },
    { name: "authenticated", ok: true, detail: said.authenticated }
  ]
}
