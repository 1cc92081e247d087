/** The test label and insert printed from the Manager screen's printer test. */
import type { InsertDocument } from "../insert/InsertDocument.ts"
import type { ShippingLabel } from "../label/ShippingLabel.ts"

/** What a printer test from the manager screen prints: everything a real job has, marked as a test. */
export const testLabel = (station: {
  readonly siteId: string
  readonly stationId: string
  readonly name: string
}): ShippingLabel => ({
  shipFrom: [station.name, `Site ${station.siteId}`, `Station ${station.stationId}`],
  shipTo: [
    "TEST LABEL / TESTETIKETT",
    "Do not ship / Nicht versenden",
    "Musterstraße 1",
    "12345 Musterstadt",
    "GERMANY"
  ],
  carrier: { name: "TEST", service: "Printer check" },
  trackingNumber: "00340434161094042557",
  routingCode: "TEST-0001",
  orderId: "TEST",
  parcelId: `${station.stationId}-TEST`,
  weightGrams: 1000
})

export const testInsert = (station: { readonly stationId: string; readonly name: string }): InsertDocument => ({
  brandName: station.name,
  thankYou: "Printer test / Druckertest",
  itemsHeading: "Station",
  items: [{ quantity: 1, name: station.stationId }],
  careHeading: "Check / Prüfen",
  careHints: [{ product: "QR", hint: "The QR code below must scan / Der QR-Code muss lesbar sein" }],
  returnHeading: "Test",
  returnHint: "Scan me",
  returnUrl: `https://r.packbench.example/rma/TEST-${station.stationId}`,
  discountLine: "Code",
  discountCode: "TEST",
  footer: "Packbench"
})
