import { describe, expect, it } from "vitest"
import type { NotificationKind } from "../NotificationKind.ts"
import { defaultBrands } from "./Brand.ts"
import { renderNotification } from "./renderNotification.ts"

const kinds: ReadonlyArray<NotificationKind> = [
  "order-confirmed",
  "order-cancelled",
  "packed",
  "shipped",
  "out-for-delivery",
  "delivered",
  "delay-alert",
  "address-correction",
  "address-correction-ignored",
  "address-correction-relabel",
  "address-correction-parcel-left",
  "address-correction-applied",
  "feedback-request",
  "return-received",
  "refund-issued"
]
const brand = defaultBrands[0]!
const data = {
  firstName: "Anna <b>",
  orderId: "SO-1",
  carrierName: "DHL",
  trackingNumber: "00340434161234567890",
  carrierTrackingUrl: "https://www.dhl.de/track?piececode=00340434161234567890",
  trackingPageUrl: "https://track.test/t/abc",
  expectedDeliveryDate: "2026-11-26",
  delayReason: "no-carrier-scan" as const,
  addressProblems: ["Hausnummer fehlt"],
  refundAmounts: [{ amountMinor: 123_450, currency: "EUR" }],
  refundReference: "RF-77",
  unsubscribeUrl: "https://track.test/u/tok"
}

describe("notification templates", () => {
  for (const locale of ["de", "en"] as const) {
    for (const kind of kinds) {
      it(`${locale} ${kind}: names the customer and the order in text and HTML`, () => {
        const message = renderNotification(kind, locale, brand, data)
        expect(message.subject).toContain("SO-1")
        expect(message.text).toContain("Anna <b>")
        expect(message.html).toContain("Anna &lt;b&gt;")
        expect(message.html).not.toContain("Anna <b>")
        expect(message.html).toContain(`lang="${locale}"`)
        expect(message.text).toContain(brand.supportEmail)
      })
    }
  }

  it("puts carrier, tracking number, both links and the local date into the shipping mail", () => {
    const de = renderNotification("shipped", "de", brand, data)
    for (const part of ["DHL", "00340434161234567890", "https://track.test/t/abc", "piececode=", "26. November 2026"]) {
      expect(de.text).toContain(part)
    }
    expect(renderNotification("shipped", "en", brand, data).text).toContain("Thursday, 26 November 2026")
  })

  it("tells of a cancellation in German and English, with where to ask", () => {
    const de = renderNotification("order-cancelled", "de", brand, data)
    expect(de.subject).toBe("Ihre Bestellung SO-1 bei Alpenglow ist storniert")
    expect(de.text).toContain("wird nicht versendet")
    const en = renderNotification("order-cancelled", "en", brand, data)
    expect(en.subject).toBe("Your Alpenglow order SO-1 is cancelled")
    expect(en.text).toContain(brand.supportEmail)
    expect(en.text).not.toContain("packing")
  })

  it("tells of a correction that reached a packed parcel, and of one the shop's own address overrode, in German and English", () => {
    const withAddress = { ...data, correctedAddress: "Hauptstraße 14, 10115 Berlin" }
    const en = renderNotification("address-correction-relabel", "en", brand, withAddress)
    expect(en.subject).toBe("Your new address for order SO-1 has reached us")
    expect(en.text).toContain(
      "it does not leave with a label for that address, only with a new label for your new address"
    )
    expect(en.text).toContain("Hauptstraße 14, 10115 Berlin")
    const de = renderNotification("address-correction-relabel", "de", brand, withAddress)
    expect(de.subject).toBe("Ihre neue Adresse für Bestellung SO-1 ist angekommen")
    expect(de.text).toContain("Ihre neue Adresse")
    const after = { ...withAddress, correctionIgnoredCause: "source-changed-after" as const }
    expect(renderNotification("address-correction-ignored", "en", brand, after).text).toContain(
      "the shop changed the delivery address of your order SO-1 itself after your correction"
    )
    expect(renderNotification("address-correction-ignored", "de", brand, after).text).toContain(
      "Der Shop hat die Lieferadresse Ihrer Bestellung SO-1 nach Ihrer Korrektur selbst geändert"
    )
    const left = { ...withAddress, correctionIgnoredCause: "parcel-left" as const }
    const leftEn = renderNotification("address-correction-ignored", "en", brand, left)
    expect(leftEn.text).toContain(
      "your parcel of order SO-1 was handed to the carrier without your correction and is on its way to the address it was labelled for"
    )
    expect(leftEn.text).not.toContain("the shop")
    const leftDe = renderNotification("address-correction-ignored", "de", brand, left)
    expect(leftDe.text).toContain(
      "Ihr Paket zur Bestellung SO-1 wurde ohne Ihre Korrektur an den Versanddienst übergeben und ist an die Adresse unterwegs, für die es beschriftet wurde"
    )
    expect(leftDe.html).toContain("Hauptstraße 14, 10115 Berlin")
  })

  it("tells in German and English that a parcel left after the mail that it goes to the shop's address, and takes back a wrong mail", () => {
    const withAddress = { ...data, correctedAddress: "Hauptstraße 14, 10115 Berlin" }
    const leftEn = renderNotification("address-correction-parcel-left", "en", brand, withAddress)
    expect(leftEn.subject).toBe("Update on your address correction for order SO-1")
    expect(leftEn.text).toContain(
      "A parcel of your order has now been handed to the carrier without your correction and is on its way to the address it was labelled for"
    )
    expect(leftEn.text).toContain("Hauptstraße 14, 10115 Berlin")
    const leftDe = renderNotification("address-correction-parcel-left", "de", brand, withAddress)
    expect(leftDe.subject).toBe("Neuigkeiten zu Ihrer Adresskorrektur für Bestellung SO-1")
    expect(leftDe.text).toContain(
      "Ein Paket Ihrer Bestellung wurde nun ohne Ihre Korrektur an den Versanddienst übergeben"
    )
    const appliedEn = renderNotification("address-correction-applied", "en", brand, withAddress)
    expect(appliedEn.subject).toBe("Correction: your address correction for order SO-1 was used after all")
    expect(appliedEn.text).toContain("That was wrong: the parcel was labelled for your new address")
    const appliedDe = renderNotification("address-correction-applied", "de", brand, withAddress)
    expect(appliedDe.subject).toBe("Korrektur: Ihre Adresskorrektur für Bestellung SO-1 wurde doch übernommen")
    expect(appliedDe.html).toContain("Hauptstraße 14, 10115 Berlin")
  })

  it("says in a parcel's own correction mail, in German and English, that it tells of a parcel of the order, naming its tracking number", () => {
    const ownMail = {
      ...data,
      correctedAddress: "Hauptstraße 14, 10115 Berlin",
      oneParcelOfSeveral: true,
      correctionIgnoredCause: "parcel-left" as const
    }
    const texts = (locale: "de" | "en") =>
      (["address-correction-ignored", "address-correction-parcel-left", "address-correction-applied"] as const).map(
        (kind) => renderNotification(kind, locale, brand, ownMail).text
      )
    const [ignoredEn, leftEn, appliedEn] = texts("en")
    expect(ignoredEn).toContain(
      "a parcel of your order SO-1 (tracking number 00340434161234567890) was handed to the carrier without your correction"
    )
    expect(leftEn).toContain(
      "A parcel of your order (tracking number 00340434161234567890) has now been handed to the carrier without your correction"
    )
    expect(appliedEn).toContain(
      "we wrote to you that a parcel of your order SO-1 (tracking number 00340434161234567890) did not get your correction"
    )
    const [ignoredDe, leftDe, appliedDe] = texts("de")
    expect(ignoredDe).toContain(
      "Ein Paket Ihrer Bestellung SO-1 (Sendungsnummer 00340434161234567890) wurde ohne Ihre Korrektur an den Versanddienst übergeben"
    )
    expect(leftDe).toContain(
      "Ein Paket Ihrer Bestellung (Sendungsnummer 00340434161234567890) wurde nun ohne Ihre Korrektur an den Versanddienst übergeben"
    )
    expect(appliedDe).toContain(
      "wir hatten Ihnen geschrieben, dass ein Paket Ihrer Bestellung SO-1 (Sendungsnummer 00340434161234567890) Ihre Korrektur nicht bekommen hat"
    )
    for (const text of [ignoredEn, leftEn, appliedEn]) expect(text).not.toContain("your parcel")
    for (const text of [ignoredDe, leftDe, appliedDe]) expect(text).not.toContain("Ihr Paket")
    for (const cause of ["handed-to-carrier", "source-changed", "source-changed-after"] as const) {
      const withCause = { ...ownMail, correctionIgnoredCause: cause }
      expect(renderNotification("address-correction-ignored", "en", brand, withCause).text).not.toContain("your parcel")
      expect(renderNotification("address-correction-ignored", "de", brand, withCause).text).not.toContain("Ihr Paket")
    }
    const { trackingNumber: _, ...untracked } = ownMail
    expect(renderNotification("address-correction-ignored", "en", brand, untracked).text).toContain(
      "a parcel of your order SO-1 was handed to the carrier"
    )
    expect(renderNotification("address-correction-ignored", "de", brand, untracked).text).toContain(
      "Ein Paket Ihrer Bestellung SO-1 wurde ohne Ihre Korrektur"
    )
  })

  it("links the address correction to the hub's page when there is one, with the day the link ends", () => {
    const withPage = {
      ...data,
      addressCorrectionUrl: "https://track.test/a/secret",
      addressCorrectionExpiresOn: "3 Dec 2026"
    }
    const en = renderNotification("address-correction", "en", brand, withPage)
    expect(en.html).toContain('href="https://track.test/a/secret"')
    expect(en.text).toContain("The link works until 3 Dec 2026.")
    expect(renderNotification("address-correction", "de", brand, withPage).text).toContain(
      "Der Link gilt bis 3 Dec 2026."
    )
    expect(renderNotification("address-correction", "en", brand, data).text).toContain(
      "https://shop.alpenglow.example/orders/SO-1/address"
    )
  })

  it("formats refunded amounts per locale and currency", () => {
    const de = renderNotification("refund-issued", "de", brand, data)
    expect(de.text).toContain("1.234,50\u00a0€")
    expect(de.text).toContain("RF-77")
    expect(de.html).toContain("1.234,50\u00a0€")
    const en = renderNotification("refund-issued", "en", brand, data)
    expect(en.text).toContain("€1,234.50")
    const yen = renderNotification("refund-issued", "en", brand, {
      ...data,
      refundAmounts: [{ amountMinor: 1_500, currency: "JPY" }]
    })
    expect(yen.text).toContain("JP¥1,500")
  })

  it("ends every mail with the unsubscribe link, in text and HTML", () => {
    for (const locale of ["de", "en"] as const) {
      for (const kind of kinds) {
        const message = renderNotification(kind, locale, brand, data)
        expect(message.text).toContain("https://track.test/u/tok")
        expect(message.html).toContain('href="https://track.test/u/tok"')
      }
    }
    const { unsubscribeUrl: _, ...withoutLink } = data
    expect(renderNotification("shipped", "de", brand, withoutLink).text).not.toContain("/u/")
  })
})
