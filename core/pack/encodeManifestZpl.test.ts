import { describe, expect, it } from "vitest"
import { encodeManifestZpl } from "./encodeManifestZpl.ts"

const manifest = (locale: "de" | "en", count: number) =>
  new TextDecoder().decode(
    encodeManifestZpl({
      batchId: "HO-PACK-01-00007",
      carrierName: "DHL Paket",
      stationId: "PACK-01",
      closedAt: "2026-12-07 18:05 UTC+1",
      trackingNumbers: Array.from({ length: count }, (_, index) => `00340434161094${String(index).padStart(6, "0")}`),
      locale
    })
  )

describe("the handover manifest", () => {
  it("is worded in the station's language: heading, count, the parcels not listed and the driver's signature", () => {
    const german = manifest("de", 30)
    expect(german).toContain("^FDÜBERGABELISTE^FS")
    expect(german).toContain("^FDPakete: 30^FS")
    expect(german).toContain("^FD... und 2 weitere^FS")
    expect(german).toContain("^FDUnterschrift Fahrer:^FS")
    const english = manifest("en", 30)
    expect(english).toContain("^FDHANDOVER MANIFEST^FS")
    expect(english).toContain("^FDParcels: 30^FS")
    expect(english).toContain("^FD... and 2 more^FS")
    expect(english).toContain("^FDDriver signature:^FS")
  })

  it("lists 28 tracking numbers and counts none as more when they all fit", () => {
    const zpl = manifest("de", 28)
    expect(zpl).toContain("^FD28. 00340434161094000027^FS")
    expect(zpl).not.toContain("weitere")
  })
})
