import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { digitalLinkShortNames } from "./digitalLinkShortNames.ts"
import { parseDigitalLink } from "./parseDigitalLink.ts"
import { GS, parseElementString } from "./parseElementString.ts"

interface ReferenceCase {
  readonly line: number
  readonly valid: boolean
  readonly uri: string
  readonly elementString: string
  readonly options: {
    readonly convenienceAlphas: boolean
    readonly zeroSuppressedGtin: boolean
    readonly unknownAis: boolean
    readonly unknownAiAsAttribute: boolean
  }
}

/** GS1's own Digital Link parser test vectors (gs1-syntax-engine, Apache-2.0): see fixtures/gs1-digital-link/README.md. */
const cases = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../../fixtures/gs1-digital-link/gs1-syntax-engine-dl-cases.json", import.meta.url)),
    "utf8"
  )
) as ReadonlyArray<ReferenceCase>

const referenceYear = 2026
const sorted = (ais: ReadonlyArray<{ readonly ai: string; readonly value: string }>) =>
  [...ais].map(({ ai, value }) => ({ ai, value })).sort((a, b) => a.ai.localeCompare(b.ai))
/** The engine's "^0112…^10ABC" element string as AIs, read by our own element-string parser. */
const referenceAis = (elementString: string) => {
  const parsed = parseElementString(elementString.slice(1).replaceAll("^", GS), referenceYear)
  expect(parsed.errors).toEqual([])
  return sorted(parsed.ais)
}
const accepted = (uri: string) => {
  const result = parseDigitalLink(uri, referenceYear)
  return result !== undefined && result.errors.length === 0 ? result : undefined
}
const usesShortName = (uri: string) =>
  uri
    .split(/[?#]/)[0]!
    .split("/")
    .slice(3)
    .some((segment) => Object.hasOwn(digitalLinkShortNames, segment))

// Where Packbench differs from the reference's test settings on purpose (README of the vectors).
const shortNameRefusedByDefault = cases.filter((c) => !c.options.convenienceAlphas && !c.valid && usesShortName(c.uri))
const zeroSuppressed = cases.filter((c) => c.options.zeroSuppressedGtin && c.valid)
const unknownAsAttribute = cases.filter((c) => c.options.unknownAiAsAttribute && c.valid)
const deliberate = new Set([...shortNameRefusedByDefault, ...zeroSuppressed, ...unknownAsAttribute])
const same = cases.filter((c) => !deliberate.has(c))

describe("GS1's Digital Link test vectors (gs1-syntax-engine dl.c)", () => {
  it("are all read, and the deliberate differences are the ones the README names", () => {
    expect(cases).toHaveLength(118)
    expect(shortNameRefusedByDefault.map((c) => c.uri)).toEqual(["https://a/gtin/12312312312333"])
    expect(zeroSuppressed).toHaveLength(11)
    expect(unknownAsAttribute).toHaveLength(1)
    expect(same.filter((c) => c.valid).length).toBeGreaterThan(55)
    expect(same.filter((c) => !c.valid).length).toBeGreaterThan(40)
  })

  it.each(same.filter((c) => c.valid))("dl.c:$line accepts $uri", (c) => {
    const result = parseDigitalLink(c.uri, referenceYear)
    expect(result?.errors, c.uri).toEqual([])
    expect(sorted(result!.ais)).toEqual(referenceAis(c.elementString))
  })

  it.each(same.filter((c) => !c.valid))("dl.c:$line refuses $uri", (c) => {
    expect(accepted(c.uri), JSON.stringify(parseDigitalLink(c.uri, referenceYear))).toBeUndefined()
  })

  it("accepts the short names the reference accepts with its convenience alphas on", () => {
    for (const c of shortNameRefusedByDefault) {
      const withAlphas = cases.find((other) => other.uri === c.uri && other.options.convenienceAlphas)
      expect(withAlphas?.valid).toBe(true)
      expect(sorted(accepted(c.uri)?.ais ?? [])).toEqual(referenceAis(withAlphas!.elementString))
    }
  })

  it.each(zeroSuppressed)(
    "dl.c:$line refuses the zero-suppressed GTIN in $uri and names the reference's GTIN-14",
    (c) => {
      const result = parseDigitalLink(c.uri, referenceYear)
      expect(result?.errors.some((error) => error.includes("must be the 14-digit GTIN"))).toBe(true)
      expect(sorted(result!.ais)).toEqual(referenceAis(c.elementString))
    }
  )

  it.each(unknownAsAttribute)("dl.c:$line refuses the unknown AI the reference takes only when told to", (c) => {
    expect(parseDigitalLink(c.uri, referenceYear)?.errors.join("; ")).toMatch(/unknown AI/)
  })
})
