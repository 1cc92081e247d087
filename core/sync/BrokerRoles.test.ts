import { describe, expect, it } from "vitest"
import {
  type BrokerPrincipal,
  filterCovers,
  mayPublish,
  mayRead,
  maySubscribe,
  mayUseClientId,
  mosquittoAclBlock
} from "./BrokerRoles.ts"
import { Topics } from "./Topics.ts"

const station: BrokerPrincipal = { role: "station", siteId: "HAM1", stationId: "PACK-01" }
const hub: BrokerPrincipal = { role: "hub" }
const shop: BrokerPrincipal = { role: "shop" }

describe("broker roles", () => {
  it("lets a station publish only its own events, presence, catch-up and dead letters", () => {
    expect(mayPublish(station, Topics.event("HAM1", "PACK-01", "parcel.packed"))).toBe(true)
    expect(mayPublish(station, Topics.presence("HAM1", "PACK-01"))).toBe(true)
    expect(mayPublish(station, Topics.catchup("HAM1", "PACK-01"))).toBe(true)
    expect(mayPublish(station, Topics.deadLetter("HAM1", "PACK-01"))).toBe(true)
    expect(mayPublish(station, Topics.outboxHealth("HAM1", "PACK-01"))).toBe(true)
    expect(mayPublish(station, Topics.outboxHealth("HAM1", "PACK-02"))).toBe(false)
    // The hub's summary of the site: a station could otherwise show its neighbours a fleet of its own making.
    expect(mayPublish(station, Topics.siteFleet("HAM1"))).toBe(false)
    // Another station's events, its own acks or resend, any inbox, the refund requests.
    expect(mayPublish(station, Topics.event("HAM1", "PACK-02", "parcel.packed"))).toBe(false)
    expect(mayPublish(station, Topics.event("BER1", "PACK-01", "parcel.packed"))).toBe(false)
    expect(mayPublish(station, Topics.acks("HAM1", "PACK-01"))).toBe(false)
    expect(mayPublish(station, Topics.resend("HAM1", "PACK-01"))).toBe(false)
    expect(mayPublish(station, "packbench/v1/HAM1/PACK-01/inbox/order.upsert")).toBe(false)
    expect(mayPublish(station, Topics.hubInbox("HAM1", "PACK-01", "refund.rejected"))).toBe(false)
    expect(mayPublish(station, Topics.refundRequests("HAM1"))).toBe(false)
    expect(mayPublish(station, Topics.presence("HAM1", "PACK-02"))).toBe(false)
    expect(mayPublish(station, "packbench/v1/HAM1/PACK-01/events/a/b")).toBe(false)
  })

  it("lets a station read its own and its site's inbox, its acks and resend requests, and its site's presence", () => {
    expect(maySubscribe(station, Topics.inbox("HAM1", "PACK-01"))).toBe(true)
    expect(maySubscribe(station, Topics.siteInbox("HAM1"))).toBe(true)
    expect(maySubscribe(station, Topics.acks("HAM1", "PACK-01"))).toBe(true)
    expect(maySubscribe(station, Topics.resend("HAM1", "PACK-01"))).toBe(true)
    expect(maySubscribe(station, Topics.presenceOf("HAM1"))).toBe(true)
    expect(maySubscribe(station, "#")).toBe(false)
    expect(maySubscribe(station, "packbench/#")).toBe(false)
    expect(maySubscribe(station, Topics.eventsOf("HAM1"))).toBe(false)
    expect(maySubscribe(station, Topics.inbox("HAM1", "PACK-02"))).toBe(false)
    expect(maySubscribe(station, "packbench/v1/HAM1/+/inbox/#")).toBe(false)
    expect(maySubscribe(station, Topics.acks("HAM1", "PACK-02"))).toBe(false)
    expect(maySubscribe(station, Topics.presenceOf("BER1"))).toBe(false)
    expect(maySubscribe(station, Topics.siteFleet("HAM1"))).toBe(true)
    expect(maySubscribe(station, Topics.siteFleet("BER1"))).toBe(false)
    expect(maySubscribe(station, Topics.siteFleet("+"))).toBe(false)
    expect(maySubscribe(station, Topics.outboxHealthOf("HAM1"))).toBe(false)
    expect(maySubscribe(station, "$SYS/#")).toBe(false)
  })

  it("gives acks, resend requests, the hub's inbox stream and refund requests to the hub alone", () => {
    for (const topic of [
      Topics.acks("HAM1", "PACK-01"),
      Topics.resend("HAM1", "PACK-01"),
      Topics.hubInbox("HAM1", "PACK-01", "refund.rejected"),
      Topics.refundRequests("HAM1"),
      Topics.siteFleet("HAM1")
    ]) {
      expect(mayPublish(hub, topic), topic).toBe(true)
      expect(mayPublish(shop, topic), topic).toBe(false)
      expect(mayPublish(station, topic), topic).toBe(false)
    }
    expect(maySubscribe(hub, Topics.eventsOf("+"))).toBe(true)
    expect(maySubscribe(hub, `$share/hubs/${Topics.eventsOf("+")}`)).toBe(true)
    expect(maySubscribe(hub, Topics.catchupsOf("+"))).toBe(true)
    expect(maySubscribe(hub, "packbench/v1/+/+/inbox/+")).toBe(true)
    expect(maySubscribe(hub, Topics.presenceOf("+"))).toBe(true)
    expect(maySubscribe(hub, Topics.outboxHealthOf("+"))).toBe(true)
    expect(mayPublish(hub, Topics.event("HAM1", "PACK-01", "parcel.packed"))).toBe(false)
    expect(mayPublish(hub, "packbench/v1/HAM1/PACK-01/inbox/order.upsert")).toBe(false)
  })

  it("gives the shop inbox messages to the shop alone, one level per type so never the hub's stream", () => {
    expect(mayPublish(shop, "packbench/v1/HAM1/PACK-01/inbox/order.upsert")).toBe(true)
    expect(mayPublish(shop, "packbench/v1/HAM1/all/inbox/catalog.upsert")).toBe(true)
    expect(mayPublish(shop, Topics.hubInbox("HAM1", "PACK-01", "refund.rejected"))).toBe(false)
    expect(mayPublish(shop, Topics.event("HAM1", "PACK-01", "parcel.packed"))).toBe(false)
    expect(maySubscribe(shop, Topics.catchupsOf("+"))).toBe(true)
    expect(maySubscribe(shop, "packbench/v1/+/+/deadletter")).toBe(true)
    expect(maySubscribe(shop, Topics.refundRequests("+"))).toBe(true)
    expect(maySubscribe(shop, Topics.eventsOf("+"))).toBe(false)
  })

  it("lets a message reach a client only on a topic it may read", () => {
    expect(mayRead(station, Topics.acks("HAM1", "PACK-01"))).toBe(true)
    expect(mayRead(station, "packbench/v1/HAM1/PACK-01/inbox/order.upsert")).toBe(true)
    expect(mayRead(station, "packbench/v1/HAM1/all/inbox/catalog.upsert")).toBe(true)
    expect(mayRead(station, Topics.presence("HAM1", "PACK-02"))).toBe(true)
    expect(mayRead(station, Topics.acks("HAM1", "PACK-02"))).toBe(false)
    expect(mayRead(station, "packbench/v1/HAM1/PACK-02/inbox/order.upsert")).toBe(false)
    expect(mayRead(station, Topics.event("HAM1", "PACK-01", "parcel.packed"))).toBe(false)
    expect(mayRead(hub, Topics.event("BER1", "PACK-07", "parcel.packed"))).toBe(true)
    expect(mayRead(hub, Topics.acks("HAM1", "PACK-01"))).toBe(false)
    expect(mayRead(shop, Topics.refundRequests("HAM1"))).toBe(true)
    expect(mayRead(shop, "packbench/v1/HAM1/PACK-01/inbox/order.upsert")).toBe(false)
  })

  it("refuses wildcards in a published topic", () => {
    expect(mayPublish(hub, "packbench/v1/+/+/acks")).toBe(false)
  })

  it("covers filters level by level", () => {
    expect(filterCovers("a/+/c", "a/b/c")).toBe(true)
    expect(filterCovers("a/+/c", "a/+/c")).toBe(true)
    expect(filterCovers("a/b/c", "a/+/c")).toBe(false)
    expect(filterCovers("a/#", "a/b/#")).toBe(true)
    expect(filterCovers("a/+", "a/#")).toBe(false)
    expect(filterCovers("a/+", "a/b/c")).toBe(false)
    expect(filterCovers("a/b/#", "a/b")).toBe(true)
  })

  it("holds a station to its own client id, so it cannot take over another's session", () => {
    expect(mayUseClientId(station, "packbench-HAM1-PACK-01")).toBe(true)
    expect(mayUseClientId(station, "packbench-HAM1-PACK-01-doctor")).toBe(true)
    expect(mayUseClientId(station, "packbench-HAM1-PACK-01-X")).toBe(false)
    expect(mayUseClientId(station, "packbench-HAM1-PACK-02")).toBe(false)
    expect(mayUseClientId(station, "packbench-hub")).toBe(false)
    expect(mayUseClientId(hub, "packbench-hub")).toBe(true)
  })

  it("renders the same rules as a mosquitto acl block", () => {
    expect(mosquittoAclBlock("HAM1.PACK-01", station).split("\n")).toEqual([
      "user HAM1.PACK-01",
      "topic write packbench/v1/HAM1/PACK-01/events/+",
      "topic write packbench/v1/HAM1/PACK-01/presence",
      "topic write packbench/v1/HAM1/PACK-01/outbox",
      "topic write packbench/v1/HAM1/PACK-01/catchup",
      "topic write packbench/v1/HAM1/PACK-01/deadletter",
      "topic read packbench/v1/HAM1/PACK-01/acks",
      "topic read packbench/v1/HAM1/PACK-01/resend",
      "topic read packbench/v1/HAM1/PACK-01/inbox/#",
      "topic read packbench/v1/HAM1/all/inbox/#",
      "topic read packbench/v1/HAM1/+/presence",
      "topic read packbench/v1/HAM1/hub/fleet"
    ])
  })
})
