/**
 * Which site ships a shop order. A rule names a site and what it takes: the shop's location or warehouse, or the
 * country the order goes to, optionally only for one connector. Location rules are asked first (the shop already
 * decided where the stock is), then country rules, each in the order written; an order no rule takes goes to the
 * default site. Without a default site, an order no rule takes is quarantined rather than guessed.
 */
export interface RoutingRule {
  readonly siteId: string
  readonly locations?: ReadonlyArray<string>
  readonly countries?: ReadonlyArray<string>
  readonly connector?: string
}

export interface Routing {
  readonly rules: ReadonlyArray<RoutingRule>
  readonly defaultSite: string | undefined
}

export interface RoutedOrder {
  readonly connectorId: string
  readonly locationId: string | undefined
  readonly country: string
}

export type RouteOutcome =
  | { readonly siteId: string; readonly by: "location" | "country" | "default" }
  | { readonly siteId: undefined; readonly reason: string }

export const routeOrder = (routing: Routing, order: RoutedOrder): RouteOutcome => {
  const forConnector = routing.rules.filter(
    (rule) => rule.connector === undefined || rule.connector === order.connectorId
  )
  if (order.locationId !== undefined) {
    const byLocation = forConnector.find((rule) => rule.locations?.includes(order.locationId as string) === true)
    if (byLocation !== undefined) return { siteId: byLocation.siteId, by: "location" }
  }
  const byCountry = forConnector.find(
    (rule) => rule.locations === undefined && rule.countries?.includes(order.country) === true
  )
  if (byCountry !== undefined) return { siteId: byCountry.siteId, by: "country" }
  if (routing.defaultSite !== undefined) return { siteId: routing.defaultSite, by: "default" }
  return {
    siteId: undefined,
    reason: `no routing rule takes location ${order.locationId ?? "(none)"}, country ${order.country}, and there is no default site`
  }
}
