/** A sample shipping label for demos and tests. */
import type { ShippingLabel } from "./ShippingLabel.ts"

/** A realistic label (umlauts, Latin Extended-A, ZPL control characters in the data) for demos and tests. */
export const exampleLabel: ShippingLabel = {
  shipFrom: ["Packbench GmbH", "Lagerstraße 5", "04109 Leipzig", "Germany"],
  shipTo: ["Zoë Müller-Łukasiewicz", "c/o Ärzte^Haus ~ 3", "Hauptstraße 12a", "10115 Berlin", "GERMANY"],
  carrier: { name: "DHL", service: "Paket Standard" },
  trackingNumber: "JJD000390007283911",
  routingCode: "D-10115-BER",
  orderId: "ORD-2024-000123",
  parcelId: "P1 of 2",
  weightGrams: 2350,
  sscc: "340123450000000017",
  reference: "PO_4711"
}
