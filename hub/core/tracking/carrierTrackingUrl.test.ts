import { describe, expect, it } from "vitest"
import { carrierTrackingUrl } from "./carrierTrackingUrl.ts"

describe("carrierTrackingUrl", () => {
  it("keeps the station carriers' pages and adds every carrier the scanner recognises", () => {
    expect(carrierTrackingUrl("ups", "1Z5R89390357567127")).toBe(
      "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    )
    expect(carrierTrackingUrl("postnl", "3SABCD123456789")).toBe(
      "https://jouw.postnl.nl/track-and-trace/3SABCD123456789"
    )
    expect(carrierTrackingUrl("gls", "a b")).toBe("https://gls-group.com/DE/de/paketverfolgung?match=a%20b")
    expect(carrierTrackingUrl("pony-express", "1")).toBeUndefined()
    expect(carrierTrackingUrl("s10", "RR123456785AF")).toBeUndefined()
  })
})
