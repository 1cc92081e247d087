import { describe, expect, it } from "vitest"
import { keepUnitsTogether } from "./keepUnitsTogether.ts"

const NBSP = "\u00a0"

describe("keepUnitsTogether", () => {
  it("joins a number to its percent sign or unit with a no-break space, in German and English", () => {
    expect(keepUnitsTogether("Erstattung abzüglich 20 % Wiedereinlagerungsgebühr")).toBe(
      `Erstattung abzüglich 20${NBSP}% Wiedereinlagerungsgebühr`
    )
    expect(keepUnitsTogether("refund less a 12.5 % fee")).toBe(`refund less a 12.5${NBSP}% fee`)
    expect(keepUnitsTogether("12,5 kg, 350 g, 400 mm, 12,90 €")).toBe(
      `12,5${NBSP}kg, 350${NBSP}g, 400${NBSP}mm, 12,90${NBSP}€`
    )
    expect(keepUnitsTogether("860 g ± 40 g")).toBe(`860${NBSP}g ± 40${NBSP}g`)
  })

  it("leaves a number followed by a word alone, and a unit already joined", () => {
    expect(keepUnitsTogether("2 gute Gründe, 3 mal, 5 Stück, 1 km")).toBe("2 gute Gründe, 3 mal, 5 Stück, 1 km")
    expect(keepUnitsTogether(`20${NBSP}%`)).toBe(`20${NBSP}%`)
  })
})
