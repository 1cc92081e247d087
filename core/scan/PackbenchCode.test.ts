import { describe, expect, it } from "vitest"
import { identifyScan } from "./identify.ts"
import { encodePackbenchCode, packbenchCodeTypes } from "./PackbenchCode.ts"

const encoded = (...args: Parameters<typeof encodePackbenchCode>): string => {
  const result = encodePackbenchCode(...args)
  if (!result.ok) throw new Error(result.reason)
  return result.code
}

describe("Packbench codes", () => {
  it("round-trips every type through identifyScan", () => {
    for (const type of packbenchCodeTypes) {
      const code = encoded(type, "SO-10042")
      expect(code).toMatch(new RegExp(`^PB:${type.toUpperCase()}:SO-10042:[0-9A-Z]$`))
      expect(identifyScan(code)).toEqual({ input: code, kind: "packbench", valid: true, type, id: "SO-10042" })
    }
  })

  it("catches a single wrong character in the id or type", () => {
    const code = encoded("tote", "T0042")
    expect(identifyScan(code.replace("T0042", "T0043"))).toMatchObject({ valid: false, reason: /check character/ })
    expect(identifyScan(code.replace("TOTE", "RMA"))).toMatchObject({ type: "rma", valid: false })
  })

  it("reads Caps-Lock-inverted scans", () => {
    expect(identifyScan(encoded("badge", "OP-7").toLowerCase())).toMatchObject({ kind: "packbench", valid: true })
  })

  it("has an RMA URL form on the configured host", () => {
    const url = encoded("rma", "R-77", { form: "url" })
    expect(url).toMatch(/^https:\/\/r\.packbench\.example\/rma\/R-77\?c=[0-9A-Z]$/)
    expect(identifyScan(url)).toMatchObject({ kind: "packbench", type: "rma", id: "R-77", valid: true })
    expect(identifyScan(url.replace(/c=.$/, "c="))).toMatchObject({ valid: false, reason: /missing/ })
    expect(identifyScan(url, { rmaHosts: ["returns.shop.example"] }).kind).toBe("unknown")
    const own = encoded("rma", "R-77", { form: "url", rmaHost: "returns.shop.example" })
    expect(identifyScan(own, { rmaHosts: ["returns.shop.example"] })).toMatchObject({ valid: true })
  })

  it("refuses ids outside [A-Z0-9-]{1,32} and URL forms of other types, saying why", () => {
    expect(encodePackbenchCode("order", "")).toMatchObject({ ok: false })
    expect(encodePackbenchCode("order", "A".repeat(33))).toMatchObject({ ok: false })
    expect(encodePackbenchCode("order", "a b")).toMatchObject({ ok: false, reason: /A-Z/ })
    expect(encodePackbenchCode("tote", "T1", { form: "url" })).toMatchObject({ ok: false, reason: /only RMA/ })
  })

  it("names an unknown type or a malformed code", () => {
    expect(identifyScan("PB:CRATE:C1:0")).toMatchObject({
      kind: "unknown",
      reason: /unknown Packbench code type "CRATE"/
    })
    expect(identifyScan("PB:ORDER:SO 1:0")).toMatchObject({ kind: "packbench", valid: false, reason: /not 1-32/ })
    expect(identifyScan("PB:ORDER:SO1")).toMatchObject({ valid: false, reason: /missing/ })
  })
})
