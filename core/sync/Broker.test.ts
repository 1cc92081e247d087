import { describe, expect, it } from "vitest"
import { topicMatches } from "./Broker.ts"

describe("topicMatches", () => {
  it("matches + and # wildcards level by level", () => {
    expect(topicMatches("packbench/v1/+/+/events/#", "packbench/v1/HAM1/PACK-01/events/parcel.packed")).toBe(true)
    expect(topicMatches("packbench/v1/+/+/acks", "packbench/v1/HAM1/PACK-01/acks/extra")).toBe(false)
    expect(topicMatches("packbench/v1/HAM1/+/acks", "packbench/v1/HAM2/PACK-01/acks")).toBe(false)
  })

  it("routes a shared subscription's messages, which the broker delivers on the plain topic", () => {
    expect(
      topicMatches("$share/hub/packbench/v1/+/+/events/#", "packbench/v1/HAM1/PACK-01/events/order.received")
    ).toBe(true)
    expect(topicMatches("$share/hub/packbench/v1/+/+/events/#", "packbench/v1/HAM1/PACK-01/acks")).toBe(false)
  })
})
