import { describe, expect, it } from "vitest"
import type { PackView } from "../../core/pack/PackView.ts"
import { panLoadFor } from "./PanFollowsPack.ts"

const view = (overrides: Partial<PackView>): PackView => ({
  step: "parcel",
  order: {
    orderId: "SO-1",
    customerName: "Ada L",
    locale: "de",
    carrier: "dhl-paket",
    serviceLevel: "standard",
    status: "open"
  },
  lines: [],
  addressCheck: null,
  box: { boxId: "M", name: "Karton M", tareGrams: 280, key: "2" } as unknown as PackView["box"],
  expectedWeightGrams: 990,
  toleranceGrams: 40,
  weight: null,
  parcel: null,
  printJobs: [],
  refusal: null,
  ...overrides
})

describe("the pan that follows the pack", () => {
  it("carries the parcel's expected weight, a few grams off but inside a quarter of the tolerance", () => {
    expect(panLoadFor(view({}), () => 0.5)).toEqual({ key: "SO-1|M|990", grams: 990 })
    expect(panLoadFor(view({}), () => 0)).toEqual({ key: "SO-1|M|990", grams: 980 })
    expect(panLoadFor(view({}), () => 0.999999)).toEqual({ key: "SO-1|M|990", grams: 1000 })
  })

  it("puts a new parcel on when the box or the contents change", () => {
    const before = panLoadFor(view({}), () => 0.5)
    expect(panLoadFor(view({ expectedWeightGrams: 1100 }), () => 0.5)?.key).not.toBe(before?.key)
    const boxL = { boxId: "L", name: "Karton L", tareGrams: 400, key: "3" } as unknown as PackView["box"]
    expect(panLoadFor(view({ box: boxL }), () => 0.5)?.key).not.toBe(before?.key)
  })

  it("empties the pan when no parcel is on the bench", () => {
    expect(panLoadFor(view({ step: "idle", order: null, box: null }), () => 0.5)).toEqual({ key: "empty", grams: 0 })
    expect(panLoadFor(view({ step: "order-open", box: null }), () => 0.5)).toEqual({ key: "empty", grams: 0 })
  })

  it("leaves the pan alone before a box is chosen, once a weight is taken, and after labelling", () => {
    expect(panLoadFor(view({ box: null }), () => 0.5)).toBeUndefined()
    expect(panLoadFor(view({ weight: { grams: 990, source: "scale" } }), () => 0.5)).toBeUndefined()
    expect(panLoadFor(view({ step: "labelled" }), () => 0.5)).toBeUndefined()
    expect(panLoadFor(view({ step: "packed" }), () => 0.5)).toBeUndefined()
  })

  it("puts nothing on for an expected weight that is not a plausible number", () => {
    for (const grams of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(panLoadFor(view({ expectedWeightGrams: grams }), () => 0.5)).toBeUndefined()
    }
  })
})
