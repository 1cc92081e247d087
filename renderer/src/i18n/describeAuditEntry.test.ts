import { describe, expect, it } from "vitest"
import { isPrivileged } from "../../../core/api/ApiDispatcher.ts"
import { type AuditEntry, StationApi } from "../../../core/api/StationApi.ts"
import { describeAuditEntry } from "./describeAuditEntry.ts"
import { makeTranslator } from "./Translator.ts"

const entry = (action: string, detail: string): AuditEntry => ({
  id: 1,
  atMs: 0,
  operator: null,
  clientId: "local",
  clientAddress: null,
  action,
  outcome: "refused",
  detail
})

describe("audit entries on the Manager screen", () => {
  it("word PIN attempts and name known actions in German and English", () => {
    const de = makeTranslator("de")
    const en = makeTranslator("en")
    expect(describeAuditEntry(de, entry("session.enterPin", "wrong PIN, 1 tries left"))).toEqual({
      action: "Anmeldung der Leitung (PIN)",
      detail: "Falsche PIN. Noch 1 Versuch."
    })
    expect(describeAuditEntry(en, entry("session.enterPin", "badge locked for 60 s"))).toEqual({
      action: "Manager sign-in (PIN)",
      detail: "Too many wrong PINs: the badge is locked for 60 seconds."
    })
    expect(describeAuditEntry(de, entry("session.enterPin", "signed in as manager")).detail).toBe(
      "als Leitung angemeldet"
    )
    expect(describeAuditEntry(en, entry("pack.void", '{"parcelId":"P-1"}'))).toEqual({
      action: "Void parcel",
      detail: '{"parcelId":"P-1"}'
    })
  })

  it("names every audited call in German and English: each privileged call, and the manager's PIN sign-in", () => {
    // `session.enterPin` is not privileged (anyone may try a PIN) but its handler records every try in the audit.
    const audited = [...Object.keys(StationApi).filter(isPrivileged), "session.enterPin"]
    expect(audited.length).toBeGreaterThan(1)
    const unnamed = audited.flatMap((action) =>
      (["de", "en"] as const)
        .filter((locale) => {
          const named = describeAuditEntry(makeTranslator(locale), entry(action, "{}")).action
          return named === action || named.trim() === ""
        })
        .map((locale) => `${action} (${locale})`)
    )
    expect(unnamed).toEqual([])
    expect(describeAuditEntry(makeTranslator("de"), entry("shops.retryHandedOver", "{}")).action).not.toBe(
      describeAuditEntry(makeTranslator("en"), entry("shops.retryHandedOver", "{}")).action
    )
  })

  it("keeps an action it does not know by its API name", () => {
    expect(describeAuditEntry(makeTranslator("de"), entry("shop.resync", "{}")).action).toBe("shop.resync")
  })
})
