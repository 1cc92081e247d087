import { describe, expect, it } from "vitest"
import type { ScanOutcome } from "../../../core/api/StationApi.ts"
import { ApiCallError } from "../api/ApiCallError.ts"
import { makeTranslator } from "../i18n/Translator.ts"
import { describeScan } from "./ScanDisplay.ts"

const t = makeTranslator("de")
const outcome = (fields: Partial<ScanOutcome>): ScanOutcome => ({
  raw: "x",
  source: "wedge",
  deviceId: "wedge",
  at: { wallMs: 0, monoNs: "0" },
  identification: {},
  action: "identified",
  message: "",
  ...fields
})

describe("describeScan", () => {
  it("shows an identified GTIN in green with the GTIN", () => {
    const view = describeScan(t, {
      state: "done",
      id: 1,
      outcome: outcome({ raw: "4260123450014", identification: { kind: "gtin", valid: true, gtin: "04260123450014" } })
    })
    expect(view).toEqual({
      tone: "ok",
      headline: "Erkannt: Artikel (GTIN)",
      detail: "04260123450014",
      raw: "4260123450014"
    })
  })

  it("shows an unknown code as rejected with the station's reason", () => {
    const view = describeScan(t, {
      state: "done",
      id: 2,
      outcome: outcome({
        action: "rejected",
        message: "not a known code",
        identification: { kind: "unknown", valid: false, reason: "not a known code" }
      })
    })
    expect(view).toMatchObject({ tone: "bad", headline: "Abgelehnt", detail: "not a known code" })
  })

  it("rejects a recognised code that is invalid although the station calls it identified", () => {
    const view = describeScan(t, {
      state: "done",
      id: 3,
      outcome: outcome({ identification: { kind: "gtin", valid: false, reason: "check digit is 4, not 5" } })
    })
    expect(view).toMatchObject({ tone: "bad", headline: "Ungültig: Artikel (GTIN)", detail: "check digit is 4, not 5" })
  })

  it("names the operator of a badge scan with the translated role", () => {
    const view = describeScan(makeTranslator("en"), {
      state: "done",
      id: 4,
      outcome: outcome({ action: "signed-in", message: "Jonas Becker (packer)" })
    })
    expect(view).toMatchObject({ tone: "ok", headline: "Signed in: Jonas Becker (Packer)" })
  })

  it("turns a refused call into a red outcome with the translated error", () => {
    const view = describeScan(t, {
      state: "failed",
      id: 5,
      raw: "PB:BADGE:B-7777:Q",
      error: new ApiCallError("scan.submit", "badge-unknown", "No badge B-7777")
    })
    expect(view).toEqual({
      tone: "bad",
      headline: "Nicht verarbeitet",
      detail: "Badge unbekannt.",
      raw: "PB:BADGE:B-7777:Q"
    })
  })

  it("shows a scan the bench refused in red with the translated refusal and what was scanned", () => {
    const view = describeScan(t, {
      state: "done",
      id: 7,
      outcome: outcome({
        raw: "4260123450021",
        action: "refused",
        message: "wrong-item: Water bottle (ALP-BTL-05) is not part of order SO-100001",
        identification: { kind: "gtin", valid: true, gtin: "04260123450021" }
      })
    })
    expect(view).toEqual({
      tone: "bad",
      headline: "Abgelehnt: Falscher Artikel – gehört nicht zum Auftrag",
      detail: "Artikel (GTIN) 04260123450021",
      raw: "4260123450021"
    })
  })

  it("words the reason of a refused code it could not classify from the refusal's facts", () => {
    const view = describeScan(t, {
      state: "done",
      id: 9,
      outcome: outcome({
        raw: "SO-999999",
        action: "refused",
        message: "order-unknown: No order SO-999999 at this station",
        identification: { kind: "unknown", valid: false },
        refusal: {
          code: "order-unknown",
          variant: "station",
          params: { orderId: "SO-999999" },
          reason: "No order SO-999999 at this station"
        }
      })
    })
    expect(view.headline).toBe("Abgelehnt: Auftrag unbekannt")
    expect(view.detail).toBe("Auftrag SO-999999 gibt es an dieser Station nicht")
  })

  it("names a tracking number's carrier in the bench's words, not by its id, accepted or refused", () => {
    const tracking = { kind: "tracking", valid: true, number: "00334043400001000008", carrier: "dhl-paket" }
    const identified = describeScan(t, {
      state: "done",
      id: 10,
      outcome: outcome({ raw: "00334043400001000008", identification: tracking })
    })
    expect(identified).toMatchObject({ tone: "ok", headline: "Erkannt: Sendungsnummer", detail: "DHL Paket" })
    const refused = describeScan(makeTranslator("en"), {
      state: "done",
      id: 11,
      outcome: outcome({
        raw: "00334043400001000008",
        action: "refused",
        message: "parcel-already-scanned: Parcel P-1 is already in this batch",
        identification: tracking
      })
    })
    expect(refused.detail).toBe("Tracking number DHL Parcel")
    const otherCarrier = describeScan(t, {
      state: "done",
      id: 12,
      outcome: outcome({ identification: { ...tracking, carrier: "gls" } })
    })
    expect(otherCarrier.detail).toBe("gls")
  })

  it("explains a refused unreadable code by what is wrong with the code", () => {
    const view = describeScan(t, {
      state: "done",
      id: 8,
      outcome: outcome({
        action: "refused",
        message: "no-order-open: Scan an order first",
        identification: { kind: "gtin", valid: false, reason: "check digit 5 should be 4" }
      })
    })
    expect(view.tone).toBe("bad")
    expect(view.detail).toBe("check digit 5 should be 4")
  })

  it("words a GTIN whose check digit fails in the bench's language, whatever the bench refused it for", () => {
    const identification = { kind: "gtin", valid: false, gtin: "04260123450015", reason: "check digit 5 should be 4" }
    const german =
      "Die Prüfziffer von 04260123450015 stimmt nicht, der Code wurde falsch gelesen: neu scannen oder Code abtippen (F6)"
    const refused = describeScan(t, {
      state: "done",
      id: 10,
      outcome: outcome({ action: "refused", message: "no-order-open: Scan an order first", identification })
    })
    expect(refused.detail).toBe(german)
    const invalid = describeScan(t, { state: "done", id: 11, outcome: outcome({ identification }) })
    expect(invalid.detail).toBe(german)
  })

  it("words a misread code in the bench's language when the refusal itself says what is wrong with it", () => {
    const view = describeScan(t, {
      state: "done",
      id: 9,
      outcome: outcome({
        action: "refused",
        message: "scan-unreadable: The check digit of 04260123450015 does not hold",
        refusal: {
          code: "scan-unreadable",
          variant: "checkDigit",
          params: { gtin: "04260123450015" },
          reason:
            "The check digit of 04260123450015 does not hold, the code was misread: scan again or type the code (F6)"
        },
        identification: { kind: "gtin", valid: false, reason: "check digit 5 should be 4" }
      })
    })
    expect(view.detail).toBe(
      "Die Prüfziffer von 04260123450015 stimmt nicht, der Code wurde falsch gelesen: neu scannen oder Code abtippen (F6)"
    )
  })
})
