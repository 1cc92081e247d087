import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { iso7064Mod37_36 } from "../iso7064Mod37_36.ts"
import { luhn, mod7, s10, weightedMod10, weightedSumModulo } from "./checkDigits.ts"

const digitString = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`))

/** A number and one of its digits changed to another digit. */
const withOneDigitChanged = (min: number, max: number) =>
  digitString(min, max).chain((serial) =>
    fc
      .record({ at: fc.integer({ min: 0, max: serial.length - 1 }), by: fc.integer({ min: 1, max: 9 }) })
      .map(({ at, by }) => {
        const from = Number(serial[at])
        const to = (from + by) % 10
        return { serial, changed: `${serial.slice(0, at)}${to}${serial.slice(at + 1)}`, at, delta: to - from }
      })
  )

const mod = (n: number, m: number) => ((n % m) + m) % m

describe("check-digit algorithms: a valid number with one digit changed is refused", () => {
  it("GS1 mod 10 (weights 3,1 from the right: GTIN, SSCC, NVE, USPS IMpb) catches every single-digit change", () => {
    fc.assert(
      fc.property(withOneDigitChanged(1, 33), ({ serial, changed }) => {
        // Weights counted from the rightmost serial digit, as GS1 counts them: align by reversing.
        const check = weightedMod10(serial, 3, 1, true)
        expect(weightedMod10(changed, 3, 1, true)).not.toBe(check)
      }),
      { numRuns: 3000 }
    )
  })

  it("weights 1,2 (UPS, OnTrac) and 4,9 (Deutsche Post Identcode) catch a change unless weight x change is a multiple of 10", () => {
    for (const [evens, odds] of [
      [1, 2],
      [4, 9]
    ] as const) {
      fc.assert(
        fc.property(withOneDigitChanged(1, 20), ({ serial, changed, at, delta }) => {
          const weight = at % 2 === 0 ? evens : odds
          const detected = weightedMod10(changed, evens, odds, false) !== weightedMod10(serial, evens, odds, false)
          expect(detected).toBe(mod(weight * delta, 10) !== 0)
        }),
        { numRuns: 2000 }
      )
    }
  })

  it("Luhn (ISO/IEC 7812-1, kept for the data set's formats that name it) catches every single-digit change", () => {
    fc.assert(
      fc.property(withOneDigitChanged(1, 30), ({ serial, changed }) => {
        expect(luhn(changed)).not.toBe(luhn(serial))
      }),
      { numRuns: 3000 }
    )
  })

  it("mod 7 (DHL Express) catches every change but +-7", () => {
    fc.assert(
      fc.property(withOneDigitChanged(1, 12), ({ serial, changed, delta }) => {
        expect(mod7(changed) !== mod7(serial)).toBe(Math.abs(delta) !== 7)
      }),
      { numRuns: 3000 }
    )
  })

  it("UPU S10 (weights 8 6 4 2 3 5 9 7, mod 11) catches a change unless both remainders map to 5 (0 and 6)", () => {
    const weights = [8, 6, 4, 2, 3, 5, 9, 7]
    const remainder = (serial: string) => [...serial].reduce((sum, d, i) => sum + Number(d) * weights[i]!, 0) % 11
    fc.assert(
      fc.property(withOneDigitChanged(8, 8), ({ serial, changed }) => {
        const pair = [remainder(serial), remainder(changed)].sort((a, b) => a - b).join(",")
        expect(s10(changed) !== s10(serial)).toBe(pair !== "0,6")
      }),
      { numRuns: 3000 }
    )
    // The standard's rule: 11 - r, with 10 -> 0 and 11 -> 5.
    expect(s10("47312482")).toBe("9")
    expect(s10("00000000")).toBe("5")
  })

  it("FedEx sum of products mod 11 mod 10 catches a change unless the remainders are 0 and 10", () => {
    const weights = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]
    const remainder = (serial: string) => [...serial].reduce((sum, d, i) => sum + Number(d) * weights[i]!, 0) % 11
    fc.assert(
      fc.property(withOneDigitChanged(11, 11), ({ serial, changed }) => {
        const pair = [remainder(serial), remainder(changed)].sort((a, b) => a - b).join(",")
        expect(weightedSumModulo(changed, weights, 11, 10) !== weightedSumModulo(serial, weights, 11, 10)).toBe(
          pair !== "0,10"
        )
      }),
      { numRuns: 3000 }
    )
  })

  it("ISO/IEC 7064 MOD 37,36 (DPD) catches every single-character change", () => {
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 1, max: 35 }),
        (data, position, by) => {
          const at = position % data.length
          const changed = `${data.slice(0, at)}${alphabet[(alphabet.indexOf(data[at]!) + by) % 36]}${data.slice(at + 1)}`
          expect(iso7064Mod37_36(changed)).not.toBe(iso7064Mod37_36(data))
        }
      ),
      { numRuns: 3000 }
    )
  })

  it("every algorithm gives exactly one check character, so any other is refused", () => {
    fc.assert(
      fc.property(digitString(11, 11), (serial) => {
        const checks = [
          weightedMod10(serial, 1, 2, false),
          luhn(serial),
          mod7(serial),
          s10(serial.slice(0, 8)),
          weightedSumModulo(serial, [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1], 11, 10)
        ]
        for (const check of checks) expect(check).toMatch(/^\d$/)
      })
    )
  })

  it("refuses what it cannot weigh instead of guessing", () => {
    expect(mod7("12a")).toBeUndefined()
    expect(luhn("")).toBeUndefined()
    expect(s10("1234567")).toBeUndefined()
    expect(weightedSumModulo("123", [1, 2], 11, 10)).toBeUndefined()
    expect(weightedMod10("12-3", 1, 2, false)).toBeUndefined()
  })
})
