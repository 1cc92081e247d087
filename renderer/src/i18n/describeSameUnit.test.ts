import { describe, expect, it } from "vitest"
import { describeSameUnit, type SameUnit, sameUnitTone } from "./describeSameUnit.ts"
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
    decided: true,
    refundStatus: "decided"
  }
  /** The same serial scanned into RET-01-R000003 before, not decided yet. */
  const twiceHere = {
    ...refunded,
    returnId: "RET-01-R000003",
    decided: false,
    refundStatus: null,
    returnStatus: "open"
  } as const
  const gps = { serial: "GPS-0001", decision: null }
  const open = (returnId: string) => ({ returnId, cancellable: true })

  it("names the other return, its RMA, item and line, and refuses a second refund, in German and English", () => {
    expect(describeSameUnit(makeTranslator("de"), gps, refunded, open("RET-01-R000003"))).toBe(
      "Seriennummer GPS-0001 ist schon in Retoure RET-01-R000002 (RMA RMA-3), Artikel RET-01-R000002-01, Position 1, Stück 1. Erstattung dort: entschieden. Ein Stück wird nur einmal erstattet – keine zweite Erstattung: Retoure stornieren und das Paket ohne dieses Stück neu annehmen."
    )
    expect(describeSameUnit(makeTranslator("en"), gps, refunded, open("RET-01-R000003"))).toBe(
      "Serial GPS-0001 is already in return RET-01-R000002 (RMA RMA-3), item RET-01-R000002-01, line 1, unit 1. Refund there: decided. A unit is refunded once – no second refund: cancel this return and take the parcel in again without this unit."
    )
  })

  it("says the line is one the shop numbered anew, and that a unit with no refund decided there is held here", () => {
    const former = {
      ...refunded,
      rmaId: null,
      formerLine: true,
      decided: false,
      refundStatus: null,
      returnStatus: "open"
    } as const
    const de = describeSameUnit(makeTranslator("de"), gps, former, open("RET-01-R000003"))
    expect(de).toContain("in Retoure RET-01-R000002, Artikel")
    expect(de).toContain("Position, die der Auftrag nicht mehr hat")
    expect(de).toContain("zur Prüfung zurückgehalten")
    const en = describeSameUnit(makeTranslator("en"), gps, former, open("RET-01-R000003"))
    expect(en).toContain("a line the order no longer has")
    expect(en).toContain("deciding holds it here for review")
  })

  it("tells a unit decided with no refund in another return apart from one not decided there, in German and English", () => {
    const noRefund = { ...refunded, refundStatus: null } as const
    expect(describeSameUnit(makeTranslator("de"), gps, noRefund, open("RET-01-R000003"))).toBe(
      "Seriennummer GPS-0001 ist schon in Retoure RET-01-R000002 (RMA RMA-3), Artikel RET-01-R000002-01, Position 1, Stück 1. Erstattung dort: keine, ohne Erstattung entschieden. Jener Artikel hält dieses Stück nicht zur Prüfung zurück."
    )
    expect(describeSameUnit(makeTranslator("en"), gps, noRefund, open("RET-01-R000003"))).toBe(
      "Serial GPS-0001 is already in return RET-01-R000002 (RMA RMA-3), item RET-01-R000002-01, line 1, unit 1. Refund there: none, decided with no refund. That item does not hold this unit for review."
    )
    const decided = { serial: "GPS-0001", decision: { status: "decided" } }
    const kept = { returnId: "RET-01-R000003", cancellable: false }
    expect(describeSameUnit(makeTranslator("en"), decided, noRefund, kept)).toBe(
      "Serial GPS-0001 is already in return RET-01-R000002 (RMA RMA-3), item RET-01-R000002-01, line 1, unit 1. Refund there: none, decided with no refund."
    )
    expect(describeSameUnit(makeTranslator("de"), decided, noRefund, kept)).toBe(
      "Seriennummer GPS-0001 ist schon in Retoure RET-01-R000002 (RMA RMA-3), Artikel RET-01-R000002-01, Position 1, Stück 1. Erstattung dort: keine, ohne Erstattung entschieden."
    )
    // Scanned into this return before and decided there with no refund: no hold to speak of, only its refund there.
    const here = { ...noRefund, returnId: "RET-01-R000003", itemRef: "RET-01-R000003-02" } as const
    expect(describeSameUnit(makeTranslator("en"), gps, here, kept)).toBe(
      "Serial GPS-0001 is already in this return, item RET-01-R000003-02, line 1, unit 1. Refund there: none, decided with no refund."
    )
  })

  it("tells a serial scanned twice into this return apart from one in another", () => {
    const twice = { ...refunded, decided: false, refundStatus: null, returnStatus: "open" } as const
    expect(describeSameUnit(makeTranslator("en"), gps, twice, open("RET-01-R000002"))).toBe(
      "Serial GPS-0001 is already in this return, item RET-01-R000002-01, line 1, unit 1. A unit is refunded once: cancel the return, take the parcel in again and scan the unit once."
    )
  })
  it("advises no cancellation once the return has a refund decided: the unit is decided with no refund, or refunded once", () => {
    const kept = { returnId: "RET-01-R000003", cancellable: false }
    const de = describeSameUnit(makeTranslator("de"), gps, refunded, kept)
    expect(de).not.toContain("stornieren und")
    expect(de).toContain("lässt sich nicht stornieren: Beim Entscheiden bekommt dieses Stück keine Erstattung")
    const en = describeSameUnit(makeTranslator("en"), gps, refunded, kept)
    expect(en).toBe(
      "Serial GPS-0001 is already in return RET-01-R000002 (RMA RMA-3), item RET-01-R000002-01, line 1, unit 1. Refund there: decided. A unit is refunded once – no second refund. This return already has a refund decided and cannot be cancelled: deciding gives this unit no refund; then set where it goes."
    )
    const twiceEn = describeSameUnit(makeTranslator("en"), gps, twiceHere, kept)
    expect(twiceEn).not.toContain("cancel the return,")
    expect(twiceEn).toContain(
      "deciding refunds the unit once, on the item scanned first, and gives the other no refund"
    )
    expect(describeSameUnit(makeTranslator("de"), gps, twiceHere, kept)).toContain(
      "Beim Entscheiden wird das Stück einmal erstattet, auf dem zuerst gescannten Artikel"
    )
  })

  it("gives a decided item no advice, only where the unit is and its refund there", () => {
    const decided = { serial: "GPS-0001", decision: { status: null } }
    expect(
      describeSameUnit(makeTranslator("en"), decided, refunded, { returnId: "RET-01-R000003", cancellable: false })
    ).toBe(
      "Serial GPS-0001 is already in return RET-01-R000002 (RMA RMA-3), item RET-01-R000002-01, line 1, unit 1. Refund there: decided."
    )
    expect(
      describeSameUnit(makeTranslator("de"), decided, twiceHere, { returnId: "RET-01-R000003", cancellable: false })
    ).toBe("Seriennummer GPS-0001 ist schon in dieser Retoure, Artikel RET-01-R000002-01, Position 1, Stück 1.")
  })

  it("tells the item refunded that the same unit was scanned into this return again and decided with no refund there", () => {
    const refundedHere = { serial: "GPS-0001", decision: { status: "decided" } }
    const again = { ...refunded, returnId: "RET-01-R000003", itemRef: "RET-01-R000003-02", refundStatus: null } as const
    const kept = {
      returnId: "RET-01-R000003",
      cancellable: false,
      decidedNoRefund: new Set(["RET-01-R000003-02"])
    }
    expect(describeSameUnit(makeTranslator("de"), refundedHere, again, kept)).toBe(
      "Seriennummer GPS-0001 wurde noch einmal in diese Retoure gescannt, als Artikel RET-01-R000003-02, Position 1, Stück 1: dort keine Erstattung."
    )
    expect(describeSameUnit(makeTranslator("en"), refundedHere, again, kept)).toBe(
      "Serial GPS-0001 was scanned into this return again, as item RET-01-R000003-02, line 1, unit 1: no refund there."
    )
  })

  it("tells the same unit as an alert only while its item waits for the clerk or a manager, settled once decided", () => {
    // Not decided yet: the clerk must act on it (cancel the return, or decide knowing it).
    expect(sameUnitTone({ decision: null })).toBe("alert")
    // Held for review: a manager must act on it.
    expect(sameUnitTone({ decision: { outcome: "hold-for-review", status: "held" } })).toBe("alert")
    // Decided with no refund, or refunded with the same unit scanned again: nothing is left to act on.
    expect(sameUnitTone({ decision: { outcome: "no-refund", status: null } })).toBe("settled")
    expect(sameUnitTone({ decision: { outcome: "refund-full", status: "decided" } })).toBe("settled")
  })
})
