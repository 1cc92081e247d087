import { describe, expect, it } from "vitest"
import { fleetProblem, maxFleetProblemDetailChars } from "./FleetProblem.ts"

describe("fleetProblem", () => {
  it("keeps a short detail as it is", () => {
    expect(fleetProblem("summary-station-twice", "a station listed twice")).toEqual({
      code: "summary-station-twice",
      detail: "a station listed twice"
    })
  })

  it("cuts a long detail to the bound with an ellipsis, never between the halves of a character", () => {
    const plain = fleetProblem("presence-invalid", "x".repeat(1_000)).detail
    expect(plain).toHaveLength(maxFleetProblemDetailChars)
    expect(plain.endsWith("x…")).toBe(true)
    // 😀 is two UTF-16 units: one starting right at the cut is dropped whole.
    const emoji = fleetProblem("presence-invalid", `${"x".repeat(maxFleetProblemDetailChars - 2)}😀😀`).detail
    expect(emoji).toBe(`${"x".repeat(maxFleetProblemDetailChars - 2)}…`)
  })
})
