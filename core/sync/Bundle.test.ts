import { describe, expect, it } from "vitest"
import { arrayElementSpans, BundleSource, joinBundle } from "./Bundle.ts"

const encode = (text: string) => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
/** The envelopes' bytes, the brackets and the commas between them. */
const bundleBytes = (parts: ReadonlyArray<{ readonly payload: Uint8Array }>) =>
  parts.reduce((sum, part) => sum + part.payload.length, 1 + parts.length)

describe("bundles", () => {
  it("joins encoded envelopes into one JSON array, its size known before", () => {
    const parts = ['{"seq":1}', '{"seq":2,"s":"ä"}', "{}"].map((text) => ({ payload: encode(text) }))
    const joined = joinBundle(parts, bundleBytes(parts))
    expect(decode(joined)).toBe('[{"seq":1},{"seq":2,"s":"ä"},{}]')
    expect(JSON.parse(decode(joined))).toEqual([{ seq: 1 }, { seq: 2, s: "ä" }, {}])
    expect(decode(joinBundle(parts.slice(0, 1), bundleBytes(parts.slice(0, 1))))).toBe('[{"seq":1}]')
  })

  it("finds each element's own text, through strings with brackets, commas, quotes and escapes", () => {
    const elements = [
      '{"a":"],[{\\"x\\\\","b":[1,{"c":"}"}]}',
      "1e400",
      '"plain, \\"quoted\\" ]"',
      "[[],{}]",
      "null",
      '{"wallMs":1e400,"n":-0.5E+3}'
    ]
    const text = ` [ ${elements.join(" ,\n\t")} ] `
    expect(() => JSON.parse(text)).not.toThrow()
    expect(arrayElementSpans(text).map(([start, end]) => text.slice(start, end))).toEqual(elements)
    expect(arrayElementSpans("[]")).toEqual([])
  })

  it("gives back an element's bytes as they came, where parsing and encoding again would change them", () => {
    const source = new BundleSource(encode('[{"seq":1},{"wallMs":1e400,"t":"\\u00e4"}]'))
    expect(decode(source.element(1))).toBe('{"wallMs":1e400,"t":"\\u00e4"}')
    expect(decode(source.element(0))).toBe('{"seq":1}')
    expect(decode(source.element(5))).toBe("")
  })
})
