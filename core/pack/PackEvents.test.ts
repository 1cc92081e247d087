import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ParcelShipmentCancelledByHand } from "./PackEvents.ts"

describe("the by-hand close of a carrier cancellation", () => {
  const decode = Schema.decodeUnknownSync(ParcelShipmentCancelledByHand.payload)

  it("reads a close the previous release wrote (no portal answer, a reference) as one cancelled in the portal", () => {
    const before = {
      orderId: "SO-1",
      parcelId: "P-1",
      carrier: "dhl-paket",
      trackingNumber: "00340434161234567890",
      reference: "STORNO-4711",
      reason: "parcel voided"
    }
    const close = decode(before)
    expect(close.portalAnswer ?? "cancelled").toBe("cancelled")
    expect(close.reference).toBe("STORNO-4711")
  })

  it("refuses an answer the station does not know", () => {
    expect(() =>
      decode({ orderId: "SO-1", parcelId: "P-1", carrier: "ups", portalAnswer: "lost", note: "?", reason: "voided" })
    ).toThrow()
  })
})
