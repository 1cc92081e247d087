import { describe, expect, it } from "vitest"
import { FleetProblemCode } from "../../../core/api/StationApi.ts"
import { describeFleetProblem, describeFleetProblemDetail } from "./describeFleetProblem.ts"
import { makeTranslator } from "./Translator.ts"

const de = makeTranslator("de")
const en = makeTranslator("en")

describe("describeFleetProblem", () => {
  it("has a German and an English sentence of its own for every code, with nothing left to fill in", () => {
    for (const table of [de, en]) {
      const sentences = FleetProblemCode.literals.map((code) => describeFleetProblem(table, { code, detail: "" }))
      expect(new Set(sentences).size).toBe(FleetProblemCode.literals.length)
      for (const sentence of sentences) expect(sentence).not.toMatch(/[{}]|fleetProblem\./)
    }
    for (const code of FleetProblemCode.literals)
      expect(describeFleetProblem(de, { code, detail: "" })).not.toBe(describeFleetProblem(en, { code, detail: "" }))
  })

  it("words a refused subscription, a refused summary and an unreadable presence in German and English", () => {
    const cases: ReadonlyArray<readonly [FleetProblemCode, string, string]> = [
      [
        "subscription-refused",
        "Der Broker verweigert dieser Station das Abonnement: das Topic aus den Details in der ACL der Station freigeben.",
        "The broker refuses this station the subscription: allow the topic named in the details in the station's ACL."
      ],
      [
        "summary-other-site",
        "Die letzte Übersicht des Hubs wurde abgelehnt: sie gehört zu einem anderen Standort.",
        "The hub's last summary was refused: it is another site's."
      ],
      [
        "presence-unreadable",
        "Die letzte Präsenzmeldung der Station war unlesbar (kein Text oder kein JSON); gezeigt ist der Stand davor.",
        "The station's last presence message was unreadable (not text or not JSON); the state shown is the one before."
      ]
    ]
    for (const [code, german, english] of cases) {
      expect(describeFleetProblem(de, { code, detail: "x" })).toBe(german)
      expect(describeFleetProblem(en, { code, detail: "x" })).toBe(english)
    }
    // The detail is the station's technical English, the same in both: only its label is the bench's.
    const otherSite = { code: "summary-other-site", detail: "a summary of site BER1" } as const
    expect(describeFleetProblemDetail(de, otherSite)).toBe("Details: a summary of site BER1")
    expect(describeFleetProblemDetail(en, otherSite)).toBe("Details: a summary of site BER1")
  })

  it("keeps a hostile detail as plain text, placeholders and markup untouched", () => {
    const hostile = {
      code: "summary-invalid",
      detail: "not a fleet summary: {detail} <img src=x onerror=alert(1)>"
    } as const
    expect(describeFleetProblemDetail(en, hostile)).toBe(
      "Details: not a fleet summary: {detail} <img src=x onerror=alert(1)>"
    )
  })
})
