/** A sample brand and order for package-insert demos and tests. */
import type { BrandTemplate, InsertOrder } from "./BrandTemplate.ts"

/** A brand in both languages and one German order, for demos and tests. */
export const exampleBrand: BrandTemplate = {
  brandName: "Nordlicht Tee",
  texts: {
    de: {
      thankYou: "Danke, {firstName}!",
      itemsHeading: "In deinem Paket",
      careHeading: "Pflegehinweise",
      returnHeading: "Rücksendung",
      returnHint: "QR-Code scannen, Etikett drucken, fertig.",
      discountLine: "10 % auf deine nächste Bestellung mit dem Code",
      footer: "Bestellung {orderId} · nordlicht.example"
    },
    en: {
      thankYou: "Thank you, {firstName}!",
      itemsHeading: "In your parcel",
      careHeading: "Care hints",
      returnHeading: "Returns",
      returnHint: "Scan the QR code, print the label, done.",
      discountLine: "10% off your next order with the code",
      footer: "Order {orderId} · nordlicht.example"
    }
  },
  careHints: {
    "TEA-001": { de: "Kühl und trocken lagern.", en: "Store cool and dry." },
    "MUG-002": { de: "Nicht für die Mikrowelle.", en: "Not microwave safe." }
  },
  returnUrl: "https://returns.nordlicht.example/r/{orderId}?rma={rma}"
}

export const exampleOrder: InsertOrder = {
  orderId: "ORD-2024-000123",
  locale: "de",
  customerFirstName: "Zoë",
  items: [
    { sku: "TEA-001", name: "Earl Grey Bio 100 g", quantity: 2 },
    { sku: "MUG-002", name: "Becher Fjord", quantity: 1 },
    { sku: "GIFT-9", name: "Geschenkkarte", quantity: 1 }
  ],
  rmaToken: "RMA 7F3K",
  discountCode: "DANKE10"
}
