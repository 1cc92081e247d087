import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"
import { GS, parseElementString } from "./parseElementString.ts"

interface Vector {
  readonly line: number
  readonly uri: string
  readonly valid: boolean
  readonly elementString?: string
  readonly engineOptions?: ReadonlyArray<string>
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("./fixtures/digital-link-conformance.json", import.meta.url)), "utf8")
) as { readonly vectors: ReadonlyArray<Vector> }

/**
 * Where Packbench deliberately differs from the reference engine's defaults: the issue asks for Digital Link 1.1
 * short names to be read (the engine reads them only with `permitConvenienceAlphas`).
 */
const shortNameDefault = (v: Vector) => v.uri === "https://a/gtin/12312312312333" && v.engineOptions === undefined

/** The engine's switches Packbench does not have: zero-suppressed GTINs and unknown AIs stay refused. */
const needsSwitchWeLack = (v: Vector) =>
  (v.engineOptions ?? []).some((option) => option !== "convenienceAlphas") && v.valid

const applicable = fixture.vectors.filter((v) => !shortNameDefault(v) && !needsSwitchWeLack(v))

/** The engine's output "^0112…^10ABC" as our AIs: "^" is FNC1, GS on the wire. */
const aisOf = (elementString: string) => {
  const parse = parseElementString(elementString.replace(/^\^/, "").replace(/\^/g, GS), 2025)
  expect(parse.errors).toEqual([])
  return [...parse.ais].sort((a, b) => a.ai.localeCompare(b.ai))
}

describe("GS1 Digital Link conformance vectors (gs1-syntax-engine dl.c, Apache-2.0)", () => {
  it("covers the reference engine's parse tests", () => {
    expect(fixture.vectors.length).toBeGreaterThan(100)
    expect(applicable.length).toBeGreaterThan(95)
  })

  it.each(applicable.filter((v) => v.valid))("dl.c:$line accepts $uri", (vector) => {
    const result = identifyScan(vector.uri)
    expect(result).toMatchObject({ valid: true })
    expect(["digital-link", "sscc"]).toContain(result.kind)
    if (result.kind === "digital-link" || result.kind === "sscc") {
      expect([...result.ais].sort((a, b) => a.ai.localeCompare(b.ai))).toEqual(aisOf(vector.elementString!))
    }
  })

  it.each(applicable.filter((v) => !v.valid))("dl.c:$line refuses $uri", (vector) => {
    const result = identifyScan(vector.uri)
    expect(result.valid, JSON.stringify(result)).toBe(false)
  })

  it("reads the short names of Digital Link 1.1 as the AIs they stand for", () => {
    expect(identifyScan("https://a/gtin/12312312312333")).toMatchObject({
      kind: "digital-link",
      valid: true,
      ais: [{ ai: "01", value: "12312312312333" }]
    })
  })

  it("reads a zero-suppressed GTIN as its GTIN-14 but refuses it, as the engine does by default", () => {
    expect(identifyScan("https://a/01/416000336108")).toMatchObject({
      kind: "digital-link",
      valid: false,
      ais: [{ ai: "01", value: "00416000336108" }],
      reason: expect.stringMatching(/14-digit GTIN/)
    })
  })
})
