import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseTopic, Topics } from "./Topics.ts"

/** The split that `parseTopic` replaced: it must read every topic as this did. */
const splitParse = (topic: string) => {
  const [prefix, version, siteId, stationId, kind, ...rest] = topic.split("/")
  if (prefix !== "packbench" || version !== "v1" || !siteId || !stationId || !kind) return undefined
  return { siteId, stationId, kind, rest: rest.join("/") }
}

/** Topics made of the pieces that decide: our prefix, slashes, empty pieces, other roots and versions. */
const hostileTopic = fc
  .array(fc.constantFrom("packbench", "v1", "v2", "/", "//", "", "HAM1", "PACK-01", "events", "order.received", "ü"), {
    maxLength: 12
  })
  .map((pieces) => pieces.join(""))

describe("parseTopic", () => {
  it("reads a station's topics into their site, station, kind and rest", () => {
    expect(parseTopic(Topics.event("HAM1", "PACK-01", "order.received"))).toEqual({
      siteId: "HAM1",
      stationId: "PACK-01",
      kind: "events",
      rest: "order.received"
    })
    expect(parseTopic("packbench/v1/HAM1/PACK-01/acks")).toEqual({
      siteId: "HAM1",
      stationId: "PACK-01",
      kind: "acks",
      rest: ""
    })
  })

  it("reads every topic, however hostile, as splitting it at each slash did", () => {
    const edges = [
      "",
      "/",
      "packbench",
      "packbench/v1",
      "packbench/v1/",
      "packbench/v1/HAM1",
      "packbench/v1/HAM1/",
      "packbench/v1/HAM1/PACK-01",
      "packbench/v1/HAM1/PACK-01/",
      "packbench/v1//PACK-01/events/x",
      "packbench/v1/HAM1//events/x",
      "packbench/v1/HAM1/PACK-01//x",
      "packbench/v1/HAM1/PACK-01/events/",
      "packbench/v1/HAM1/PACK-01/events//a//b/",
      "packbench/v2/HAM1/PACK-01/events/x",
      "/packbench/v1/HAM1/PACK-01/events/x",
      "packbenchx/v1/HAM1/PACK-01/events/x",
      "packbench/v1x/HAM1/PACK-01/events/x"
    ]
    for (const topic of edges) expect(parseTopic(topic), topic).toEqual(splitParse(topic))
    fc.assert(
      fc.property(fc.oneof(hostileTopic, fc.string()), (topic) => {
        expect(parseTopic(topic)).toEqual(splitParse(topic))
      }),
      { seed: 19, numRuns: 5_000 }
    )
  })
})
