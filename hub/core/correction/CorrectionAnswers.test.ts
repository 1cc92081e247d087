import { describe, expect, it } from "vitest"
import { type AnswerRow, ignoredOutcome, leftParcelOutcome } from "./CorrectionAnswers.ts"

const stations = ["HAM1/PACK-01", "HAM1/PACK-02"]
const waiting = { waitOver: false, parcelLeft: false }
const waitOver = { waitOver: true, parcelLeft: false }
const answer = (station: string, outcome: AnswerRow["outcome"], cause: string | null = null): AnswerRow => ({
  station: `HAM1/${station}`,
  outcome,
  cause
})

describe("whether the customer hears that their correction is not used, from every station's answer", () => {
  it("waits for every station that has the order before telling of the source's address", () => {
    expect(ignoredOutcome([answer("PACK-01", "ignored", "source-changed")], stations, waiting)).toBeUndefined()
    expect(
      ignoredOutcome(
        [answer("PACK-01", "ignored", "source-changed"), answer("PACK-02", "overridden")],
        stations,
        waiting
      )
    ).toBe("source-changed")
    expect(ignoredOutcome([answer("PACK-01", "overridden"), answer("PACK-02", "overridden")], stations, waiting)).toBe(
      "source-changed-after"
    )
  })

  it("tells nothing while the correction holds at a station, the customer's newer one does, or no word is known", () => {
    expect(
      ignoredOutcome([answer("PACK-01", "ignored", "source-changed"), answer("PACK-02", "applied")], stations, waiting)
    ).toBeUndefined()
    expect(
      ignoredOutcome([answer("PACK-01", "overridden"), answer("PACK-02", "replaced")], stations, waiting)
    ).toBeUndefined()
    expect(
      ignoredOutcome([answer("PACK-01", "ignored", "moon-phase"), answer("PACK-02", "ignored")], stations, waiting)
    ).toBeUndefined()
  })

  it("once the wait is over, decides from the answers there are: a silent station or an unknown word holds nothing back", () => {
    expect(ignoredOutcome([answer("PACK-01", "ignored", "source-changed")], stations, waitOver)).toBe("source-changed")
    expect(ignoredOutcome([answer("PACK-01", "overridden")], stations, waitOver)).toBe("source-changed-after")
    const unknownWord = [answer("PACK-01", "overridden"), answer("PACK-02", "ignored", "moon-phase")]
    expect(ignoredOutcome(unknownWord, stations, waiting)).toBeUndefined()
    expect(ignoredOutcome(unknownWord, stations, waitOver)).toBe("source-changed-after")
    expect(ignoredOutcome([], stations, waitOver)).toBeUndefined()
    expect(ignoredOutcome([answer("PACK-01", "applied")], stations, waitOver)).toBeUndefined()
  })

  it("never says the parcel goes to the source's address while a parcel left from a station that did not say so", () => {
    const left = { waitOver: true, parcelLeft: true }
    expect(ignoredOutcome([answer("PACK-01", "overridden")], stations, left)).toBeUndefined()
    expect(
      ignoredOutcome([answer("PACK-01", "overridden"), answer("PACK-02", "ignored", "moon-phase")], stations, left)
    ).toBeUndefined()
    // Every station follows the source's address: the parcel that left carries it.
    expect(ignoredOutcome([answer("PACK-01", "overridden"), answer("PACK-02", "overridden")], stations, left)).toBe(
      "source-changed-after"
    )
    expect(ignoredOutcome([answer("PACK-01", "ignored", "handed-to-carrier")], stations, left)).toBe(
      "handed-to-carrier"
    )
  })

  it("tells at once of a parcel that had left, whatever the other stations did", () => {
    expect(ignoredOutcome([answer("PACK-02", "ignored", "handed-to-carrier")], stations, waiting)).toBe(
      "handed-to-carrier"
    )
    expect(
      ignoredOutcome(
        [answer("PACK-01", "applied"), answer("PACK-02", "ignored", "handed-to-carrier")],
        stations,
        waiting
      )
    ).toBe("handed-to-carrier")
  })
})

describe("what a parcel that left tells the customer, by the answer of the station that packed it", () => {
  it("tells nothing of a parcel labelled where the correction holds, and at once where it does not", () => {
    expect(leftParcelOutcome(answer("PACK-01", "applied"))).toBeUndefined()
    expect(leftParcelOutcome(answer("PACK-01", "replaced"))).toBeUndefined()
    expect(leftParcelOutcome(answer("PACK-01", "overridden"))).toBe("source-changed-after")
    expect(leftParcelOutcome(answer("PACK-01", "ignored", "source-changed"))).toBe("source-changed")
    expect(leftParcelOutcome(answer("PACK-01", "ignored", "handed-to-carrier"))).toBe("handed-to-carrier")
    // Silent, or a reason of its own: the parcel left without the correction, whichever address it carries.
    expect(leftParcelOutcome(undefined)).toBe("parcel-left")
    expect(leftParcelOutcome(answer("PACK-01", "ignored", "moon-phase"))).toBe("parcel-left")
    expect(leftParcelOutcome(answer("PACK-01", "ignored"))).toBe("parcel-left")
  })
})
