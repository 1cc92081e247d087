import { describe, expect, it } from "vitest"
import { jsonBoundsProblem } from "./JsonBounds.ts"

describe("jsonBoundsProblem", () => {
  it("passes an ordinary document", () => {
    expect(jsonBoundsProblem(JSON.parse('{"a":[1,2.5,-3,{"b":"text","c":null,"d":true}],"e":1700000000000}'))).toBe(
      undefined
    )
  })

  it("names the non-finite number JSON.parse makes of 1e400, and numbers out of range", () => {
    expect(jsonBoundsProblem(JSON.parse('{"wallMs":1e400}'))).toBe("$.wallMs is not a finite number")
    expect(jsonBoundsProblem(JSON.parse('{"x":[0,-1e400]}'))).toBe("$.x[1] is not a finite number")
    expect(jsonBoundsProblem({ x: 2 ** 60 })).toContain("$.x is out of range")
  })

  it("bounds strings, keys, nesting and size", () => {
    expect(jsonBoundsProblem({ raw: "x".repeat(20_000) })).toContain("$.raw is longer than 16384 characters")
    expect(jsonBoundsProblem({ ["k".repeat(200)]: 1 })).toContain("key longer than 128")
    const deep = JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`)
    expect(jsonBoundsProblem(deep)).toContain("nested deeper than 32")
    expect(jsonBoundsProblem(new Array(100_001).fill(0))).toBe("more than 100000 values")
  })

  it("names the first problem in document order, an object's long key before any problem of its values", () => {
    expect(jsonBoundsProblem({ a: [1, { b: Number.POSITIVE_INFINITY, c: "x".repeat(20_000) }], d: 2 ** 60 })).toBe(
      "$.a[1].b is not a finite number"
    )
    expect(jsonBoundsProblem({ a: { b: Number.POSITIVE_INFINITY, ["k".repeat(200)]: 1 } })).toBe(
      "$.a has a key longer than 128 characters"
    )
    // The count of values is the whole document's: it stops the walk wherever it is reached, and names no path.
    const limits = { maxDepth: 32, maxNodes: 3, maxStringChars: 10, maxAbsNumber: 100 }
    expect(jsonBoundsProblem({ a: [1, 2], b: Number.POSITIVE_INFINITY }, limits)).toBe("more than 3 values")
    expect(jsonBoundsProblem({ a: [Number.POSITIVE_INFINITY, 2] }, limits)).toBe("$.a[0] is not a finite number")
    expect(jsonBoundsProblem([[["x".repeat(11)]]], { ...limits, maxNodes: 10, maxDepth: 2 })).toBe(
      "$[0][0][0] is nested deeper than 2"
    )
  })
})
