import { describe, expect, it } from "vitest"
import { ApiCallError } from "../api/ApiCallError.ts"
import { de } from "./de.ts"
import { en } from "./en.ts"
import { describeError, makeTranslator } from "./Translator.ts"

/** Every argument a message takes, plain (`{name}`) or plural (`{count, plural, …}`), each once. */
const placeholders = (text: string) =>
  [...new Set([...text.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((match) => match[1]))].sort()

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

  it("say one parcel, one day, one rule in the singular and the rest in the plural, in both languages", () => {
    const de1 = makeTranslator("de")
    const en1 = makeTranslator("en")
    expect(de1("handover.count", { count: 1 })).toBe("1 Paket")
    expect(de1("handover.count", { count: 0 })).toBe("0 Pakete")
    expect(de1("handover.count", { count: 12 })).toBe("12 Pakete")
    expect(en1("handover.count", { count: 1 })).toBe("1 parcel")
    expect(en1("handover.count", { count: 2 })).toBe("2 parcels")
    expect(de1("handover.closed", { batchId: "H-1", count: 1, carrier: "DHL" })).toBe(
      "Übergabe H-1 abgeschlossen: 1 Paket an DHL"
    )
    expect(de1("pack.lineShort", { count: 1 })).toBe("1 fehlt (Teillieferung)")
    expect(de1("pack.lineShort", { count: 3 })).toBe("3 fehlen (Teillieferung)")
    expect(de1("metrics.reachHint", { count: 1 })).toContain("Anteil des 1 Pakets im Zeitraum")
    expect(en1("order.itemsValue", { items: 1, lines: 1 })).toBe("1 (1 line)")
    expect(en1("rules.windowDays", { days: 30 })).toBe("Return window 30 days")
  })

  it("render every message with a count of one without a plural noun after the 1", () => {
    const nouns = /\b1 (Pakete|Tage|Regeln|Artikel|parcels|days|rules|lines|matches)\b/
    for (const [language, table] of Object.entries({ de, en })) {
      const t = makeTranslator(language as "de" | "en")
      for (const key of Object.keys(table) as Array<keyof typeof de>) {
        const ones = Object.fromEntries(placeholders(table[key]).map((name) => [name, 1]))
        expect(t(key, ones), `${language} ${key}`).not.toMatch(nouns)
      }
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
      "label-address-outdated",
      "order-cancelled-after-packing",
      "parcel-lines-outdated",
      "parcel-not-voidable",
      "parcel-unknown",
      "reason-required",
      "insert-encoding"
    ]
    for (const code of codes) expect(Object.hasOwn(de, `error.${code}`), code).toBe(true)
  })

  it("word every refund rejection alert the station raises (core/returns/refundRejectedAlert.ts)", () => {
    for (const code of ["refund-rejected-duplicate", "refund-rejected-renumbered", "refund-rejected-over-paid"]) {
      expect(Object.hasOwn(de, `alert.${code}`), code).toBe(true)
    }
  })
})

describe("makeTranslator", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(makeTranslator("de")("scan.signedIn", { name: "Jonas Becker" })).toBe("Angemeldet: Jonas Becker")
    expect(makeTranslator("en")("scan.signedIn")).toBe("Signed in: {name}")
  })

  it("keeps each weight with its unit on one line: a no-break space between number and unit", () => {
    expect(makeTranslator("de")("pack.weightValue", { grams: 860, tolerance: 40 })).toBe("860\u00a0g ± 40\u00a0g")
    expect(makeTranslator("en")("pack.boxSize", { length: 300, width: 200, height: 100, maxKg: "12.5" })).toBe(
      "300 × 200 × 100\u00a0mm, up to 12.5\u00a0kg"
    )
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

  it("names a carrier the station does not ship with in both languages, not in the station's English", () => {
    const refused = new ApiCallError("handover.open", "carrier-unknown", "This station does not ship with ACME")
    expect(describeError(makeTranslator("de"), refused)).toBe(
      "Mit diesem Spediteur versendet diese Station nicht – einen der angezeigten wählen."
    )
    expect(describeError(makeTranslator("en"), refused)).toBe(
      "This station does not ship with this carrier – choose one of those shown."
    )
  })
})
