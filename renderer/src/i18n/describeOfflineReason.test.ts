import { describe, expect, it } from "vitest"
import { OfflineReasonCode, offlineReasonOf } from "../../../core/api/StationApi.ts"
import { describeOfflineReason, describeOfflineReasonDetail } from "./describeOfflineReason.ts"
import { makeTranslator } from "./Translator.ts"

const de = makeTranslator("de")
const en = makeTranslator("en")

describe("describeOfflineReason", () => {
  it("has a German and an English wording of its own for every code, with nothing left to fill in", () => {
    for (const table of [de, en]) {
      const words = OfflineReasonCode.literals.map((code) => describeOfflineReason(table, { code }))
      expect(new Set(words).size).toBe(OfflineReasonCode.literals.length)
      for (const word of words) expect(word).not.toMatch(/[{}]|stations\./)
    }
    for (const code of OfflineReasonCode.literals)
      expect(describeOfflineReason(de, { code })).not.toBe(describeOfflineReason(en, { code }))
  })

  it("words what a station of this or the previous release sends, and a reason it does not know neutrally", () => {
    const cases: ReadonlyArray<readonly [string | undefined, string, string]> = [
      [undefined, "ordnungsgemäß beendet", "stopped cleanly"],
      ["connection lost", "Verbindung verloren", "connection lost"],
      ["shutting down for update", "Grund unbekannt", "reason unknown"]
    ]
    for (const [reason, german, english] of cases) {
      expect(describeOfflineReason(de, offlineReasonOf(reason))).toBe(german)
      expect(describeOfflineReason(en, offlineReasonOf(reason))).toBe(english)
    }
    // The station's own words are the quiet detail, the same in both languages; a known reason has none.
    expect(describeOfflineReasonDetail(de, offlineReasonOf("shutting down for update"))).toBe(
      "Details: shutting down for update"
    )
    expect(describeOfflineReasonDetail(en, offlineReasonOf("connection lost"))).toBeUndefined()
    expect(describeOfflineReasonDetail(en, offlineReasonOf(" "))).toBeUndefined()
  })

  it("keeps a hostile reason as plain text, placeholders and markup untouched", () => {
    expect(describeOfflineReasonDetail(en, offlineReasonOf("{detail} <img src=x onerror=alert(1)>"))).toBe(
      "Details: {detail} <img src=x onerror=alert(1)>"
    )
  })
})
