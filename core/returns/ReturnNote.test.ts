import { describe, expect, it } from "vitest"
import { noOrderNote, readReturnNote } from "./ReturnNote.ts"

describe("a return's station note", () => {
  it("is stored in English for the log and read back as facts the screen words in its language", () => {
    for (const scanned of ["RR123456785DE", 'he said "(sscc): taken in as an unknown return"', "a\nb", ""]) {
      const stored = noOrderNote(scanned, "sscc")
      expect(stored).toBe(`No order found for "${scanned}" (sscc): taken in as an unknown return`)
      expect(readReturnNote(stored)).toEqual({ kind: "no-order", scanned, scanKind: "sscc" })
    }
  })

  it("keeps any other note as its words", () => {
    for (const text of ["Karton nass", 'No order found for "x" (sscc)', ""]) {
      expect(readReturnNote(text)).toEqual({ kind: "text", text })
    }
  })
})
