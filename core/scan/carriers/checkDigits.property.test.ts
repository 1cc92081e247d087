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

  it("weights 3,1 and 1,3 from the left (Canada Post, USPS 20 and IMpb C, FedEx Ground) catch every single-digit change", () => {
    // Both weights are prime to 10, so a changed digit always changes the sum mod 10.
    for (const [evens, odds] of [
      [3, 1],
      [1, 3]
    ] as const) {
      fc.assert(
        fc.property(withOneDigitChanged(1, 30), ({ serial, changed }) => {
          expect(weightedMod10(changed, evens, odds, false)).not.toBe(weightedMod10(serial, evens, odds, false))
        }),
        { numRuns: 2000 }
      )
    }
  })

  it("mod 10 over letters (UPS 1Z) misses a letter changed to one with the same (code - 3) mod 10, as the data set defines it", () => {
    const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    const value = (char: string) => (char.charCodeAt(0) - 3) % 10
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), minLength: 1, maxLength: 15 }),
        fc.nat(),
        fc.constantFrom(...letters),
        (serial, position, letter) => {
          const at = position % serial.length
          if (serial[at] === letter || !/[A-Z]/.test(serial[at]!)) return
          const changed = `${serial.slice(0, at)}${letter}${serial.slice(at + 1)}`
          const weight = at % 2 === 0 ? 1 : 2
          const detected = weightedMod10(changed, 1, 2, false) !== weightedMod10(serial, 1, 2, false)
          expect(detected).toBe(mod(weight * (value(letter) - value(serial[at]!)), 10) !== 0)
        }
      ),
      { numRuns: 2000 }
    )
    // R and H both count 9: "1Z" numbers differing only there share their check digit.
    expect(weightedMod10("5R8939035756712", 1, 2, false)).toBe(weightedMod10("5H8939035756712", 1, 2, false))
  })

  it("Luhn (ISO/IEC 7812-1: Purolator's 12-digit PIN, Old Dominion's PRO numbers) catches every single-digit change", () => {
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

  it("gives the published examples of each algorithm", () => {
    // Luhn: the worked example of ISO/IEC 7812-1 as commonly quoted, 7992739871 -> 3; Old Dominion's sample 07209562763.
    expect(luhn("7992739871")).toBe("3")
    expect(luhn("0720956276")).toBe("3")
    // GS1 mod 10: GS1's worked example GTIN-13 629104150021 -> 3, and the GTIN 4006381333931.
    expect(weightedMod10("629104150021", 3, 1, true)).toBe("3")
    expect(weightedMod10("400638133393", 3, 1, true)).toBe("1")
    // Canada Post (data set sample 7035114477138472), FedEx Ground (sample 041441760228964).
    expect(weightedMod10("703511447713847", 3, 1, false)).toBe("2")
    expect(weightedMod10("04144176022896", 1, 3, false)).toBe("4")
    // UPS 1Z5R89390357567127 (the data set's first UPS sample): the serial after 1Z, letters included.
    expect(weightedMod10("5R8939035756712", 1, 2, false)).toBe("7")
    // DHL Express 3318810025: 331881002 mod 7 = 5.
    expect(mod7("331881002")).toBe("5")
    // UPU S10 §5 example AA473124829GB.
    expect(s10("47312482")).toBe("9")
    // FedEx Express 986578788855: weights 3,1,7 mod 11 mod 10.
    expect(weightedSumModulo("98657878885", [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1], 11, 10)).toBe("5")
    // ISO/IEC 7064 MOD 37,36 on DPD's label example 0081827 09980000020033 350 276 -> C.
    expect(iso7064Mod37_36("008182709980000020033350276")).toBe("C")
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
