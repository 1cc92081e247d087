import { Effect, Exit } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { encodeZpl } from "./encodeZpl.ts"
import { exampleLabel } from "./exampleLabel.ts"
import type { ShippingLabel } from "./ShippingLabel.ts"
import { validateZpl } from "./validateZpl.ts"

const zplText = async (label: ShippingLabel, dpi: 203 | 300 = 203) =>
  Buffer.from(await Effect.runPromise(encodeZpl(label, { dpi }))).toString("utf8")

const failure = async (label: ShippingLabel) => {
  const exit = await Effect.runPromiseExit(encodeZpl(label, { dpi: 203 }))
  if (Exit.isSuccess(exit)) throw new Error("expected encodeZpl to fail")
  const error = exit.cause.reasons[0]
  if (error?._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error
}

/** Field data of every ^FD, with ^FH hex escapes and ^FB line breaks undone. */
const fieldTexts = (zpl: string) =>
  [...zpl.matchAll(/\^FD(.*?)\^FS/g)].flatMap((m) =>
    m[1]!
      .replace(/\\([\\&])/g, (_, c: string) => (c === "&" ? "\n" : "\\"))
      .split("\n")
      .map((line) => line.replace(/_([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))))
  )

describe("encodeZpl", () => {
  it("sizes a 4x6 label for 203 and 300 dpi and selects UTF-8", async () => {
    const at203 = await zplText(exampleLabel, 203)
    expect(at203.startsWith("^XA\n^CI28\n^PW812\n^LL1218\n")).toBe(true)
    expect(at203.trimEnd().endsWith("^XZ")).toBe(true)
    const at300 = await zplText(exampleLabel, 300)
    expect(at300).toContain("^PW1218\n^LL1827\n")
    expect(at300).toContain("^BY3,")
  })

  it("encodes the tracking number as Code 128 and the SSCC as GS1-128 with FNC1", async () => {
    const zpl = await zplText(exampleLabel)
    expect(zpl).toMatch(/\^BCN,\d+,Y,N,N\^FDJJD000390007283911\^FS/)
    expect(zpl).toContain("^FD>;>800340123450000000017^FS")
    expect(zpl).toMatch(/\^BQN,2,4\^FH\^FDMA,JJD000390007283911\|ORD-2024-000123\|P1 of 2\^FS/)
  })

  it("hex-escapes ^, ~ and _ in field data and keeps UTF-8 text", async () => {
    const zpl = await zplText(exampleLabel)
    expect(zpl).toContain("c/o Ärzte_5EHaus _7E 3")
    expect(zpl).toContain("Ref: PO_5F4711")
    expect(zpl).toContain("Zoë Müller-Łukasiewicz")
    expect(validateZpl(new TextEncoder().encode(zpl))).toEqual([])
  })

  it("stays well-formed and keeps every address line for any printable text", async () => {
    const printable = fc
      .array(
        fc.oneof(
          fc.constantFrom("^", "~", "_", "\\", "&", ",", "ß", "Ł", "Ж", "Ω", "€"),
          fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c))
        ),
        { minLength: 1, maxLength: 40 }
      )
      .map((chars) => chars.join(""))
    await fc.assert(
      fc.asyncProperty(fc.array(printable, { minLength: 1, maxLength: 5 }), async (shipTo) => {
        const zpl = await zplText({ ...exampleLabel, shipTo })
        expect(validateZpl(new TextEncoder().encode(zpl))).toEqual([])
        const texts = fieldTexts(zpl)
        for (const line of shipTo) expect(texts).toContain(line)
      }),
      { numRuns: 150 }
    )
  })

  it("rejects characters font 0 cannot print, naming the field", async () => {
    const error = await failure({ ...exampleLabel, shipTo: ["Taro Yamada", "東京都渋谷区", "Japan"] })
    expect(error).toMatchObject({ _tag: "LabelContentError", field: "shipTo[1]" })
    expect(error.message).toContain("U+6771")
    const control = await failure({ ...exampleLabel, reference: "line\nbreak" })
    expect(control).toMatchObject({ field: "reference" })
    expect(control.message).toContain("control character U+000A")
  })

  it("rejects barcode values the symbols cannot carry", async () => {
    expect(await failure({ ...exampleLabel, trackingNumber: "JJD 0003" })).toMatchObject({ field: "trackingNumber" })
    expect(await failure({ ...exampleLabel, sscc: "340123450000000018" })).toMatchObject({
      field: "sscc",
      message: expect.stringContaining("GS1 mod-10 gives 7")
    })
    expect(await failure({ ...exampleLabel, shipTo: [] })).toMatchObject({ field: "shipTo" })
    expect(await failure({ ...exampleLabel, weightGrams: 0 })).toMatchObject({ field: "weightGrams" })
  })

  it("omits the SSCC barcode when there is none", async () => {
    const { sscc: _, ...withoutSscc } = exampleLabel
    const zpl = await zplText(withoutSscc)
    expect(zpl).not.toContain(">;>8")
    expect(validateZpl(new TextEncoder().encode(zpl))).toEqual([])
  })
})
