import { describe, expect, it } from "vitest"
import { ApiCallError } from "../api/ApiCallError.ts"
import { de } from "./de.ts"
import { en } from "./en.ts"
import { describeError, makeTranslator } from "./Translator.ts"

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort()

describe("translations", () => {
  it("have the same keys in German and English", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(de).sort())
  })

  it("have no empty strings", () => {
    for (const [language, table] of Object.entries({ de, en })) {
      const empty = Object.entries(table).filter(([, text]) => text.trim() === "")
      expect(empty, language).toEqual([])
    }
  })

  it("use the same placeholders in both languages", () => {
    for (const key of Object.keys(de) as Array<keyof typeof de>) {
      expect(placeholders(en[key]), key).toEqual(placeholders(de[key]))
    }
  })

  it("translate every error code the station documents", () => {
    const codes = [
      "unknown-command",
      "invalid-input",
      "invalid-json",
      "internal",
      "badge-unreadable",
      "badge-unknown",
      "not-signed-in",
      "role-required",
      "store-refused",
      "store-unavailable",
      "label-content",
      "insert-encoding"
    ]
    for (const code of codes) expect(Object.hasOwn(de, `error.${code}`), code).toBe(true)
  })
})

describe("makeTranslator", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(makeTranslator("de")("scan.signedIn", { name: "Jonas Becker" })).toBe("Angemeldet: Jonas Becker")
    expect(makeTranslator("en")("scan.signedIn")).toBe("Signed in: {name}")
  })
})

describe("describeError", () => {
  it("translates known codes, falls back to the English message, and names a lost transport", () => {
    const t = makeTranslator("de")
    expect(describeError(t, new ApiCallError("session.signIn", "badge-unknown", "No badge B-7"))).toBe(
      "Badge unbekannt."
    )
    expect(describeError(t, new ApiCallError("x", "shipment-late", "The carrier is late"))).toBe("The carrier is late")
    expect(describeError(t, new TypeError("Failed to fetch"))).toBe("Station nicht erreichbar.")
  })
})
