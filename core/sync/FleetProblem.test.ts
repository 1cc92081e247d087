import { describe, expect, it } from "vitest"
import { fleetProblem, maxFleetProblemDetailChars } from "./FleetProblem.ts"

describe("fleetProblem", () => {
  it("keeps a short detail as it is", () => {
    expect(fleetProblem("summary-station-twice", "a station listed twice")).toEqual({
      code: "summary-station-twice",
      detail: "a station listed twice"
    })
  })

  it("makes a detail one line: a decoder's line breaks and a forged text's controls become spaces", () => {
    expect(
      fleetProblem("presence-invalid", 'not a presence message: Expected\n  at ["state"]\u202Egnp.exe').detail
    ).toBe('not a presence message: Expected at ["state"] gnp.exe')
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
