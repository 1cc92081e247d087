import { describe, expect, it } from "vitest"
import { type Decision, describeDecision } from "./describeDecision.ts"
import { makeTranslator } from "./Translator.ts"

describe("describeDecision", () => {
  const noRefund: Decision = {
    outcome: "no-refund",
    amountCents: 0,
    currency: "EUR",
    ruleId: null,
    reason: {
      de: "Keine zweite Erstattung: Seriennummer GPS-0002 wurde schon als Artikel RET-01-R000003-01 in diese Retoure gescannt",
      en: "No second refund: serial GPS-0002 was already scanned into this return as item RET-01-R000003-01"
    },
    status: null,
    signOff: null
  }
  const held: Decision = {
    ...noRefund,
    outcome: "hold-for-review",
    reason: { de: "Beschädigt: Prüfung", en: "Damaged: review" },
    status: "held"
  }

  it("says a unit decided with no refund is no refund, with its reason: not held, no amount, nothing to approve", () => {
    expect(describeDecision(makeTranslator("de"), "de", noRefund)).toEqual({
      tone: "closed",
      outcome: "Keine Erstattung",
      amount: null,
      status: null,
      reason: noRefund.reason.de,
      approvable: false
    })
    expect(describeDecision(makeTranslator("en"), "en", noRefund)).toEqual({
      tone: "closed",
      outcome: "No refund",
      amount: null,
      status: null,
      reason: noRefund.reason.en,
      approvable: false
    })
  })

  it("keeps a percentage of the shop's reason with its number on one line, in both languages", () => {
    const partial: Decision = {
      ...noRefund,
      outcome: "refund-partial",
      amountCents: 1592,
      reason: {
        de: "Gebrauchsspuren: Erstattung abzüglich 20 % Wiedereinlagerungsgebühr",
        en: "Signs of use: refund less a 20 % restocking fee"
      },
      status: "decided"
    }
    expect(describeDecision(makeTranslator("de"), "de", partial).reason).toBe(
      "Gebrauchsspuren: Erstattung abzüglich 20\u00a0% Wiedereinlagerungsgebühr"
    )
    expect(describeDecision(makeTranslator("en"), "en", partial).reason).toBe(
      "Signs of use: refund less a 20\u00a0% restocking fee"
    )
  })

  it("keeps a unit held for review held, with its amount and status, for a manager to approve", () => {
    expect(describeDecision(makeTranslator("en"), "en", held)).toEqual({
      tone: "held",
      outcome: "Held for review",
      amount: "€0.00",
      status: "awaiting review",
      reason: "Damaged: review",
      approvable: true
    })
    const refunded = describeDecision(makeTranslator("de"), "de", {
      ...held,
      outcome: "refund-full",
      amountCents: 7_900,
      status: "decided"
    })
    expect(refunded).toMatchObject({ tone: "ok", outcome: "Sofort voll erstatten", status: "entschieden" })
    expect(refunded.amount).toMatch(/^79,00\s€$/)
    expect(refunded.approvable).toBe(false)
  })
})
