import { describe, expect, it } from "vitest"
import { type AnswerRow, ignoredOutcome } from "./CorrectionAnswers.ts"

const stations = ["HAM1/PACK-01", "HAM1/PACK-02"]
const answer = (station: string, outcome: AnswerRow["outcome"], cause: string | null = null): AnswerRow => ({
  station: `HAM1/${station}`,
  outcome,
  cause
})

describe("whether the customer hears that their correction is not used, from every station's answer", () => {
  it("waits for every station that has the order before telling of the source's address", () => {
    expect(ignoredOutcome([answer("PACK-01", "ignored", "source-changed")], stations)).toBeUndefined()
    expect(
      ignoredOutcome([answer("PACK-01", "ignored", "source-changed"), answer("PACK-02", "overridden")], stations)
    ).toBe("source-changed")
    expect(ignoredOutcome([answer("PACK-01", "overridden"), answer("PACK-02", "overridden")], stations)).toBe(
      "source-changed-after"
    )
  })

  it("tells nothing while the correction holds at a station, the customer's newer one does, or no word is known", () => {
    expect(
      ignoredOutcome([answer("PACK-01", "ignored", "source-changed"), answer("PACK-02", "applied")], stations)
    ).toBeUndefined()
    expect(ignoredOutcome([answer("PACK-01", "overridden"), answer("PACK-02", "replaced")], stations)).toBeUndefined()
    expect(
      ignoredOutcome([answer("PACK-01", "ignored", "moon-phase"), answer("PACK-02", "ignored")], stations)
    ).toBeUndefined()
  })

  it("tells at once of a parcel that had left, whatever the other stations did", () => {
    expect(ignoredOutcome([answer("PACK-02", "ignored", "handed-to-carrier")], stations)).toBe("handed-to-carrier")
    expect(
      ignoredOutcome([answer("PACK-01", "applied"), answer("PACK-02", "ignored", "handed-to-carrier")], stations)
    ).toBe("handed-to-carrier")
  })
})
