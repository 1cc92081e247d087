import { describe, expect, it } from "vitest"
import { describeReturnNote } from "./describeReturnNote.ts"
import { makeTranslator } from "./Translator.ts"

describe("describeReturnNote", () => {
  const noOrder = { kind: "no-order", scanned: "RR123456785DE", scanKind: "tracking" } as const

  it("words the station's note on an unknown return in the bench's language", () => {
    expect(describeReturnNote(makeTranslator("de"), noOrder)).toBe(
      "Keine Bestellung zu „RR123456785DE“ (Sendungsnummer) gefunden: als unbekannte Retoure angenommen"
    )
    expect(describeReturnNote(makeTranslator("en"), noOrder)).toBe(
      'No order found for "RR123456785DE" (Tracking number): taken in as an unknown return'
    )
  })

  it("shows a kind of code newer than this UI as the station named it, and a note of words as it is", () => {
    expect(describeReturnNote(makeTranslator("de"), { ...noOrder, scanKind: "rfid" })).toContain("(rfid)")
    expect(describeReturnNote(makeTranslator("de"), { kind: "text", text: "Karton nass" })).toBe("Karton nass")
  })
})
