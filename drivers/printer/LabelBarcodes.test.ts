import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { defaultCarrierProfiles } from "../../core/carrier/CarrierProfile.ts"
import { Carriers } from "../../core/carrier/Carriers.ts"
import { hasValidDhlCheckDigit } from "../../core/carrier/DhlCodes.ts"
import { assignTrackingRange } from "../../core/carrier/OfflineCarrier.ts"
import { exampleBrand } from "../../core/insert/exampleBrand.ts"
import { ShippingLabel } from "../../core/label/ShippingLabel.ts"
import { PackService } from "../../core/pack/PackService.ts"
import { InsertEncoder } from "../../core/print/InsertEncoder.ts"
import { PrintQueue } from "../../core/print/PrintQueue.ts"
import { encodePackbenchCode } from "../../core/scan/PackbenchCode.ts"
import { Session } from "../../core/session/Session.ts"
import { Sql } from "../../core/store/Sql.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { decodeImageFile } from "../camera/decodeImageFile.ts"
import { ScryptPinHashes } from "../session/ScryptPinHashes.ts"
import { encodeEscPosInsert } from "./EscPosInsertEncoder.ts"
import { pdfToPng } from "./pdfToPng.ts"
import { renderZpl } from "./ZplRenderer.ts"

const OUT = join(import.meta.dirname, "../../test-output/labels")

const stationLayer = () => {
  const station = seededStation({
    filename: join(mkdtempSync(join(tmpdir(), "pb-label-codes-")), "station.db"),
    clock: StationClock.manual(1_795_000_000_000).layer,
    afterSeed: Effect.forEach(["dhl-paket", "dhl-express", "ups"], (id) =>
      assignTrackingRange(defaultCarrierProfiles.find((profile) => profile.id === id)!, {
        start: 100_000,
        end: 200_000
      })
    )
  })
  const encoder = Layer.succeed(
    InsertEncoder,
    InsertEncoder.of({ encode: (document) => Effect.sync(() => encodeEscPosInsert(document)) })
  )
  return PackService.layer({
    shipFrom: ["Alpenglow GmbH", "Lagerstraße 5", "20457 Hamburg", "Germany"],
    originCountry: "DE",
    brand: exampleBrand,
    discountCode: "DANKE10",
    sscc: { companyPrefix: "4260123", extensionDigit: 3 }
  }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer)), PrintQueue.layer, encoder)
    ),
    Layer.provideMerge(Carriers.layerOffline(defaultCarrierProfiles, "DE")),
    Layer.provideMerge(station)
  )
}

const code = (type: "order", id: string) => {
  const encoded = encodePackbenchCode(type, id)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code
}

/** Packs the order with the given scans and returns the label exactly as the station stored and printed it. */
const pack = (orderId: string, scans: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const packer = yield* PackService
    yield* (yield* Session).signIn("B-1001")
    yield* packer.scan({ raw: code("order", orderId) })
    for (const raw of scans) yield* packer.scan({ raw })
    const boxed = yield* packer.chooseBox({ boxId: "M" })
    yield* packer.weight({ grams: boxed.expectedWeightGrams, source: "scale" })
    const view = yield* packer.complete({})
    if (view.parcel === null) throw new Error(`${orderId} not packed: ${view.refusal?.reason}`)
    const rows = yield* (yield* Sql).query<{ data: string }>("SELECT data FROM parcels WHERE order_id = ?", [orderId])
    return Schema.decodeUnknownSync(ShippingLabel)((JSON.parse(rows[0]!.data) as { label: unknown }).label)
  })

const run = <A, E>(effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(stationLayer())))).then((exit) => {
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    return exit.value
  })

/** Every barcode on each page of the job as zxing reads it from the 203-dpi rendering; the PNGs are kept. */
const decodeJob = async (name: string, label: ShippingLabel) => {
  const { encodeZpl } = await import("../../core/label/encodeZpl.ts")
  const zpl = await Effect.runPromise(encodeZpl(label, { dpi: 203 }))
  const rendered = await renderZpl(zpl, 203)
  const pages = []
  for (let page = 1; page <= rendered.pages; page++) {
    const file = join(OUT, `${name}-${page}.png`)
    writeFileSync(file, await pdfToPng(rendered.pdf, 203, page))
    pages.push((await decodeImageFile(file)).map((found) => ({ format: found.format, text: found.text })))
  }
  return pages
}

describe("labels a carrier accepts, read back with zxing", () => {
  it("DHL Paket to a Packstation: Leitcode and Identcode (ITF, DHL check digits), NVE, SSCC and QR all read", async () => {
    const { mkdirSync } = await import("node:fs")
    mkdirSync(OUT, { recursive: true })
    const label = await run(pack("SO-100010", ["4260123450090", "4260123450090"]))
    expect(label.leitcode).toMatch(/^2009599412300\d$/)
    expect(hasValidDhlCheckDigit(label.leitcode!, 14)).toBe(true)
    expect(label.identcode).toMatch(/^20434\d{7}$/)
    expect(hasValidDhlCheckDigit(label.identcode!, 12)).toBe(true)
    expect(label.customs).toBeUndefined()
    const [page, ...more] = await decodeJob("dhl-paket-packstation", label)
    expect(more).toEqual([])
    expect(page!.map((found) => `${found.format} ${found.text}`).sort()).toEqual(
      [
        `CODE_128 ${label.trackingNumber}`,
        `CODE_128 (00)${label.sscc}`,
        `ITF ${label.identcode}`,
        `ITF ${label.leitcode}`,
        `QR_CODE ${label.trackingNumber}|SO-100010|${label.parcelId}`
      ].sort()
    )
  })

  it("DHL Paket to a street address: an Identcode, and no barcode that pretends to be a Leitcode", async () => {
    const label = await run(pack("SO-100001", ["4260123450014", "4260123450014", "4260123450038"]))
    expect(label.leitcode).toBeUndefined()
    expect(label.routingCode).toBe("10115")
    const [page] = await decodeJob("dhl-paket-street", label)
    expect(page!.map((found) => found.format).sort()).toEqual(["CODE_128", "CODE_128", "ITF", "QR_CODE"])
    expect(page!.find((found) => found.format === "ITF")?.text).toBe(label.identcode)
  })

  it("UPS to the US and DHL Express to Switzerland carry a customs declaration from the catalog, read back too", async () => {
    const us = await run(pack("SO-100008", ["4260123450052", "4260123450021", "4260123450021"]))
    expect(us.customs).toEqual({
      form: "CN22",
      category: "sale-of-goods",
      currency: "USD",
      items: [
        {
          description: "Head torch, battery powered",
          quantity: 1,
          netWeightGrams: 140,
          valueCents: expect.any(Number),
          hsCode: "851310",
          originCountry: "CN"
        },
        {
          description: "Stainless steel water bottle",
          quantity: 2,
          netWeightGrams: 840,
          valueCents: expect.any(Number),
          hsCode: "732393",
          originCountry: "CN"
        }
      ],
      totalValueCents: us.customs!.items.reduce((sum, item) => sum + item.valueCents, 0),
      totalWeightGrams: 980,
      sender: "Alpenglow GmbH",
      invoice: "SO-100008"
    })
    const pages = await decodeJob("ups-us-customs", us)
    expect(pages).toHaveLength(2)
    expect(pages[1]).toEqual([{ format: "CODE_128", text: us.trackingNumber }])
    expect(us.identcode).toBeUndefined()
    const ch = await run(pack("SO-100003", ["0104260123450069215001"]))
    expect(ch.customs).toMatchObject({ currency: "CHF", items: [{ hsCode: "852691", originCountry: "CN" }] })
    const chPages = await decodeJob("dhl-express-ch-customs", ch)
    expect(chPages[1]).toEqual([{ format: "CODE_128", text: ch.trackingNumber }])
  })
})
