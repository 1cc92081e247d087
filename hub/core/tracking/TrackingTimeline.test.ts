import { describe, expect, it } from "vitest"
import { currentStatus, mergeTimeline, type TimelineEntry } from "./TrackingTimeline.ts"

const at = (eventId: string, status: TimelineEntry["status"], occurredAtMs: number): TimelineEntry => ({
  eventId,
  status,
  occurredAtMs
})

const build = (entries: ReadonlyArray<TimelineEntry>) =>
  entries.reduce<ReadonlyArray<TimelineEntry>>((timeline, entry) => mergeTimeline(timeline, entry).timeline, [])

describe("tracking timeline", () => {
  it("orders scans by carrier time, whatever order they arrived in", () => {
    const timeline = build([at("c", "delivered", 30), at("a", "in-transit", 10), at("b", "out-for-delivery", 20)])
    expect(timeline.map((entry) => entry.eventId)).toEqual(["a", "b", "c"])
    expect(currentStatus(timeline)).toBe("delivered")
  })

  it("drops a scan sent twice, by id or as the same scan under a new id", () => {
    const timeline = build([at("a", "in-transit", 10)])
    expect(mergeTimeline(timeline, at("a", "in-transit", 10)).added).toBe(false)
    expect(mergeTimeline(timeline, at("a2", "in-transit", 10)).added).toBe(false)
    expect(mergeTimeline(timeline, at("b", "in-transit", 11)).added).toBe(true)
  })

  it("keeps delivered final against later scans, except a return to the sender", () => {
    const delivered = build([at("a", "in-transit", 10), at("b", "delivered", 20), at("c", "in-transit", 30)])
    expect(currentStatus(delivered)).toBe("delivered")
    expect(currentStatus(build([...delivered, at("d", "returned-to-sender", 40)]))).toBe("returned-to-sender")
  })

  it("has no status before the first scan", () => {
    expect(currentStatus([])).toBeUndefined()
  })
})
