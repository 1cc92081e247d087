import { describe, expect, it } from "vitest"
import { validateZpl } from "./validateZpl.ts"

const problems = (zpl: string) => validateZpl(new TextEncoder().encode(zpl))

describe("validateZpl", () => {
  it("accepts a well-formed format", () => {
    expect(problems("^XA\n^CI28\n^FO10,10^A0N,30,30^FH^FDHello_5E^FS\n^XZ\n")).toEqual([])
  })

  it("reports a format that is never ended and one that never started", () => {
    expect(problems("^XA^FO1,1^FDx^FS")).toContain("the last format is not ended with ^XZ")
    expect(problems("^FO1,1^FDx^FS^XZ")[0]).toMatch(/outside \^XA/)
    expect(problems("^XA^XA^XZ")[0]).toMatch(/\^XA at offset 3 inside a format/)
  })

  it("reports ^FD without ^FS and raw ^ or ~ in field data", () => {
    expect(problems("^XA^FO1,1^FDabc^XZ")).toContain("^FD at offset 9 is not closed by ^FS")
    expect(problems("^XA^FO1,1^FDa~b^FS^XZ")[0]).toMatch(/raw \^ or ~/)
    expect(problems("^XA^FO1,1^FDa^GBb^FS^XZ")[0]).toMatch(/raw \^ or ~/)
  })

  it("reports unknown commands, stray text and bad UTF-8", () => {
    expect(problems("^XA^ZZ1^XZ")).toEqual(["unknown command ^ZZ at offset 3"])
    expect(problems("^XAhello^XZ")[0]).toMatch(/unexpected text "hello" after \^XA at offset 0/)
    expect(validateZpl(Uint8Array.of(0x5e, 0x58, 0x41, 0xc3, 0x28))).toEqual(["invalid UTF-8 at byte 3"])
    expect(problems("")).toEqual(["no ^XA...^XZ format in the job"])
  })
})
