import { describe, expect, it } from "vitest"
import { routeOrder } from "./RoutingRules.ts"

const routing = {
  rules: [
    { siteId: "VIE1", countries: ["AT", "CH"] },
    { siteId: "BER1", locations: ["gid://shopify/Location/2"] },
    { siteId: "MUC1", countries: ["DE"], connector: "woo" }
  ],
  defaultSite: "HAM1"
}

describe("routeOrder", () => {
  it("asks location rules first, then country rules, then the default site", () => {
    expect(
      routeOrder(routing, { connectorId: "shopify", locationId: "gid://shopify/Location/2", country: "AT" })
    ).toEqual({ siteId: "BER1", by: "location" })
    expect(
      routeOrder(routing, { connectorId: "shopify", locationId: "gid://shopify/Location/9", country: "AT" })
    ).toEqual({ siteId: "VIE1", by: "country" })
    expect(routeOrder(routing, { connectorId: "shopify", locationId: undefined, country: "DE" })).toEqual({
      siteId: "HAM1",
      by: "default"
    })
  })

  it("applies a connector's own rules only to its orders", () => {
    expect(routeOrder(routing, { connectorId: "woo", locationId: undefined, country: "DE" }).siteId).toBe("MUC1")
  })

  it("says why when nothing takes the order and there is no default", () => {
    const outcome = routeOrder(
      { rules: [], defaultSite: undefined },
      { connectorId: "x", locationId: undefined, country: "FR" }
    )
    expect(outcome.siteId).toBeUndefined()
    expect("reason" in outcome && outcome.reason).toContain("FR")
  })
})
