import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"

interface Case {
  readonly rule: string
  readonly uri: string
  readonly valid: boolean
  readonly kind?: "digital-link" | "sscc"
  readonly ais?: ReadonlyArray<{ readonly ai: string; readonly value: string }>
  readonly notDigitalLink?: boolean
  readonly why?: string
  /** For a refused Digital Link: a regular expression one of the errors matches. */
  readonly reason?: string
}

/** Our own cases, written from the rules of GS1 Digital Link 1.2; each names the rule it exercises. */
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/digital-link-cases.json", import.meta.url)), "utf8")
) as { readonly cases: ReadonlyArray<Case> }

const sorted = (ais: ReadonlyArray<{ readonly ai: string; readonly value: string }>) =>
  [...ais].map(({ ai, value }) => ({ ai, value })).sort((a, b) => a.ai.localeCompare(b.ai))

describe("GS1 Digital Link 1.2 cases (fixtures/digital-link-cases.json)", () => {
  it("covers every rule group with accepted and refused cases", () => {
    const groups = new Set(fixture.cases.map((c) => c.rule.split(":")[0]))
    for (const group of ["scheme", "stem", "GTIN", "qualifiers", "attributes", "repeats", "syntax", "short names"])
      expect(groups).toContain(group)
    expect(fixture.cases.filter((c) => c.valid).length).toBeGreaterThan(15)
    expect(fixture.cases.filter((c) => !c.valid).length).toBeGreaterThan(20)
  })

  it.each(fixture.cases.filter((c) => c.valid))("$rule: accepts $uri", (c) => {
    const result = identifyScan(c.uri)
    expect(result, JSON.stringify(result)).toMatchObject({ valid: true, kind: c.kind })
    if (result.kind === "digital-link" || result.kind === "sscc") expect(sorted(result.ais ?? [])).toEqual(c.ais)
  })

  it.each(fixture.cases.filter((c) => !c.valid && c.notDigitalLink !== true))("$rule: refuses $uri ($why)", (c) => {
    const result = identifyScan(c.uri)
    expect(["digital-link", "sscc"]).toContain(result.kind)
    expect(result.valid, JSON.stringify(result)).toBe(false)
    const errors = [
      ...("errors" in result && result.errors !== undefined ? result.errors : []),
      "reason" in result && result.reason !== undefined ? result.reason : ""
    ]
    expect(
      errors.some((e) => new RegExp(c.reason!).test(e)),
      JSON.stringify(errors)
    ).toBe(true)
  })

  it.each(fixture.cases.filter((c) => c.notDigitalLink === true))("$rule: $uri is no Digital Link ($why)", (c) => {
    const result = identifyScan(c.uri)
    expect(result.kind).not.toBe("digital-link")
    expect(result.valid).toBe(false)
  })

  it("reads a zero-suppressed GTIN as its GTIN-14 but refuses it, with the reason", () => {
    expect(identifyScan("https://a.example/01/416000336108")).toMatchObject({
      kind: "digital-link",
      valid: false,
      ais: [{ ai: "01", value: "00416000336108" }],
      reason: expect.stringMatching(/14-digit GTIN/)
    })
  })
})
