import { describe, expect, it } from "vitest"
import { describeSameUnit, type SameUnit } from "./describeSameUnit.ts"
import { makeTranslator } from "./Translator.ts"

describe("describeSameUnit", () => {
  const refunded: SameUnit = {
    returnId: "RET-01-R000002",
    rmaId: "RMA-3",
    itemRef: "RET-01-R000002-01",
    lineId: "1",
    unit: 1,
    formerLine: false,
    returnStatus: "finished",
    refundStatus: "decided"
  }
  const gps = { serial: "GPS-0001" }

  it("names the other return, its RMA, item and line, and refuses a second refund, in German and English", () => {
    expect(describeSameUnit(makeTranslator("de"), gps, refunded, "RET-01-R000003")).toBe(
      "Seriennummer GPS-0001 ist schon in Retoure RET-01-R000002 (RMA RMA-3), Artikel RET-01-R000002-01, Position 1, Stück 1. Erstattung dort: entschieden. Ein Stück wird nur einmal erstattet – keine zweite Erstattung: Retoure stornieren und das Paket ohne dieses Stück neu annehmen."
    )
    expect(describeSameUnit(makeTranslator("en"), gps, refunded, "RET-01-R000003")).toBe(
      "Serial GPS-0001 is already in return RET-01-R000002 (RMA RMA-3), item RET-01-R000002-01, line 1, unit 1. Refund there: decided. A unit is refunded once – no second refund: cancel this return and take the parcel in again without this unit."
    )
  })

  it("says the line is one the shop numbered anew, and that a unit with no refund decided there is held here", () => {
    const former = { ...refunded, rmaId: null, formerLine: true, refundStatus: null, returnStatus: "open" } as const
    const de = describeSameUnit(makeTranslator("de"), gps, former, "RET-01-R000003")
    expect(de).toContain("in Retoure RET-01-R000002, Artikel")
    expect(de).toContain("Position, die der Auftrag nicht mehr hat")
    expect(de).toContain("zur Prüfung zurückgehalten")
    const en = describeSameUnit(makeTranslator("en"), gps, former, "RET-01-R000003")
    expect(en).toContain("a line the order no longer has")
    expect(en).toContain("deciding holds it here for review")
  })

  it("tells a serial scanned twice into this return apart from one in another", () => {
    const twice = { ...refunded, refundStatus: null, returnStatus: "open" } as const
    expect(describeSameUnit(makeTranslator("en"), gps, twice, "RET-01-R000002")).toBe(
      "Serial GPS-0001 is already in this return, item RET-01-R000002-01, line 1, unit 1. A unit is refunded once: cancel the return, take the parcel in again and scan the unit once."
    )
  })
})
