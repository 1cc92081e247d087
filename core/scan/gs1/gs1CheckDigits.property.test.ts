import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { gs1CheckDigit, hasValidGs1CheckDigit } from "../gs1CheckDigit.ts"
import { checkCharacterPair, gs1LinterProblem } from "./gs1Linter.ts"

const cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

/** `text` with the character at `at` replaced by another of `alphabet`. */
const changeOne = (text: string, alphabet: string) =>
  fc.record({ at: fc.nat(), by: fc.integer({ min: 1, max: alphabet.length - 1 }) }).map(({ at, by }) => {
    const position = at % text.length
    const replaced = alphabet[(alphabet.indexOf(text[position]!) + by) % alphabet.length]!
    return `${text.slice(0, position)}${replaced}${text.slice(position + 1)}`
  })

describe("GS1 check digits: a valid value with one character changed is refused", () => {
  it("GS1 mod 10 (GTIN, SSCC, GLN, GSIN…), any length, any digit", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{1,17}$/).chain((body) => {
          const valid = `${body}${gs1CheckDigit(body)}`
          return fc.tuple(fc.constant(valid), changeOne(valid, "0123456789"))
        }),
        ([valid, changed]) => {
          expect(hasValidGs1CheckDigit(valid)).toBe(true)
          expect(gs1LinterProblem("csum", valid, 2025)).toBeUndefined()
          expect(hasValidGs1CheckDigit(changed)).toBe(false)
          expect(gs1LinterProblem("csum", changed, 2025)).toMatch(/check digit/)
        }
      ),
      { numRuns: 3000 }
    )
  })

  it("GS1 check character pair (csumalpha: GMN, MUDI) over CSET 82", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...cset82), minLength: 1, maxLength: 23 }).chain((data) => {
          const valid = `${data}${checkCharacterPair(data)}`
          return fc.tuple(fc.constant(valid), changeOne(data, cset82))
        }),
        ([valid, changedData]) => {
          expect(gs1LinterProblem("csumalpha", valid, 2025)).toBeUndefined()
          const changed = `${changedData}${valid.slice(-2)}`
          expect(gs1LinterProblem("csumalpha", changed, 2025)).toMatch(/check character pair/)
        }
      ),
      { numRuns: 3000 }
    )
  })

  it("IBAN (AI 8007, ISO 13616 mod 97) with a digit of its account changed", () => {
    const mod97 = (digits: string) => [...digits].reduce((r, d) => (r * 10 + Number(d)) % 97, 0)
    const numeric = (text: string) => [...text].map((c) => (/\d/.test(c) ? c : String(c.charCodeAt(0) - 55))).join("")
    fc.assert(
      fc.property(
        fc.constantFrom("DE", "AT", "NL", "FR", "GB"),
        fc.stringMatching(/^\d{10,22}$/),
        (country, account) => {
          const check = String(98 - mod97(numeric(`${account}${country}00`))).padStart(2, "0")
          const valid = `${country}${check}${account}`
          expect(gs1LinterProblem("iban", valid, 2025)).toBeUndefined()
          const position = 4 + (account.length % (account.length - 1))
          const changed = `${valid.slice(0, position)}${(Number(valid[position]) + 1) % 10}${valid.slice(position + 1)}`
          expect(gs1LinterProblem("iban", changed, 2025)).toMatch(/IBAN/)
        }
      ),
      { numRuns: 2000 }
    )
  })
})
