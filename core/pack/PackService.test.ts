import { createHash } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Exit, Layer, type Result } from "effect"
import { describe, expect, it } from "vitest"
import { encodeEscPosInsert } from "../../drivers/printer/EscPosInsertEncoder.ts"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { inboxMessage } from "../../fixtures/inboxMessage.ts"
import { fixture, seededStation } from "../../fixtures/SeededStation.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { apiCarrierAdapter, type CarrierApi, CarrierUnreachable } from "../carrier/ApiCarrier.ts"
import { type CarrierAdapter, CarrierError, type CarrierLabel, type LabelRequest } from "../carrier/CarrierAdapter.ts"
import { defaultCarrierProfiles } from "../carrier/CarrierProfile.ts"
import type { RetryPolicy } from "../carrier/CarrierRequestWorker.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { assignTrackingRange } from "../carrier/OfflineCarrier.ts"
import { EventLog } from "../events/EventLog.ts"
import { CameraError, EvidenceCamera } from "../evidence/EvidenceCamera.ts"
import { EvidencePhotos, PhotoStoreError } from "../evidence/EvidencePhotos.ts"
import { exampleBrand } from "../insert/exampleBrand.ts"
import type { Order } from "../orders/Order.ts"
import { registerOrderInbound } from "../orders/OrderInbound.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { hasValidGs1CheckDigit } from "../scan/gs1CheckDigit.ts"
import { identifyScan } from "../scan/identify.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import { Session } from "../session/Session.ts"
import type { SessionError } from "../session/SessionError.ts"
import { StationSettings } from "../station/StationSettings.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { Broker } from "../sync/Broker.ts"
import { Inbox } from "../sync/Inbox.ts"
import { makeMemoryBus } from "../sync/MemoryBroker.ts"
import { StationClock } from "../time/Clock.ts"
import { makeByHandCancellationsHandlers } from "./ByHandCancellationsHandlers.ts"
import { benchOrderProbe } from "./benchOrderProbe.ts"
import { CarrierCancellations } from "./CarrierCancellations.ts"
import { Handover } from "./Handover.ts"
import type { HandoverError } from "./HandoverError.ts"
import type { HandoverView } from "./HandoverView.ts"
import { listHeldParcels } from "./HeldParcels.ts"
import type { PackError } from "./PackError.ts"
import { PackService } from "./PackService.ts"
import type { ParcelView } from "./PackView.ts"
import { type PendingLabel, PendingLabels } from "./PendingLabels.ts"

const START_MS = 1_795_000_000_000

/** The bench alerts the order inbox raised, oldest first: the UI's text keys (`alert.<code>`). */
class RaisedAlerts extends Context.Service<RaisedAlerts, Array<string>>()("test/RaisedAlerts") {}

/** The station's clock, for a test that lets time pass (a worker's next look at a label). */
class ManualClock extends Context.Service<ManualClock, ReturnType<typeof StationClock.manual>>()("test/ManualClock") {}

/** The shop's order messages reach this station's inbox and act on its bench, as StationSync wires them. */
const orderInbox = Layer.effectDiscard(
  Effect.gen(function* () {
    const alerts = yield* RaisedAlerts
    const probe = benchOrderProbe(yield* PackService, (alert) => Effect.sync(() => void alerts.push(alert.code)))
    yield* registerOrderInbound(yield* Inbox, probe, (yield* PendingLabels).orderChanged)
  })
).pipe(
  Layer.provideMerge(Layer.sync(RaisedAlerts, () => [])),
  Layer.provideMerge(Inbox.layer),
  Layer.provide(
    Layer.effect(
      Broker,
      Effect.flatMap(makeMemoryBus(), (bus) => bus.client("station"))
    )
  )
)

/**
 * `online`: carriers whose labels a web service issues (the others' the station issues from its ranges); `retry`: the
 * label worker's delays (its default's when absent).
 */
const stationLayer = (
  filename: string,
  evidence: Layer.Layer<never> = Layer.empty,
  online: ReadonlyArray<CarrierAdapter> = [],
  retry?: RetryPolicy
) => {
  const clock = StationClock.manual(START_MS)
  const station = seededStation({
    filename,
    clock: clock.layer,
    afterSeed: Effect.gen(function* () {
      const profile = (id: string) => defaultCarrierProfiles.find((p) => p.id === id)!
      yield* assignTrackingRange(profile("dhl-paket"), { start: 1000, end: 1003 })
      yield* assignTrackingRange(profile("ups"), { start: 500, end: 600 })
      yield* assignTrackingRange(profile("dhl-express"), { start: 1, end: 100 })
    })
  })
  const encoder = Layer.succeed(
    InsertEncoder,
    InsertEncoder.of({ encode: (document) => Effect.sync(() => encodeEscPosInsert(document)) })
  )
  const pack = PackService.layer({
    shipFrom: ["Alpenglow GmbH", "Lagerstraße 5", "20457 Hamburg", "Germany"],
    originCountry: "DE",
    brand: exampleBrand,
    discountCode: "DANKE10",
    sscc: { companyPrefix: "4260123", extensionDigit: 3 }
  }).pipe(Layer.provide(evidence))
  return orderInbox.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        pack,
        Handover.layer(),
        PendingLabels.layer(retry === undefined ? {} : { retry }),
        CarrierCancellations.layer()
      )
    ),
    Layer.provideMerge(
      Layer.mergeAll(
        Session.layer().pipe(Layer.provide(ScryptPinHashes.layer)),
        PrintQueue.layer,
        encoder,
        StationSettings.layer({ name: "Pack 1", locale: "en" })
      )
    ),
    Layer.provideMerge(Carriers.layerOffline(defaultCarrierProfiles, "DE", online)),
    Layer.provideMerge(Layer.merge(station, Layer.succeed(ManualClock, clock)))
  )
}

const tempDb = () => join(mkdtempSync(join(tmpdir(), "pb-pack-")), "station.db")

const run = <A, E>(
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>,
  file = tempDb(),
  evidence: Layer.Layer<never> = Layer.empty,
  online: ReadonlyArray<CarrierAdapter> = [],
  retry?: RetryPolicy
) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(stationLayer(file, evidence, online, retry))))).then(
    (exit) => {
      if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
      return exit.value
    }
  )

const orderCode = (orderId: string) => {
  const encoded = encodePackbenchCode("order", orderId)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code
}
const at = (offsetMs: number) => ({ wallMs: START_MS + offsetMs, monoNs: String(offsetMs * 1_000_000) })

const eventsOf = (type: string) =>
  Effect.gen(function* () {
    const log = yield* EventLog
    return (yield* log.read(0, 1000)).filter((event) => event.type === type)
  })

const orderStatus = (orderId: string) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const rows = yield* sql.query<{ status: string; data: string }>(
      "SELECT status, data FROM orders WHERE order_id = ?",
      [orderId]
    )
    return [rows[0]?.status, (JSON.parse(rows[0]!.data) as { status: string }).status]
  })

/** Signs in, scans SO-100001 (2 mugs, 1 pair of socks) and puts it in box S as a packer would. */
const boxSo100001 = Effect.gen(function* () {
  const pack = yield* PackService
  yield* (yield* Session).signIn("B-1001")
  yield* pack.scan({ raw: orderCode("SO-100001"), at: at(1000) })
  yield* pack.scan({ raw: "4260123450014", at: at(2000) })
  yield* pack.scan({ raw: "MUG1", at: at(3000) })
  yield* pack.scan({ raw: "4260123450038", at: at(4000) })
  yield* pack.chooseBox({ boxId: "S", at: at(5000) })
})

/** Scans, boxes and weighs SO-100001 as a packer would. */
const packSo100001 = Effect.gen(function* () {
  yield* boxSo100001
  const pack = yield* PackService
  const weighed = yield* pack.weight({ grams: 872, source: "scale", at: at(6000) })
  expect(weighed.refusal).toBeNull()
  expect(weighed.step).toBe("parcel")
  return yield* pack.complete({ at: at(7000) })
})

/** Photos kept in maps (staged by token, placed by parcel), hashed as the file store hashes them; `failSave` makes every stage fail. */
const memoryPhotos = (kept: Map<string, Uint8Array>, failSave = false, staged = new Map<string, Uint8Array>()) => {
  const hash = (jpeg: Uint8Array) => createHash("sha256").update(jpeg).digest("hex")
  let next = 0
  return Layer.succeed(
    EvidencePhotos,
    EvidencePhotos.of({
      stage: (jpeg) =>
        failSave
          ? Effect.fail(new PhotoStoreError({ reason: "write-failed", message: "disk full" }))
          : Effect.sync(() => {
              const token = `staged-${++next}`
              staged.set(token, jpeg)
              return { token, sha256: hash(jpeg), bytes: jpeg.length }
            }),
      place: (token, parcelId) =>
        Effect.sync(() => {
          const jpeg = staged.get(token)
          if (jpeg === undefined) throw new Error(`no staged photo ${token}`)
          staged.delete(token)
          kept.set(parcelId, jpeg)
        }),
      discard: (token) => Effect.sync(() => void staged.delete(token)),
      leftovers: Effect.sync(() => [...staged].map(([token, jpeg]) => ({ token, sha256: hash(jpeg), stagedAtMs: 0 }))),
      read: (parcelId) =>
        Effect.sync(() => {
          const jpeg = kept.get(parcelId)
          return jpeg === undefined ? undefined : { jpeg, sha256: hash(jpeg) }
        }),
      remove: (parcelId) => Effect.sync(() => void kept.delete(parcelId))
    })
  )
}

const cameraOf = (capture: EvidenceCamera["Service"]["capture"]) =>
  Layer.succeed(EvidenceCamera, EvidenceCamera.of({ cameraId: "bench-cam", capture }))

describe("PackService evidence photo", () => {
  it("packs the parcel when the camera fails and records why its photo is missing", async () => {
    const kept = new Map<string, Uint8Array>()
    const failing = cameraOf(
      Effect.fail(
        new CameraError({ reason: "device-missing", message: "The camera device /dev/video7 does not exist" })
      )
    )
    const result = await run(
      Effect.gen(function* () {
        const view = yield* packSo100001
        return { view, packed: yield* eventsOf("parcel.packed") }
      }),
      tempDb(),
      Layer.mergeAll(failing, memoryPhotos(kept))
    )
    expect(result.view.refusal).toBeNull()
    expect(result.view.step).toBe("packed")
    expect(result.packed).toHaveLength(1)
    expect((result.packed[0]!.payload as { photo?: unknown }).photo).toEqual({
      missing: "The camera device /dev/video7 does not exist"
    })
    expect(kept.size).toBe(0)
  })

  it("records the hash, length and camera of the still it kept under the parcel's id", async () => {
    const kept = new Map<string, Uint8Array>()
    const still = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9])
    const result = await run(
      Effect.gen(function* () {
        yield* packSo100001
        return yield* eventsOf("parcel.packed")
      }),
      tempDb(),
      Layer.mergeAll(cameraOf(Effect.succeed(still)), memoryPhotos(kept))
    )
    const payload = result[0]!.payload as { parcelId: string; photo?: unknown }
    expect(kept.get(payload.parcelId)).toEqual(still)
    expect(payload.photo).toEqual({
      sha256: createHash("sha256").update(still).digest("hex"),
      bytes: still.length,
      cameraId: "bench-cam"
    })
  })

  it("deletes the staged still when the parcel is refused at completion, and keeps nothing", async () => {
    const kept = new Map<string, Uint8Array>()
    const staged = new Map<string, Uint8Array>()
    const still = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 4, 5, 6, 0xff, 0xd9])
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        for (const [raw, ms] of [
          [orderCode("SO-100001"), 1000],
          ["4260123450014", 2000],
          ["MUG1", 3000],
          ["4260123450038", 4000]
        ] as const) {
          yield* pack.scan({ raw, at: at(ms) })
        }
        yield* pack.chooseBox({ boxId: "S", at: at(5000) })
        yield* pack.weight({ grams: 872, source: "scale", at: at(6000) })
        // The shop cancels the order while the packer closes the box.
        yield* (yield* Sql).execute("UPDATE orders SET status = 'cancelled' WHERE order_id = 'SO-100001'")
        const view = yield* pack.complete({ at: at(7000) })
        return { view, packed: yield* eventsOf("parcel.packed") }
      }),
      tempDb(),
      Layer.mergeAll(cameraOf(Effect.succeed(still)), memoryPhotos(kept, false, staged))
    )
    expect(result.view.refusal?.code).toBe("order-already-packed")
    expect(result.packed).toEqual([])
    expect(staged.size).toBe(0)
    expect(kept.size).toBe(0)
  })

  it("packs the parcel when the photo cannot be kept and says so in the event", async () => {
    const result = await run(
      Effect.gen(function* () {
        const view = yield* packSo100001
        return { view, packed: yield* eventsOf("parcel.packed") }
      }),
      tempDb(),
      Layer.mergeAll(cameraOf(Effect.succeed(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))), memoryPhotos(new Map(), true))
    )
    expect(result.view.step).toBe("packed")
    expect((result.packed[0]!.payload as { photo?: unknown }).photo).toEqual({ missing: "not kept: disk full" })
  })

  it("records no photo at all without a camera", async () => {
    const packed = await run(
      Effect.gen(function* () {
        yield* packSo100001
        return yield* eventsOf("parcel.packed")
      })
    )
    expect(packed[0]!.payload).not.toHaveProperty("photo")
  })
})

describe("PackService", () => {
  it("packs SO-100001 into one parcel with one parcel.packed event, two print jobs and a valid tracking number", async () => {
    const result = await run(
      Effect.gen(function* () {
        const view = yield* packSo100001
        const packed = yield* eventsOf("parcel.packed")
        const jobs = yield* (yield* PrintQueue).recent(10)
        const sql = yield* Sql
        const items = yield* sql.query("SELECT line_id, sku, quantity FROM parcel_items ORDER BY rowid")
        return { view, packed, jobs, items, status: yield* orderStatus("SO-100001") }
      })
    )
    const { view, packed, jobs } = result
    expect(view.refusal).toBeNull()
    expect(view.step).toBe("packed")
    expect(result.status).toEqual(["packed", "packed"])
    expect(packed).toHaveLength(1)
    const event = packed[0]!
    const trackingNumber = view.parcel!.trackingNumber
    expect(trackingNumber).toBe("00334043400000010008")
    const identified = identifyScan(trackingNumber!, { expect: "tracking", carriers: ["dhl-paket"] })
    expect(identified).toMatchObject({ kind: "tracking", valid: true, carrier: "dhl-paket", checkDigit: "ok" })
    expect(hasValidGs1CheckDigit(view.parcel!.sscc!)).toBe(true)
    expect(event.eventTime).toEqual(at(7000))
    expect(event.actor).toEqual({ role: "packer", badgeId: "B-1001", name: "Jonas Becker" })
    expect(event.payload).toEqual({
      orderId: "SO-100001",
      parcelId: "PACK-01-000001",
      sscc: "342601230000000012",
      ssccUrn: "urn:epc:id:sscc:4260123.3000000001",
      items: [
        { lineId: "1", sku: "ALP-MUG-01", gtin: "04260123450014", quantity: 2, shortShipped: 0, serials: [], lots: [] },
        { lineId: "2", sku: "ALP-SOCK-M", gtin: "04260123450038", quantity: 1, shortShipped: 0, serials: [], lots: [] }
      ],
      shortShips: [],
      weightGrams: 872,
      weightSource: "scale",
      expectedWeightGrams: 860,
      boxId: "S",
      carrier: "dhl-paket",
      trackingNumber,
      packer: { badgeId: "B-1001", name: "Jonas Becker" },
      stationId: "PACK-01"
    })
    expect(event.epcis).toEqual({
      eventType: "AggregationEvent",
      action: "ADD",
      bizStep: "packing",
      disposition: "in_progress",
      parentID: "urn:epc:id:sscc:4260123.3000000001",
      epcList: [],
      quantityList: [
        { epcClass: "https://id.gs1.org/01/04260123450014", quantity: 2 },
        { epcClass: "https://id.gs1.org/01/04260123450038", quantity: 1 }
      ],
      bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-100001" }]
    })
    expect(jobs.map((job) => [job.printer, job.state])).toEqual(
      expect.arrayContaining([
        ["label", "queued"],
        ["receipt", "queued"]
      ])
    )
    expect(jobs).toHaveLength(2)
    expect(view.printJobs.map((job) => job.id).sort()).toEqual(jobs.map((job) => job.id).sort())
    expect(result.items).toEqual([
      { line_id: "1", sku: "ALP-MUG-01", quantity: 1 },
      { line_id: "1", sku: "ALP-MUG-01", quantity: 1 },
      { line_id: "2", sku: "ALP-SOCK-M", quantity: 1 }
    ])
  })

  it("records every accepted scan, count and undo with its device, device time and operator", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        yield* pack.scan({ raw: orderCode("SO-100001"), at: at(1000), deviceId: "scanner-1" })
        yield* pack.scan({
          raw: "4260123450014",
          at: { ...at(2000), ntpOffsetMs: -12 },
          deviceId: "scanner-1"
        })
        yield* pack.undo({ at: at(2500) })
        yield* pack.scan({ raw: "MUG1", at: at(3000) })
        yield* pack.quantity({ quantity: 2, at: at(3500) })
        // Refused: a third mug is surplus. A refusal is a pack.exception, never a verified unit.
        yield* pack.scan({ raw: "4260123450014", at: at(3600), deviceId: "scanner-1" })
        const log = yield* EventLog
        return (yield* log.read(0, 1000)).filter((event) => event.type.startsWith("pack."))
      })
    )
    expect(result.map((event) => event.type)).toEqual([
      "pack.item-verified",
      "pack.scan-undone",
      "pack.item-verified",
      "pack.quantity-set",
      "pack.exception"
    ])
    const [verified, undone, typed, counted] = result as [
      (typeof result)[number],
      (typeof result)[number],
      (typeof result)[number],
      (typeof result)[number]
    ]
    expect(verified.payload).toEqual({
      orderId: "SO-100001",
      lineId: expect.any(String),
      sku: "ALP-MUG-01",
      gtin: "4260123450014",
      quantity: 1,
      raw: "4260123450014",
      deviceId: "scanner-1"
    })
    expect(verified.eventTime).toEqual({ wallMs: START_MS + 2000, monoNs: String(2000 * 1_000_000), ntpOffsetMs: -12 })
    expect(verified.actor).toMatchObject({ role: "packer", badgeId: "B-1001" })
    expect(verified.epcis).toMatchObject({
      eventType: "ObjectEvent",
      action: "OBSERVE",
      bizStep: "packing",
      quantityList: [{ epcClass: "https://id.gs1.org/01/04260123450014", quantity: 1 }]
    })
    expect(undone.payload).toMatchObject({ orderId: "SO-100001", sku: "ALP-MUG-01", quantity: 1 })
    expect(undone.epcis).toBeUndefined()
    // A SKU typed on the keyboard has no device; the identified GTIN is on record all the same.
    expect(typed.payload).toMatchObject({ sku: "ALP-MUG-01", gtin: "4260123450014", raw: "MUG1" })
    expect(typed.payload).not.toHaveProperty("deviceId")
    expect(counted.payload).toMatchObject({ sku: "ALP-MUG-01", quantity: 2, previous: 1 })
    expect(counted.eventTime.wallMs).toBe(START_MS + 3500)
  })

  it("prints the label as ZPL with tracking number, SSCC and the checked address", async () => {
    const zpl = await run(
      Effect.gen(function* () {
        const view = yield* packSo100001
        const jobs = yield* (yield* Sql).query<{ bytes: Uint8Array }>(
          "SELECT bytes FROM print_jobs WHERE printer = 'label'"
        )
        return { text: new TextDecoder().decode(jobs[0]!.bytes), view }
      })
    )
    expect(zpl.text.startsWith("^XA")).toBe(true)
    expect(zpl.text).toContain(zpl.view.parcel!.trackingNumber)
    expect(zpl.text).toContain(">;>800342601230000000012")
    expect(zpl.text).toContain("10115 BERLIN")
    expect(zpl.text).toContain("^PW812")
  })

  it("puts SO-100009 on address hold with its event and refuses to pack it", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        const view = yield* pack.scan({ raw: "SO-100009", at: at(500) })
        const again = yield* pack.scan({ raw: orderCode("SO-100009"), at: at(900) })
        return { view, again, holds: yield* eventsOf("order.address-hold"), status: yield* orderStatus("SO-100009") }
      })
    )
    expect(result.view.refusal?.code).toBe("order-address-hold")
    expect(result.view.step).toBe("idle")
    expect(result.view.addressCheck?.ok).toBe(false)
    expect(result.view.addressCheck?.errors.map((error) => error.code)).toContain("postal-code-format")
    expect(result.status).toEqual(["address-hold", "address-hold"])
    expect(result.holds).toHaveLength(1)
    expect(result.holds[0]!.eventTime).toEqual(at(500))
    expect(result.holds[0]!.payload).toMatchObject({
      orderId: "SO-100009",
      customerLocale: "de",
      request: "customer-correction",
      problems: [
        expect.objectContaining({ field: "postalCode", code: "postal-code-format" }),
        expect.objectContaining({ field: "street1", code: "house-number-missing" })
      ]
    })
    expect(result.again.refusal?.code).toBe("order-address-hold")
  })

  it("files the exception of a held order under that order, not under the parcel the bench packed before", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        yield* pack.scan({ raw: orderCode("SO-100009"), at: at(500) })
        yield* packSo100001
        const again = yield* pack.scan({ raw: orderCode("SO-100009"), at: at(9000) })
        return { again, exceptions: yield* eventsOf("pack.exception") }
      })
    )
    expect(result.again.refusal?.code).toBe("order-address-hold")
    const payloads = result.exceptions.map((event) => event.payload as { code: string; orderId?: string })
    const held = payloads.filter((payload) => payload.code === "order-address-hold")
    expect(held.map((payload) => payload.orderId)).toEqual(["SO-100009"])
  })

  it("refuses a cancelled order and a wrong item, recording each as pack.exception at the scan's time", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        const cancelled = yield* pack.scan({ raw: orderCode("SO-100007"), at: at(100) })
        yield* pack.scan({ raw: orderCode("SO-100001"), at: at(200) })
        const wrong = yield* pack.scan({ raw: "4260123450069", at: at(300) })
        return { cancelled, wrong, exceptions: yield* eventsOf("pack.exception") }
      })
    )
    expect(result.cancelled.refusal?.code).toBe("order-cancelled")
    expect(result.wrong.refusal).toMatchObject({ code: "other-order-item", otherOrderId: "SO-100003" })
    expect(result.exceptions.map((event) => [event.payload, event.eventTime])).toEqual([
      [
        {
          code: "order-cancelled",
          reason: expect.any(String),
          raw: orderCode("SO-100007"),
          rawLength: orderCode("SO-100007").length,
          orderId: "SO-100007"
        },
        at(100)
      ],
      [
        {
          code: "other-order-item",
          reason: expect.stringContaining("SO-100003"),
          raw: "4260123450069",
          rawLength: 13,
          orderId: "SO-100001",
          otherOrderId: "SO-100003"
        },
        at(300)
      ]
    ])
  })

  it("keeps a refused 1 MB scan's first 256 characters and its length in pack.exception, not the megabyte", async () => {
    const huge = `4260${"9".repeat(1_048_572)}`
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        yield* pack.scan({ raw: orderCode("SO-100001"), at: at(100) })
        const refused = yield* pack.scan({ raw: huge, at: at(200) })
        return { refused, exceptions: yield* eventsOf("pack.exception") }
      })
    )
    expect(result.refused.refusal).not.toBeNull()
    expect(result.exceptions).toHaveLength(1)
    expect(result.exceptions[0]?.payload).toMatchObject({ raw: huge.slice(0, 256), rawLength: 1_048_576 })
    expect(JSON.stringify(result.exceptions[0]?.payload).length).toBeLessThan(1_000)
  })

  it("refuses to pack with an item an older version stored beyond today's bounds, naming the item and the field", async () => {
    const result = await run(
      Effect.gen(function* () {
        const sql = yield* Sql
        const [row] = yield* sql.query<{ data: string }>("SELECT data FROM catalog_items WHERE sku = 'ALP-SOCK-M'")
        // As a version before the catalog's bounds stored what the shop sent: refused as it would be arriving now.
        const stored = { ...JSON.parse(row!.data), weightGrams: Number.MAX_SAFE_INTEGER, binHint: "B".repeat(5_000) }
        yield* sql.execute("UPDATE catalog_items SET data = ? WHERE sku = 'ALP-SOCK-M'", [JSON.stringify(stored)])
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        const refused = yield* pack.scan({ raw: orderCode("SO-100001"), at: at(1000) })
        const opened = yield* pack.scan({ raw: orderCode("SO-100002"), at: at(2000) })
        const scanned = yield* pack.scan({ raw: "4260123450038", at: at(3000) })
        return { opened, scanned, refused }
      })
    )
    expect(result.opened.refusal).toBeNull()
    expect(result.scanned.refusal).toMatchObject({
      code: "item-beyond-bounds",
      params: { sku: "ALP-SOCK-M", fields: "weightGrams, binHint" }
    })
    expect(result.refused.refusal).toMatchObject({
      code: "item-beyond-bounds",
      params: { orderId: "SO-100001", sku: "ALP-SOCK-M", fields: "weightGrams, binHint" }
    })
    expect(result.refused.refusal?.reason).toBe(
      "Order SO-100001 has ALP-SOCK-M, whose catalog entry an older version stored beyond today's bounds (weightGrams, binHint): it is not used. Put the order aside; the shop must send the item again"
    )
  })

  it("needs a signed-in packer", async () => {
    const exit = await Effect.runPromise(
      Effect.exit(
        Effect.flatMap(Effect.service(PackService), (pack) => pack.scan({ raw: "SO-100001" })).pipe(
          Effect.provide(stationLayer(tempDb()))
        )
      )
    )
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("Scan your badge first")
  })

  it("leaves no parcel, event, print job or tracking number behind when completing fails inside the transaction", async () => {
    const file = tempDb()
    const result = await run(
      Effect.gen(function* () {
        const sql = yield* Sql
        // The parcel.packed event is the transaction's last write: failing it means everything before it ran.
        yield* sql.execute(
          "CREATE TEMP TRIGGER crash BEFORE INSERT ON events WHEN NEW.type = 'parcel.packed' BEGIN SELECT RAISE(ABORT, 'power cut'); END"
        )
        const crashed = yield* Effect.exit(packSo100001)
        const after = {
          parcels: yield* sql.query("SELECT * FROM parcels"),
          items: yield* sql.query("SELECT * FROM parcel_items"),
          jobs: yield* sql.query("SELECT id FROM print_jobs"),
          packed: yield* eventsOf("parcel.packed"),
          range: yield* sql.query("SELECT next FROM number_ranges WHERE name = 'tracking:dhl-paket'"),
          status: yield* orderStatus("SO-100001"),
          state: (yield* (yield* PackService).state).step
        }
        yield* sql.execute("DROP TRIGGER crash")
        const retried = yield* (yield* PackService).complete({ at: at(9000) })
        return { crashed, after, retried }
      }),
      file
    )
    expect(Exit.isFailure(result.crashed)).toBe(true)
    expect(result.after).toEqual({
      parcels: [],
      items: [],
      jobs: [],
      packed: [],
      range: [{ next: 1000 }],
      status: ["open", "open"],
      state: "parcel"
    })
    expect(result.retried.parcel?.trackingNumber).toBe("00334043400000010008")
    expect(result.retried.parcel?.parcelId).toBe("PACK-01-000001")
  })

  it("refuses to complete when the station's tracking range is used up, and never reissues a voided number", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        const session = yield* Session
        const numbers: Array<string> = []
        for (const orderId of ["SO-100001", "SO-100010", "SO-100006"]) {
          yield* session.signIn("B-1001")
          yield* pack.scan({ raw: orderId })
          const order = (yield* pack.state).lines
          for (const line of order) {
            const gtin = {
              "ALP-MUG-01": "4260123450014",
              "ALP-SOCK-M": "4260123450038",
              "ALP-CUP-SET": "4260123450090",
              "ALP-MAP-DE": "4260123450083"
            }[line.sku]!
            yield* pack.scan({ raw: gtin })
            if (line.quantity > 1) yield* pack.quantity({ quantity: line.quantity })
          }
          yield* pack.chooseBox({ boxId: "M" })
          const state = yield* pack.state
          yield* pack.weight({ grams: state.expectedWeightGrams, source: "typed" })
          const done = yield* pack.complete({})
          numbers.push(done.parcel!.trackingNumber!)
          if (orderId === "SO-100001") {
            yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
            yield* pack.voidParcel({ parcelId: done.parcel!.parcelId, reason: "box damaged" })
          }
        }
        yield* session.signIn("B-1001")
        yield* pack.scan({ raw: "SO-100001" })
        yield* pack.scan({ raw: "4260123450014" })
        yield* pack.quantity({ quantity: 2 })
        yield* pack.scan({ raw: "4260123450038" })
        yield* pack.chooseBox({ boxId: "S" })
        yield* pack.weight({ grams: 860, source: "typed" })
        const exhausted = yield* pack.complete({})
        return { numbers, exhausted, voided: yield* eventsOf("parcel.voided"), status: yield* orderStatus("SO-100001") }
      })
    )
    expect(new Set(result.numbers).size).toBe(3)
    expect(result.exhausted.refusal?.code).toBe("tracking-range-exhausted")
    expect(result.exhausted.step).toBe("parcel")
    expect(result.voided).toHaveLength(1)
    expect(result.voided[0]!.payload).toMatchObject({ trackingNumber: result.numbers[0], reason: "box damaged" })
    expect(result.status).toEqual(["open", "open"])
  })
})

describe("Handover", () => {
  it("refuses unknown, foreign-carrier and twice-scanned parcels and records one handed-to-carrier event per parcel", async () => {
    const result = await run(
      Effect.gen(function* () {
        const packed = yield* packSo100001
        const handover = yield* Handover
        const noBatch = yield* handover.scan({ raw: packed.parcel!.trackingNumber!, at: at(10_000) })
        const ups = yield* handover.open({ carrier: "ups" })
        const foreign = yield* handover.scan({ raw: packed.parcel!.trackingNumber!, at: at(11_000) })
        const emptyClose = yield* handover.close({ at: at(11_500) })
        return { packed, noBatch, ups, foreign, emptyClose }
      })
    )
    expect(result.noBatch.refusal?.code).toBe("no-batch-open")
    expect(result.ups.batch?.carrier).toBe("ups")
    expect(result.foreign.refusal?.code).toBe("parcel-other-carrier")
    expect(result.emptyClose.refusal?.code).toBe("batch-empty")
  })

  it("closes a batch into a manifest print job, ships the orders and stamps each event with its scan time", async () => {
    const result = await run(
      Effect.gen(function* () {
        const packed = yield* packSo100001
        const handover = yield* Handover
        const opened = yield* handover.open({ carrier: "dhl-paket" })
        const second = yield* handover.open({ carrier: "ups" })
        const unknown = yield* handover.scan({ raw: "00334043400000099999", at: at(20_000) })
        const first = yield* handover.scan({ raw: `${packed.parcel!.parcelCode.toLowerCase()}\r\n`, at: at(21_000) })
        // The same parcel by its tracking number as a person types it off the label: in groups of four.
        const grouped = packed.parcel!.trackingNumber!.replace(/(.{4})(?=.)/g, "$1 ")
        const twice = yield* handover.scan({ raw: grouped, at: at(22_000) })
        // A German site: the driver signs a German manifest (the station's language, as the bench shows it).
        yield* (yield* StationSettings).setLocale("de")
        const closed = yield* handover.close({ at: at(23_000) })
        const afterClose = yield* handover.scan({ raw: packed.parcel!.trackingNumber!, at: at(24_000) })
        yield* handover.open({ carrier: "dhl-paket" })
        const reused = yield* handover.scan({ raw: packed.parcel!.trackingNumber!, at: at(25_000) })
        const sql = yield* Sql
        const manifest = yield* sql.query<{ bytes: Uint8Array; purpose: string }>(
          "SELECT bytes, purpose FROM print_jobs WHERE purpose LIKE 'manifest%'"
        )
        return {
          packed,
          opened,
          second,
          unknown,
          first,
          twice,
          closed,
          afterClose,
          reused,
          manifest,
          events: yield* eventsOf("parcel.handed-to-carrier"),
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    const trackingNumber = result.packed.parcel!.trackingNumber!
    expect(result.opened.batch?.batchId).toBe("HO-PACK-01-00001")
    expect(result.second.refusal?.code).toBe("batch-open")
    expect(result.unknown.refusal?.code).toBe("parcel-unknown")
    expect(result.first.refusal).toBeNull()
    expect(result.first.batch?.parcels).toEqual([
      { parcelId: "PACK-01-000001", orderId: "SO-100001", trackingNumber, scannedAtMs: START_MS + 21_000 }
    ])
    expect(result.twice.refusal?.code).toBe("parcel-already-scanned")
    expect(result.closed.batch).toBeNull()
    expect(result.closed.manifest).toMatchObject({
      batchId: "HO-PACK-01-00001",
      carrier: "dhl-paket",
      count: 1,
      trackingNumbers: [trackingNumber],
      printJob: { printer: "label", purpose: "manifest HO-PACK-01-00001" }
    })
    expect(result.afterClose.refusal?.code).toBe("no-batch-open")
    expect(result.reused.refusal?.code).toBe("parcel-not-packed")
    const zpl = new TextDecoder().decode(result.manifest[0]!.bytes)
    expect(zpl).toContain("^BCN,110,Y,N,N^FDHO-PACK-01-00001^FS")
    expect(zpl).toContain(`1. ${trackingNumber}`)
    // Closed at 11:07:03 UTC on 18 November: the site (Europe/Berlin by default) reads 12:07 on its clock.
    expect(zpl).toContain("Station PACK-01 - 2026-11-18 12:07 UTC+1")
    expect(zpl).toContain("^FDÜBERGABELISTE^FS")
    expect(zpl).toContain("^FDPakete: 1^FS")
    expect(zpl).toContain("^FDUnterschrift Fahrer:^FS")
    expect(zpl).not.toContain("MANIFEST")
    expect(result.events).toHaveLength(1)
    expect(result.events[0]!.eventTime).toEqual(at(21_000))
    expect(result.events[0]!.payload).toEqual({
      batchId: "HO-PACK-01-00001",
      parcelId: "PACK-01-000001",
      orderId: "SO-100001",
      carrier: "dhl-paket",
      trackingNumber,
      ssccUrn: "urn:epc:id:sscc:4260123.3000000001"
    })
    expect(result.events[0]!.epcis).toEqual({
      eventType: "ObjectEvent",
      action: "OBSERVE",
      bizStep: "shipping",
      disposition: "in_transit",
      epcList: ["urn:epc:id:sscc:4260123.3000000001"],
      bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-100001" }]
    })
    expect(result.status).toEqual(["shipped", "shipped"])
  })
})

/** SO-100001 as the sample data has it, for the shop's newer versions of it. */
const order100001 = (fixture("orders.json") as Array<Order>).find((order) => order.orderId === "SO-100001")!

/**
 * A version of SO-100001 that changes nothing its parcel carries: another e-mail address, the lines listed the other
 * way round at other prices.
 */
const editedSo100001 = (version: number) => ({
  ...order100001,
  version,
  customer: { ...order100001.customer, email: "anna.neu@example.de" },
  lines: [...order100001.lines].reverse().map((line) => ({ ...line, unitPrice: line.unitPrice + 1 }))
})

/** A version of SO-100001 with one mug instead of two: the parcel holds one too many. */
const fewerMugs = (version: number) => ({
  ...order100001,
  version,
  lines: order100001.lines.map((line) => (line.sku === "ALP-MUG-01" ? { ...line, quantity: 1 } : line))
})

/** SO-100001's customer moved: the address the shop corrects the order to. */
const order100001ShipTo = {
  name: "Anna Schmidt",
  street1: "Hauptstraße 12",
  postalCode: "10115",
  city: "Berlin",
  country: "DE"
}
const movedTo = { name: "Anna Schmidt", street1: "Torstraße 7", postalCode: "10119", city: "Berlin", country: "DE" }

/** The shop's message `type` reaches the station's inbox as message `seq` of its stream. */
const fromShop = (seq: number, type: string, payload: unknown) =>
  Effect.flatMap(Effect.service(Inbox), (inbox) => inbox.receive(inboxMessage(seq, type, payload)))

/** The shop corrects SO-100001's address to `shipTo` as order `version`, message `seq` of the station's inbox. */
const correctAddress = (seq: number, version: number, shipTo: unknown = movedTo) =>
  fromShop(seq, "order.address-corrected", { orderId: "SO-100001", version, shipTo })

/** The shop cancels SO-100001 as order `version`, message `seq` of the station's inbox. */
const cancelSo100001 = (seq: number, version: number) =>
  fromShop(seq, "order.cancel", { orderId: "SO-100001", version })

/** The text of every label print job, in the order they were queued. */
const labelTexts = Effect.flatMap(Effect.service(Sql), (sql) =>
  sql.query<{ purpose: string; bytes: Uint8Array }>(
    "SELECT purpose, bytes FROM print_jobs WHERE printer = 'label' ORDER BY rowid"
  )
).pipe(Effect.map((jobs) => jobs.map((job) => ({ purpose: job.purpose, text: new TextDecoder().decode(job.bytes) }))))

/** The carrier cancellations that are due, sent: how many the carrier confirmed. */
const cancelAtCarrier = Effect.flatMap(Effect.service(CarrierCancellations), (cancellations) => cancellations.retryDue)

/**
 * The carrier's web service set up again and the station two minutes on: the cancellations it sends then, and what
 * waits after.
 */
const carrierBackTwoMinutesLater = (file: string, adapter: CarrierAdapter) =>
  run(
    Effect.gen(function* () {
      ;(yield* ManualClock).advance(120_000)
      return { sent: yield* cancelAtCarrier, counts: yield* (yield* CarrierCancellations).counts }
    }),
    file,
    Layer.empty,
    [adapter]
  )

/**
 * dhl-paket's label web service, down (refusing connections) until `up()`; after `timesOut()` it takes requests in
 * and acts on them (makes shipments, cancels them), but its answers never arrive. Idempotent per parcel id as real
 * label services are: asked again for a parcel it already answered, it answers with the same label, whatever address
 * the request names now. It cancels a live shipment by its tracking number and answers `gone` for a number it has
 * none under; after `refusesCancellations(text)` it refuses every cancellation with `text`, after `refusesLabels(text)`
 * every shipment request (making no shipment). After `routesBy(code)` the labels it makes carry `code` as their routing
 * code (one the station cannot print, say). `requests` are the requests that reached it; `whileSending` runs as a
 * request goes out.
 */
const memoryLabelService = () => {
  let state: "down" | "times-out" | "up" = "down"
  let sending: Effect.Effect<void> = Effect.void
  let cancellationRefusal: string | undefined
  let labelRefusal: string | undefined
  let routingCode: string | undefined
  const requests: Array<LabelRequest> = []
  const issued = new Map<string, CarrierLabel>()
  const cancelled: Array<string> = []
  const unreachable = (mayHaveReachedCarrier: boolean) =>
    new CarrierUnreachable({
      carrier: "dhl-paket",
      message: mayHaveReachedCarrier ? "no answer within 5000 ms" : "connection refused",
      mayHaveReachedCarrier
    })
  const api: CarrierApi = {
    carrier: "dhl-paket",
    createShipment: (request) =>
      Effect.suspend((): Effect.Effect<CarrierLabel, CarrierError | CarrierUnreachable> => {
        if (state === "down") return Effect.fail(unreachable(false))
        return Effect.andThen(
          sending,
          Effect.suspend((): Effect.Effect<CarrierLabel, CarrierError | CarrierUnreachable> => {
            requests.push(request)
            if (labelRefusal !== undefined) {
              return state === "times-out"
                ? Effect.fail(unreachable(true))
                : Effect.fail(new CarrierError({ carrier: "dhl-paket", reason: "refused", message: labelRefusal }))
            }
            const label = issued.get(request.parcelId) ?? {
              trackingNumber: `JJD${String(issued.size + 1).padStart(10, "0")}`,
              routingCode: routingCode ?? request.shipTo.postalCode,
              carrierName: "DHL",
              serviceName: "Paket"
            }
            issued.set(request.parcelId, label)
            return state === "times-out" ? Effect.fail(unreachable(true)) : Effect.succeed(label)
          })
        )
      }),
    cancelShipment: (trackingNumber) =>
      Effect.suspend((): Effect.Effect<"cancelled" | "gone", CarrierError | CarrierUnreachable> => {
        if (state === "down") return Effect.fail(unreachable(false))
        if (cancellationRefusal !== undefined) {
          return Effect.fail(
            new CarrierError({ carrier: "dhl-paket", reason: "refused", message: cancellationRefusal })
          )
        }
        const live =
          [...issued.values()].some((label) => label.trackingNumber === trackingNumber) &&
          !cancelled.includes(trackingNumber)
        if (live) cancelled.push(trackingNumber)
        return state === "times-out"
          ? Effect.fail(unreachable(true))
          : Effect.succeed(live ? ("cancelled" as const) : ("gone" as const))
      })
  }
  return {
    adapter: apiCarrierAdapter(api),
    up: () => {
      state = "up"
    },
    down: () => {
      state = "down"
    },
    timesOut: () => {
      state = "times-out"
    },
    refusesCancellations: (text: string | undefined) => {
      cancellationRefusal = text
    },
    refusesLabels: (text: string | undefined) => {
      labelRefusal = text
    },
    routesBy: (code: string | undefined) => {
      routingCode = code
    },
    whileSending: (effect: Effect.Effect<void>) => {
      sending = effect
    },
    requests,
    cancelled
  }
}

/** `run` on a station whose dhl-paket labels come from `service`. */
const runOnline = <A, E>(
  service: ReturnType<typeof memoryLabelService>,
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>
) => run(effect, tempDb(), Layer.empty, [service.adapter])

type Station = Layer.Success<ReturnType<typeof stationLayer>>

/** What `labelScenario` did, and what it saw. */
interface LabelScenarioResult<A> {
  /** SO-100001's parcel as completing it left it (label pending). */
  readonly first: ParcelView
  /** What `meanwhile` answered. */
  readonly meanwhile: A
  /** How many parcels got their label in each pass of the label worker. */
  readonly labelled: ReadonlyArray<number>
  /** The labels waiting, listed and counted after the first pass (or, with no pass, once the service is back). */
  readonly listed: ReadonlyArray<PendingLabel>
  readonly counts: Effect.Success<PendingLabels["Service"]["counts"]>
  /** The parcel scanned into a dhl-paket batch at the carrier's cage, with `cage`. */
  readonly atCage: HandoverView | undefined
}

/**
 * The set-up the label tests share, on a station whose dhl-paket labels come from `service`, step by step:
 * 1. SO-100001 is packed (`packing`, `packSo100001` by default) while the service is `packedWhile`: `down` (the
 *    default: the request never reaches it) or `times-out` (it takes the request in and makes the shipment, but its
 *    answer is lost);
 * 2. `meanwhile`, given the parcel (a manager's void tried, a retry while the service times out);
 * 3. the shop's change while the parcel waits for its label (`shopChanges`);
 * 4. the service is up;
 * 5. the label worker's passes, each once the station's clock moved on by its delay in ms (`passes`: one at once by
 *    default);
 * 6. with `cage`, the parcel is scanned into a dhl-paket batch at the carrier's cage.
 */
const labelScenario = <A = undefined, E = never>(
  service: ReturnType<typeof memoryLabelService>,
  scenario: {
    readonly packedWhile?: "down" | "times-out"
    readonly packing?: Effect.Effect<Effect.Success<typeof packSo100001>, Effect.Error<typeof packSo100001>, Station>
    readonly meanwhile?: (first: ParcelView) => Effect.Effect<A, E, Station>
    readonly shopChanges?: Effect.Effect<unknown, never, Inbox>
    readonly passes?: ReadonlyArray<number>
    readonly cage?: boolean
  } = {}
): Effect.Effect<LabelScenarioResult<A>, E | PackError | SessionError | HandoverError | StoreError, Station> =>
  Effect.gen(function* () {
    const pending = yield* PendingLabels
    const clock = yield* ManualClock
    if (scenario.packedWhile === "times-out") service.timesOut()
    const first = (yield* scenario.packing ?? packSo100001).parcel!
    const meanwhile = (scenario.meanwhile === undefined ? undefined : yield* scenario.meanwhile(first)) as A
    if (scenario.shopChanges !== undefined) yield* scenario.shopChanges
    service.up()
    const labelled: Array<number> = []
    let seen: Pick<LabelScenarioResult<A>, "listed" | "counts"> | undefined
    for (const delayMs of scenario.passes ?? [0]) {
      clock.advance(delayMs)
      labelled.push(yield* pending.retryDue)
      seen ??= { listed: yield* pending.list, counts: yield* pending.counts }
    }
    seen ??= { listed: yield* pending.list, counts: yield* pending.counts }
    let atCage: HandoverView | undefined
    if (scenario.cage === true) {
      const handover = yield* Handover
      yield* handover.open({ carrier: "dhl-paket" })
      atCage = yield* handover.scan({ raw: first.parcelCode, at: at(10_000) })
    }
    return { first, meanwhile, labelled, ...seen, atCage }
  })

describe("an order whose address the shop corrects after its parcel was labelled", () => {
  it("keeps the parcel from the carrier and from a reprint until it is voided and packed again for the new address", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        const handover = yield* Handover
        const first = (yield* packSo100001).parcel!
        const applied = yield* correctAddress(1, 2)
        const alerts = [...(yield* RaisedAlerts)]
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: first.trackingNumber!, at: at(10_000) })
        const reprint = yield* Effect.flip(pack.reprint({ parcelId: first.parcelId }))
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "address corrected", at: at(11_000) })
        const second = (yield* packSo100001).parcel!
        const accepted = yield* handover.scan({ raw: second.trackingNumber!, at: at(20_000) })
        return {
          first,
          applied,
          alerts,
          atCage,
          reprint,
          second,
          accepted,
          labels: yield* labelTexts,
          exceptions: yield* eventsOf("pack.exception")
        }
      })
    )
    expect(result.applied).toBe("applied")
    // The parcel is still on the bench: the packer is told at once to keep it there for the manager.
    expect(result.alerts).toEqual(["order-address-corrected-labelled"])
    expect(result.atCage.refusal).toMatchObject({
      code: "label-address-outdated",
      variant: "handover",
      params: { orderId: "SO-100001", parcelId: result.first.parcelId }
    })
    expect(result.atCage.refusal?.reason).toContain("A manager voids the parcel")
    expect(result.atCage.batch?.parcels).toEqual([])
    expect(result.exceptions.map((event) => event.payload)).toEqual([
      {
        code: "label-address-outdated",
        reason: result.atCage.refusal?.reason,
        raw: result.first.trackingNumber,
        rawLength: result.first.trackingNumber!.length,
        orderId: "SO-100001"
      }
    ])
    expect(result.reprint).toMatchObject({ _tag: "PackError", reason: "label-address-outdated" })
    expect(result.second.parcelId).not.toBe(result.first.parcelId)
    expect(result.accepted.refusal).toBeNull()
    expect(result.accepted.batch?.parcels.map((parcel) => parcel.parcelId)).toEqual([result.second.parcelId])
    // The first label (never reprinted) has the old address, the second the corrected one.
    expect(result.labels.map((label) => label.purpose)).toEqual([
      `label ${result.first.parcelId}`,
      `label ${result.second.parcelId}`
    ])
    expect(result.labels[0]!.text).toContain("10115 BERLIN")
    expect(result.labels[1]!.text).toContain("10119 BERLIN")
    expect(result.labels[1]!.text).not.toContain("10115")
  })

  it("prints no label for the old address when it comes for a parcel that waited for it, and the parcel is packed again", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const { first, labelled, atCage } = yield* labelScenario(service, {
          packedWhile: "times-out",
          shopChanges: correctAddress(1, 2),
          cage: true
        })
        const parcel = yield* pack.parcel(first.parcelId)
        const labelsBefore = yield* labelTexts
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "address corrected", at: at(11_000) })
        yield* cancelAtCarrier
        const second = (yield* packSo100001).parcel!
        return {
          first,
          labelled,
          parcel,
          atCage,
          labelsBefore,
          second,
          labels: yield* labelTexts,
          exceptions: yield* eventsOf("pack.exception")
        }
      })
    )
    expect(result.first.status).toBe("label-pending")
    expect(result.labelled).toEqual([1])
    expect(result.parcel).toMatchObject({ status: "packed", trackingNumber: "JJD0000000001" })
    expect(result.labelsBefore).toEqual([])
    expect(result.exceptions.map((event) => event.payload)).toContainEqual({
      code: "label-address-outdated",
      reason: expect.stringContaining(result.first.parcelId),
      orderId: "SO-100001"
    })
    expect(result.atCage?.refusal).toMatchObject({ code: "label-address-outdated", variant: "handover" })
    expect(service.cancelled).toEqual(["JJD0000000001"])
    // Asked at packing and again once the service answered: both times for the address the parcel was packed for.
    expect(service.requests.map((request) => [request.parcelId, request.shipTo.postalCode])).toEqual([
      [result.first.parcelId, "10115"],
      [result.first.parcelId, "10115"],
      [result.second.parcelId, "10119"]
    ])
    expect(result.second.status).toBe("packed")
    expect(result.labels).toEqual([
      { purpose: `label ${result.second.parcelId}`, text: expect.stringContaining("10119 BERLIN") }
    ])
  })
})

describe("an order the shop cancels after its parcel was packed, before handover", () => {
  it("keeps the parcel from the carrier and a reprint after a restart, and voiding it leaves the order cancelled", async () => {
    const file = tempDb()
    const packed = await run(
      Effect.gen(function* () {
        const parcel = (yield* packSo100001).parcel!
        const applied = yield* cancelSo100001(1, 2)
        return {
          parcel,
          applied,
          alerts: [...(yield* RaisedAlerts)],
          cancelled: (yield* eventsOf("order.cancelled")).map((event) => event.payload)
        }
      }),
      file
    )
    // The station restarted: what holds the parcel back is in its database, not in memory.
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        const handover = yield* Handover
        const session = yield* Session
        yield* session.signIn("B-1001")
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: packed.parcel.trackingNumber!, at: at(10_000) })
        const reprint = yield* Effect.flip(pack.reprint({ parcelId: packed.parcel.parcelId }))
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const voided = yield* pack.voidParcel({ parcelId: packed.parcel.parcelId, reason: "cancelled", at: at(11_000) })
        const again = yield* pack.scan({ raw: orderCode("SO-100001"), at: at(12_000) })
        return {
          atCage,
          reprint,
          voided,
          again,
          status: yield* orderStatus("SO-100001"),
          handed: yield* eventsOf("parcel.handed-to-carrier")
        }
      }),
      file
    )
    expect(packed.applied).toBe("applied")
    // The parcel is still on the bench: the packer is told at once to keep it there for the manager.
    expect(packed.alerts).toEqual(["order-cancelled-labelled"])
    expect(packed.cancelled).toEqual([
      {
        orderId: "SO-100001",
        orderVersion: 2,
        previousStatus: "packed",
        interruptedPacking: true,
        parcelHeld: true
      }
    ])
    expect(result.atCage.refusal).toMatchObject({
      code: "order-cancelled-after-packing",
      variant: "handover",
      params: { orderId: "SO-100001", parcelId: packed.parcel.parcelId }
    })
    expect(result.atCage.refusal?.reason).toContain("Give the parcel to a manager to void it, then put the items back")
    expect(result.atCage.batch?.parcels).toEqual([])
    expect(result.reprint).toMatchObject({ _tag: "PackError", reason: "order-cancelled-after-packing" })
    expect(result.voided.status).toBe("voided")
    expect(result.again.refusal?.code).toBe("order-cancelled")
    expect(result.status).toEqual(["cancelled", "cancelled"])
    expect(result.handed).toEqual([])
  })

  it("prints no label that comes for a parcel of an order cancelled while it waited, and voiding cancels it", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const { first, labelled } = yield* labelScenario(service, {
          packedWhile: "times-out",
          shopChanges: cancelSo100001(1, 2)
        })
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "cancelled", at: at(11_000) })
        yield* cancelAtCarrier
        return {
          first,
          labelled,
          labels: yield* labelTexts,
          exceptions: yield* eventsOf("pack.exception"),
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    expect(result.first.status).toBe("label-pending")
    expect(result.labelled).toEqual([1])
    expect(result.labels).toEqual([])
    expect(result.exceptions.map((event) => event.payload)).toContainEqual({
      code: "order-cancelled-after-packing",
      reason: expect.stringContaining(`parcel ${result.first.parcelId} waited for its label`),
      orderId: "SO-100001"
    })
    expect(service.cancelled).toEqual(["JJD0000000001"])
    expect(result.status).toEqual(["cancelled", "cancelled"])
  })

  it("lets the parcel go when the shop takes the cancellation back with a version that keeps its lines", async () => {
    const result = await run(
      Effect.gen(function* () {
        const handover = yield* Handover
        const parcel = (yield* packSo100001).parcel!
        yield* cancelSo100001(1, 2)
        yield* fromShop(2, "order.upsert", { ...order100001, version: 3, status: "open" })
        const status = yield* orderStatus("SO-100001")
        yield* handover.open({ carrier: "dhl-paket" })
        return { status, atCage: yield* handover.scan({ raw: parcel.parcelCode, at: at(10_000) }) }
      })
    )
    // The parcel is packed for it: the order is packed again, not open to be packed twice.
    expect(result.status).toEqual(["packed", "packed"])
    expect(result.atCage.refusal).toBeNull()
    expect(result.atCage.batch?.parcels).toHaveLength(1)
  })
})

/** The ways the shop changes SO-100001 under its parcel, each as the inbox's messages 1 and 2, and what holds it back. */
const orderChanges = [
  {
    change: "cancels it",
    shopChanges: cancelSo100001(1, 2),
    hold: "order-cancelled-after-packing",
    voided: "stays cancelled"
  },
  {
    change: "changes its items",
    shopChanges: fromShop(1, "order.upsert", fewerMugs(2)),
    hold: "parcel-lines-outdated",
    voided: "opens again"
  },
  {
    change: "corrects its address",
    shopChanges: correctAddress(1, 2),
    hold: "label-address-outdated",
    voided: "opens again"
  }
] as const

/** The exceptions the station recorded for SO-100001 with `code`, as their payloads. */
const exceptionsWith = (code: string) =>
  Effect.map(eventsOf("pack.exception"), (events) =>
    events.map((event) => event.payload as { code: string; reason: string }).filter((payload) => payload.code === code)
  )

describe("a parcel waiting for its label whose order changes before a request for it reached the carrier", () => {
  for (const change of orderChanges)
    it(`is not asked for when the label service is back after the shop ${change.change}, and says why once`, async () => {
      const service = memoryLabelService()
      const result = await runOnline(
        service,
        Effect.gen(function* () {
          // Looked at again after the longest delay: still not asked for, and not said again.
          const { first, labelled, listed, counts, atCage } = yield* labelScenario(service, {
            shopChanges: change.shopChanges,
            passes: [0, 120_000],
            cage: true
          })
          return {
            first,
            labelled,
            listed,
            counts,
            atCage,
            exceptions: yield* exceptionsWith(change.hold),
            parcel: yield* (yield* PackService).parcel(first.parcelId),
            labels: yield* labelTexts
          }
        })
      )
      expect(result.first.status).toBe("label-pending")
      expect(result.labelled).toEqual([0, 0])
      expect(service.requests).toEqual([])
      expect(result.listed).toMatchObject([
        { parcelId: result.first.parcelId, withheld: change.hold, mayHaveReachedCarrier: false }
      ])
      // The header counts it apart from the labels the station waits for.
      expect(result.counts).toEqual({ asking: 0, withheld: 1, refused: 0, unprintable: 0, apiGone: 0 })
      expect(result.exceptions.map((payload) => payload.reason)).toEqual([
        expect.stringContaining(
          `parcel ${result.first.parcelId} waited for its label, and no request for the label has reached the carrier`
        ),
        // The cage: not "keep it until its label prints", which it never will.
        result.atCage?.refusal?.reason
      ])
      expect(result.atCage?.refusal).toMatchObject({
        code: change.hold,
        variant: "pending",
        params: { orderId: "SO-100001", parcelId: result.first.parcelId }
      })
      expect(result.parcel?.status).toBe("label-pending")
      expect(result.labels).toEqual([])
    })

  it("is asked for at once, and its label printed, when the shop takes the cancellation back: the worker is woken", async () => {
    const service = memoryLabelService()
    const result = await run(
      Effect.gen(function* () {
        const pending = yield* PendingLabels
        const clock = yield* ManualClock
        const { first, labelled: withheld } = yield* labelScenario(service, { shopChanges: cancelSo100001(1, 2) })
        // The label worker runs, and by itself would look again only after ten minutes; the station's clock stands
        // still, so the withheld label is not due by time either: only being woken gets it asked for.
        yield* Effect.forkScoped(pending.work(Effect.void))
        yield* fromShop(2, "order.upsert", { ...order100001, version: 3, status: "open" })
        let labels = yield* labelTexts
        for (let waited = 0; labels.length === 0 && waited < 3_000; waited += 10) {
          yield* Effect.sleep("10 millis")
          labels = yield* labelTexts
        }
        return { first, withheld, labels, left: yield* pending.list, stationTime: (yield* clock.clock.now).wallMs }
      }).pipe(Effect.scoped),
      tempDb(),
      Layer.empty,
      [service.adapter],
      { firstDelayMs: 600_000, maxDelayMs: 600_000 }
    )
    expect(result.withheld).toEqual([0])
    expect(result.stationTime).toBe(START_MS)
    expect(result.labels).toEqual([{ purpose: `label ${result.first.parcelId}`, text: expect.any(String) }])
    expect(result.left).toEqual([])
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId])
  })

  for (const change of orderChanges)
    it(`is voided before its label comes after the shop ${change.change}: never asked for, the order ${change.voided}`, async () => {
      const service = memoryLabelService()
      const result = await runOnline(
        service,
        Effect.gen(function* () {
          const pack = yield* PackService
          const pending = yield* PendingLabels
          const clock = yield* ManualClock
          const { first } = yield* labelScenario(service, { shopChanges: change.shopChanges })
          yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
          const voided = yield* pack.voidParcel({ parcelId: first.parcelId, reason: "order changed", at: at(11_000) })
          clock.advance(120_000)
          return {
            first,
            voided,
            labelled: yield* pending.retryDue,
            left: yield* pending.list,
            counts: yield* pending.counts,
            state: yield* pack.state,
            status: yield* orderStatus("SO-100001"),
            events: yield* eventsOf("parcel.voided-before-label"),
            labelledVoids: yield* eventsOf("parcel.voided"),
            labels: yield* labelTexts
          }
        })
      )
      expect(result.voided).toMatchObject({ parcelId: result.first.parcelId, status: "voided", trackingNumber: null })
      expect(result.labelled).toBe(0)
      expect(result.left).toEqual([])
      expect(result.counts).toEqual({ asking: 0, withheld: 0, refused: 0, unprintable: 0, apiGone: 0 })
      expect(service.requests).toEqual([])
      expect(service.cancelled).toEqual([])
      expect(result.labels).toEqual([])
      // The bench showed the parcel until now: it starts afresh.
      expect(result.state.step).toBe("idle")
      expect(result.events).toHaveLength(1)
      expect(result.events[0]!.payload).toEqual({
        orderId: "SO-100001",
        parcelId: result.first.parcelId,
        carrier: "dhl-paket",
        ssccUrn: "urn:epc:id:sscc:4260123.3000000001",
        reason: "order changed"
      })
      expect(result.events[0]!.eventTime).toEqual(at(11_000))
      expect(result.events[0]!.epcis).toBeUndefined()
      expect(result.labelledVoids).toEqual([])
      const status = change.voided === "stays cancelled" ? "cancelled" : "open"
      expect(result.status).toEqual([status, status])
    })

  it("is packed again after a void for the corrected address, and that parcel's label prints", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const first = (yield* packSo100001).parcel!
        yield* correctAddress(1, 2)
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "address corrected", at: at(11_000) })
        service.up()
        const second = (yield* packSo100001).parcel!
        return { first, second, labels: yield* labelTexts }
      })
    )
    expect(result.second).toMatchObject({ status: "packed", trackingNumber: "JJD0000000001" })
    expect(service.requests.map((request) => [request.parcelId, request.shipTo.postalCode])).toEqual([
      [result.second.parcelId, "10119"]
    ])
    expect(result.labels).toEqual([
      { purpose: `label ${result.second.parcelId}`, text: expect.stringContaining("10119 BERLIN") }
    ])
  })
})

describe("a parcel waiting for its label, voided for the bench's own reasons", () => {
  it("is voided while no request reached the carrier: its request is withdrawn and the order packed again", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const pending = yield* PendingLabels
        const first = (yield* packSo100001).parcel!
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const unexplained = yield* Effect.flip(pack.voidParcel({ parcelId: first.parcelId, reason: " " }))
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        const status = yield* orderStatus("SO-100001")
        const twice = yield* Effect.flip(pack.voidParcel({ parcelId: first.parcelId, reason: "box damaged" }))
        const second = (yield* packSo100001).parcel!
        service.up()
        return {
          first,
          unexplained,
          status,
          twice,
          second,
          labelled: yield* pending.retryDue,
          labels: yield* labelTexts
        }
      })
    )
    expect(result.unexplained).toMatchObject({ _tag: "PackError", reason: "reason-required" })
    expect(result.status).toEqual(["open", "open"])
    expect(result.twice).toMatchObject({ _tag: "PackError", reason: "parcel-not-voidable" })
    expect(result.second.status).toBe("label-pending")
    expect(result.labelled).toBe(1)
    // The withdrawn request never went out: the carrier knows the second parcel only.
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.second.parcelId])
    expect(result.labels).toEqual([{ purpose: `label ${result.second.parcelId}`, text: expect.any(String) }])
  })

  it("is voided while the worker's request is on its way: the label that comes is not recorded nor printed, and its shipment is cancelled", async () => {
    const service = memoryLabelService()
    const during: Array<unknown> = []
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const { first, labelled } = yield* labelScenario(service, {
          meanwhile: (first) =>
            Effect.gen(function* () {
              yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
              service.whileSending(
                Effect.map(
                  Effect.result(pack.voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })),
                  (outcome) => {
                    during.push(outcome)
                  }
                )
              )
            })
        })
        service.whileSending(Effect.void)
        // Looked at again later: nothing is left to ask for.
        const clock = yield* ManualClock
        clock.advance(120_000)
        const later = yield* (yield* PendingLabels).retryDue
        return {
          first,
          labelled,
          later,
          parcel: yield* pack.parcel(first.parcelId),
          cancelled: yield* cancelAtCarrier,
          packed: yield* eventsOf("parcel.packed"),
          labels: yield* labelTexts
        }
      })
    )
    expect(during).toMatchObject([
      { _tag: "Success", success: { parcelId: result.first.parcelId, status: "voided", trackingNumber: null } }
    ])
    // The label came for a parcel voided meanwhile: it is neither recorded nor printed.
    expect(result.labelled).toEqual([0])
    expect(result.later).toBe(0)
    expect(result.parcel).toMatchObject({ status: "voided", trackingNumber: null })
    expect(result.packed).toEqual([])
    expect(result.labels).toEqual([])
    // The worker's request made the shipment; the cancellation learnt it under the parcel id and cancelled it.
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId, result.first.parcelId])
    expect(result.cancelled).toBe(1)
    expect(service.cancelled).toEqual(["JJD0000000001"])
  })
})

describe("a parcel waiting for its label whose order changes after a request for it may have reached the carrier", () => {
  it("is asked for again under the same key when its request timed out at packing, and its label is not printed", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const {
          first,
          meanwhile: listed,
          labelled
        } = yield* labelScenario(service, {
          packedWhile: "times-out",
          meanwhile: () => Effect.flatMap(Effect.service(PendingLabels), (pending) => pending.list),
          shopChanges: cancelSo100001(1, 2)
        })
        return {
          first,
          listed,
          labelled,
          parcel: yield* (yield* PackService).parcel(first.parcelId),
          withheld: yield* exceptionsWith("order-cancelled-after-packing"),
          labels: yield* labelTexts
        }
      })
    )
    expect(result.first.status).toBe("label-pending")
    expect(result.listed).toMatchObject([{ parcelId: result.first.parcelId, mayHaveReachedCarrier: true }])
    expect(result.labelled).toEqual([1])
    // The shipment the timed-out request made, learnt by asking again under the parcel id: voiding can cancel it.
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId, result.first.parcelId])
    expect(result.parcel).toMatchObject({ status: "packed", trackingNumber: "JJD0000000001" })
    expect(result.labels).toEqual([])
    expect(result.withheld.map((payload) => payload.reason)).toEqual([
      expect.stringContaining(`parcel ${result.first.parcelId} waited for its label: the label was not printed`)
    ])
  })

  it("is asked for again when a retry before the change timed out after sending", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const { first, meanwhile, labelled } = yield* labelScenario(service, {
          meanwhile: () =>
            Effect.gen(function* () {
              const pending = yield* PendingLabels
              service.timesOut()
              return { timedOut: yield* pending.retryDue, listed: yield* pending.list }
            }),
          shopChanges: fromShop(1, "order.upsert", fewerMugs(2)),
          passes: [60_000]
        })
        return {
          first,
          ...meanwhile,
          labelled,
          parcel: yield* (yield* PackService).parcel(first.parcelId),
          labels: yield* labelTexts
        }
      })
    )
    expect(result.timedOut).toBe(0)
    expect(result.listed).toMatchObject([{ attempts: 2, mayHaveReachedCarrier: true }])
    expect(result.labelled).toEqual([1])
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId, result.first.parcelId])
    expect(result.parcel).toMatchObject({ status: "packed", trackingNumber: "JJD0000000001" })
    expect(result.labels).toEqual([])
  })

  it("is voided before its label comes: the label is never asked for nor printed, and the shipment is learnt under its key and cancelled", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const {
          first,
          meanwhile: voided,
          labelled
        } = yield* labelScenario(service, {
          packedWhile: "times-out",
          meanwhile: (first) =>
            Effect.gen(function* () {
              yield* cancelSo100001(1, 2)
              yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
              return yield* pack.voidParcel({ parcelId: first.parcelId, reason: "cancelled", at: at(11_000) })
            })
        })
        const cancelling = yield* (yield* CarrierCancellations).list
        return {
          first,
          voided,
          labelled,
          cancelling,
          cancelled: yield* cancelAtCarrier,
          pending: yield* (yield* PendingLabels).list,
          unlabelled: yield* eventsOf("parcel.voided-before-label"),
          labelledVoids: yield* eventsOf("parcel.voided"),
          shipmentCancelled: yield* eventsOf("parcel.shipment-cancelled"),
          labels: yield* labelTexts,
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    expect(result.voided).toMatchObject({ parcelId: result.first.parcelId, status: "voided", trackingNumber: null })
    expect(result.labelled).toEqual([0])
    expect(result.pending).toEqual([])
    // Its number unknown, the shipment is named by the request made under its key.
    expect(result.cancelling).toMatchObject([
      { parcelId: result.first.parcelId, orderId: "SO-100001", trackingNumber: null, reason: "cancelled" }
    ])
    // Asked at packing (the answer lost), and once more, by the cancellation, to learn the shipment's number.
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId, result.first.parcelId])
    expect(result.cancelled).toBe(1)
    expect(service.cancelled).toEqual(["JJD0000000001"])
    expect(result.unlabelled.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: result.first.parcelId,
        carrier: "dhl-paket",
        ssccUrn: "urn:epc:id:sscc:4260123.3000000001",
        reason: "cancelled"
      }
    ])
    expect(result.labelledVoids).toEqual([])
    expect(result.shipmentCancelled.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: result.first.parcelId,
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        answer: "cancelled",
        reason: "cancelled"
      }
    ])
    expect(result.labels).toEqual([])
    expect(result.status).toEqual(["cancelled", "cancelled"])
  })
})

describe("a parcel scanned into the open batch before the shop changed its order", () => {
  const changes = [
    {
      change: "corrects its address",
      shopChanges: correctAddress(3, 4),
      hold: "label-address-outdated",
      status: "packed"
    },
    {
      change: "cancels it",
      shopChanges: cancelSo100001(3, 4),
      hold: "order-cancelled-after-packing",
      status: "cancelled"
    },
    {
      change: "changes its items",
      shopChanges: fromShop(3, "order.upsert", fewerMugs(4)),
      hold: "parcel-lines-outdated",
      status: "packed"
    }
  ]
  for (const change of changes)
    it(`is taken back off the batch at closing when the shop ${change.change}`, async () => {
      const result = await run(
        Effect.gen(function* () {
          const handover = yield* Handover
          const parcel = (yield* packSo100001).parcel!
          yield* handover.open({ carrier: "dhl-paket" })
          // The shop sends the address the order already had, then a version that changes nothing the parcel carries:
          // it may leave.
          yield* correctAddress(1, 2, order100001ShipTo)
          yield* fromShop(2, "order.upsert", editedSo100001(3))
          const scanned = yield* handover.scan({ raw: parcel.trackingNumber!, at: at(10_000) })
          yield* change.shopChanges
          const closing = yield* handover.close({ at: at(12_000) })
          const again = yield* handover.close({ at: at(13_000) })
          return {
            parcel,
            scanned,
            closing,
            again,
            handed: yield* eventsOf("parcel.handed-to-carrier"),
            status: yield* orderStatus("SO-100001")
          }
        })
      )
      expect(result.scanned.refusal).toBeNull()
      expect(result.scanned.batch?.parcels).toHaveLength(1)
      expect(result.closing.refusal).toMatchObject({
        code: change.hold,
        variant: "batch",
        params: { orderId: "SO-100001", parcelId: result.parcel.parcelId }
      })
      expect(result.closing.batch?.parcels).toEqual([])
      expect(result.closing.manifest).toBeNull()
      expect(result.again.refusal?.code).toBe("batch-empty")
      expect(result.handed).toEqual([])
      expect(result.status).toEqual([change.status, change.status])
    })
})

describe("a new version of a packed order", () => {
  it("keeps the parcel at the station when it changes the items, not when it changes nothing the parcel carries", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        const handover = yield* Handover
        const parcel = (yield* packSo100001).parcel!
        yield* fromShop(1, "order.upsert", editedSo100001(2))
        const alertsAfterEdit = [...(yield* RaisedAlerts)]
        const reprinted = yield* pack.reprint({ parcelId: parcel.parcelId })
        yield* fromShop(2, "order.upsert", fewerMugs(3))
        const alerts = [...(yield* RaisedAlerts)]
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: parcel.trackingNumber!, at: at(10_000) })
        const reprint = yield* Effect.flip(pack.reprint({ parcelId: parcel.parcelId }))
        const statusBefore = yield* orderStatus("SO-100001")
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: parcel.parcelId, reason: "items changed", at: at(11_000) })
        const reopened = yield* pack.scan({ raw: orderCode("SO-100001"), at: at(12_000) })
        return { parcel, alertsAfterEdit, reprinted, alerts, atCage, reprint, statusBefore, reopened }
      })
    )
    expect(result.alertsAfterEdit).toEqual([])
    expect(result.reprinted).toHaveLength(1)
    // The parcel is still on the bench: the packer is told at once to keep it there for the manager.
    expect(result.alerts).toEqual(["order-changed-labelled"])
    expect(result.atCage.refusal).toMatchObject({
      code: "parcel-lines-outdated",
      variant: "handover",
      params: { orderId: "SO-100001", parcelId: result.parcel.parcelId }
    })
    expect(result.reprint).toMatchObject({ _tag: "PackError", reason: "parcel-lines-outdated" })
    expect(result.statusBefore).toEqual(["packed", "packed"])
    // Voided, the order is open again, with the shop's new lines.
    expect(result.reopened.refusal).toBeNull()
    expect(result.reopened.lines.map((line) => [line.sku, line.quantity])).toEqual([
      ["ALP-MUG-01", 1],
      ["ALP-SOCK-M", 1]
    ])
  })
})

/** A version of SO-100001 whose lines the shop numbered anew (as Shopware's order edit does), with `lines` as given. */
const renumberedSo100001 = (
  version: number,
  lines: ReadonlyArray<{ readonly lineId: string; readonly sku: string; readonly quantity: number }>
) => ({
  ...order100001,
  version,
  customer: { ...order100001.customer, email: `anna.v${version}@example.de` },
  lines: lines.map((line) => ({
    ...line,
    unitPrice: order100001.lines.find((known) => known.sku === line.sku)!.unitPrice
  }))
})

/** The units SO-100001's parcel holds, by the order line each is counted on, as the returns desk reads them. */
const parcelUnits = (parcelId: string) =>
  Effect.flatMap(Effect.service(Sql), (sql) =>
    sql.query<{ line_id: string; sku: string; quantity: number }>(
      "SELECT line_id, sku, quantity FROM parcel_items WHERE parcel_id = ? ORDER BY line_id, rowid",
      [parcelId]
    )
  )

/** SO-100001 with a GPS tracker (serialised) on line "3" besides its mugs and socks, as the shop's version 2. */
const so100001WithTracker = {
  ...order100001,
  version: 2,
  lines: [...order100001.lines, { lineId: "3", sku: "ALP-GPS-X1", quantity: 1, unitPrice: 89 }]
}

/**
 * SO-100001 with its tracker is packed as `so100001WithTracker` says: both mugs (or, `shortShipMug`, one, the other
 * short-shipped by a manager), the socks and tracker GPS-0001.
 */
const packSo100001WithTracker = (shortShipMug: boolean) =>
  Effect.gen(function* () {
    yield* fromShop(1, "order.upsert", so100001WithTracker)
    const pack = yield* PackService
    yield* (yield* Session).signIn("B-1001")
    yield* pack.scan({ raw: orderCode("SO-100001"), at: at(1000) })
    yield* pack.scan({ raw: "4260123450014", at: at(2000) })
    if (shortShipMug) {
      yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
      yield* pack.shortShip({ lineId: "1", reason: "second mug broken", at: at(3000) })
    } else {
      yield* pack.scan({ raw: "MUG1", at: at(3000) })
    }
    yield* pack.scan({ raw: "4260123450038", at: at(4000) })
    yield* pack.scan({ raw: "010426012345006921GPS-0001", at: at(4500) })
    const box = yield* pack.chooseBox({ boxId: "S", at: at(5000) })
    const weighed = yield* pack.weight({ grams: box.expectedWeightGrams, source: "scale", at: at(6000) })
    expect(weighed.refusal).toBeNull()
    return yield* pack.complete({ at: at(7000) })
  })

/** The shop numbers the lines of SO-100001 with its tracker anew as version 3: one mug on each of two lines. */
const renumberWithTracker = fromShop(2, "order.upsert", {
  ...so100001WithTracker,
  version: 3,
  lines: [
    { lineId: "m-a", sku: "ALP-MUG-01", quantity: 1 },
    { lineId: "s-b", sku: "ALP-SOCK-M", quantity: 1 },
    { lineId: "m-c", sku: "ALP-MUG-01", quantity: 1 },
    { lineId: "g-d", sku: "ALP-GPS-X1", quantity: 1 }
  ].map((line) => ({
    ...line,
    unitPrice: so100001WithTracker.lines.find((known) => known.sku === line.sku)!.unitPrice
  }))
})

/** The units a parcel holds, with their serials, by the order line each is counted on. */
const parcelSerials = (parcelId: string) =>
  Effect.flatMap(Effect.service(Sql), (sql) =>
    sql.query<{ line_id: string; sku: string; quantity: number; serial: string | null }>(
      "SELECT line_id, sku, quantity, serial FROM parcel_items WHERE parcel_id = ? ORDER BY line_id, rowid",
      [parcelId]
    )
  )

describe("a packed order whose lines the shop numbers anew", () => {
  it("lets the parcel through the carrier cage when the items are the same, and counts its units on the new lines", async () => {
    const result = await run(
      Effect.gen(function* () {
        const handover = yield* Handover
        const parcel = (yield* packSo100001).parcel!
        yield* fromShop(
          1,
          "order.upsert",
          renumberedSo100001(2, [
            { lineId: "sw-9f2c", sku: "ALP-SOCK-M", quantity: 1 },
            { lineId: "sw-71ab", sku: "ALP-MUG-01", quantity: 2 }
          ])
        )
        const alerts = [...(yield* RaisedAlerts)]
        const reprinted = yield* (yield* PackService).reprint({ parcelId: parcel.parcelId })
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: parcel.trackingNumber!, at: at(10_000) })
        const closed = yield* handover.close({ at: at(11_000) })
        return {
          parcel,
          alerts,
          reprinted,
          atCage,
          closed,
          units: yield* parcelUnits(parcel.parcelId),
          renumbered: yield* eventsOf("parcel.lines-renumbered"),
          packed: yield* eventsOf("parcel.packed"),
          handed: yield* eventsOf("parcel.handed-to-carrier"),
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    expect(result.alerts).toEqual([])
    expect(result.reprinted).toHaveLength(1)
    expect(result.atCage.refusal).toBeNull()
    expect(result.closed.refusal).toBeNull()
    expect(result.handed.map((event) => event.payload)).toMatchObject([{ parcelId: result.parcel.parcelId }])
    expect(result.status).toEqual(["shipped", "shipped"])
    expect(result.units).toEqual([
      { line_id: "sw-71ab", sku: "ALP-MUG-01", quantity: 1 },
      { line_id: "sw-71ab", sku: "ALP-MUG-01", quantity: 1 },
      { line_id: "sw-9f2c", sku: "ALP-SOCK-M", quantity: 1 }
    ])
    // The packing stays as it was recorded; the renumbering is a fact of its own, after it.
    expect(result.packed.map((event) => event.payload)).toMatchObject([
      {
        items: [
          { lineId: "1", quantity: 2 },
          { lineId: "2", quantity: 1 }
        ]
      }
    ])
    expect(result.renumbered.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: result.parcel.parcelId,
        orderVersion: 2,
        moves: [
          { fromLineId: "1", toLineId: "sw-71ab", sku: "ALP-MUG-01", quantity: 2 },
          { fromLineId: "2", toLineId: "sw-9f2c", sku: "ALP-SOCK-M", quantity: 1 }
        ],
        items: [
          { lineId: "sw-9f2c", sku: "ALP-SOCK-M", quantity: 1 },
          { lineId: "sw-71ab", sku: "ALP-MUG-01", quantity: 2 }
        ]
      }
    ])
  })

  it("lets the parcel go when the shop splits an item over two lines of the same total, each unit on one of them", async () => {
    const result = await run(
      Effect.gen(function* () {
        const handover = yield* Handover
        const parcel = (yield* packSo100001).parcel!
        yield* fromShop(
          1,
          "order.upsert",
          renumberedSo100001(2, [
            { lineId: "m-a", sku: "ALP-MUG-01", quantity: 1 },
            { lineId: "s-b", sku: "ALP-SOCK-M", quantity: 1 },
            { lineId: "m-c", sku: "ALP-MUG-01", quantity: 1 }
          ])
        )
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: parcel.trackingNumber!, at: at(10_000) })
        return { atCage, units: yield* parcelUnits(parcel.parcelId) }
      })
    )
    expect(result.atCage.refusal).toBeNull()
    expect(result.atCage.batch?.parcels).toHaveLength(1)
    // The first mug packed counts on the first mug line, the second on the other.
    expect(result.units).toEqual([
      { line_id: "m-a", sku: "ALP-MUG-01", quantity: 1 },
      { line_id: "m-c", sku: "ALP-MUG-01", quantity: 1 },
      { line_id: "s-b", sku: "ALP-SOCK-M", quantity: 1 }
    ])
  })

  it("holds the parcel when a renumbering also changes a quantity, after one that did not", async () => {
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        const handover = yield* Handover
        const parcel = (yield* packSo100001).parcel!
        yield* fromShop(
          1,
          "order.upsert",
          renumberedSo100001(2, [
            { lineId: "r2-1", sku: "ALP-MUG-01", quantity: 2 },
            { lineId: "r2-2", sku: "ALP-SOCK-M", quantity: 1 }
          ])
        )
        const reprinted = yield* pack.reprint({ parcelId: parcel.parcelId })
        yield* fromShop(
          2,
          "order.upsert",
          renumberedSo100001(3, [
            { lineId: "r3-1", sku: "ALP-MUG-01", quantity: 3 },
            { lineId: "r3-2", sku: "ALP-SOCK-M", quantity: 1 }
          ])
        )
        const alerts = [...(yield* RaisedAlerts)]
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: parcel.trackingNumber!, at: at(10_000) })
        return {
          parcel,
          reprinted,
          alerts,
          atCage,
          units: yield* parcelUnits(parcel.parcelId),
          renumbered: yield* eventsOf("parcel.lines-renumbered")
        }
      })
    )
    expect(result.reprinted).toHaveLength(1)
    expect(result.alerts).toEqual(["order-changed-labelled"])
    expect(result.atCage.refusal).toMatchObject({
      code: "parcel-lines-outdated",
      variant: "handover",
      params: { orderId: "SO-100001", parcelId: result.parcel.parcelId }
    })
    // Its units stay on the lines of the version they were packed for: a void, not a renumbering, comes next.
    expect(result.units.map((unit) => unit.line_id)).toEqual(["r2-1", "r2-1", "r2-2"])
    expect(result.renumbered.map((event) => (event.payload as { orderVersion: number }).orderVersion)).toEqual([2])
  })
})

describe("a parcel waiting for its label whose order's lines the shop numbers anew", () => {
  it("records parcel.packed on the new lines when its label comes: each unit on its new line, with its serial", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const { first, labelled } = yield* labelScenario(service, {
          packing: packSo100001WithTracker(false),
          shopChanges: renumberWithTracker
        })
        return {
          first,
          labelled,
          units: yield* parcelSerials(first.parcelId),
          packed: yield* eventsOf("parcel.packed"),
          renumbered: yield* eventsOf("parcel.lines-renumbered")
        }
      })
    )
    expect(result.first.status).toBe("label-pending")
    expect(result.labelled).toEqual([1])
    expect(result.units).toEqual([
      { line_id: "g-d", sku: "ALP-GPS-X1", quantity: 1, serial: "GPS-0001" },
      { line_id: "m-a", sku: "ALP-MUG-01", quantity: 1, serial: null },
      { line_id: "m-c", sku: "ALP-MUG-01", quantity: 1, serial: null },
      { line_id: "s-b", sku: "ALP-SOCK-M", quantity: 1, serial: null }
    ])
    // Recorded after the renumbering, from what the parcel holds then: the lines the shop has, as the units say.
    expect(result.packed.map((event) => event.payload)).toMatchObject([
      {
        parcelId: result.first.parcelId,
        items: [
          { lineId: "m-a", sku: "ALP-MUG-01", gtin: "04260123450014", quantity: 1, shortShipped: 0, serials: [] },
          { lineId: "s-b", sku: "ALP-SOCK-M", gtin: "04260123450038", quantity: 1, shortShipped: 0, serials: [] },
          { lineId: "m-c", sku: "ALP-MUG-01", gtin: "04260123450014", quantity: 1, shortShipped: 0, serials: [] },
          {
            lineId: "g-d",
            sku: "ALP-GPS-X1",
            gtin: "04260123450069",
            quantity: 1,
            shortShipped: 0,
            serials: ["GPS-0001"],
            lots: []
          }
        ],
        shortShips: []
      }
    ])
    expect(result.renumbered.map((event) => event.payload)).toMatchObject([
      { parcelId: result.first.parcelId, orderVersion: 3 }
    ])
  })

  it("records its short-shipped unit on the new line that unit counts on, after the units packed", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const { first, labelled } = yield* labelScenario(service, {
          packing: packSo100001WithTracker(true),
          shopChanges: renumberWithTracker
        })
        return {
          first,
          labelled,
          units: yield* parcelSerials(first.parcelId),
          packed: yield* eventsOf("parcel.packed")
        }
      })
    )
    expect(result.labelled).toEqual([1])
    expect(result.units.map((unit) => [unit.line_id, unit.quantity])).toEqual([
      ["g-d", 1],
      ["m-a", 1],
      ["s-b", 1]
    ])
    expect(result.packed.map((event) => event.payload)).toMatchObject([
      {
        items: [
          { lineId: "m-a", sku: "ALP-MUG-01", quantity: 1, shortShipped: 0 },
          { lineId: "s-b", sku: "ALP-SOCK-M", quantity: 1, shortShipped: 0 },
          { lineId: "g-d", sku: "ALP-GPS-X1", quantity: 1, shortShipped: 0, serials: ["GPS-0001"] }
        ],
        shortShips: [{ lineId: "m-c", quantity: 1, reason: "second mug broken" }]
      }
    ])
  })

  it("records parcel.packed on the new lines when the shop renumbers them while the worker's request is on its way", async () => {
    const service = memoryLabelService()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const { first, labelled } = yield* labelScenario(service, {
          packing: packSo100001WithTracker(false),
          meanwhile: () =>
            Effect.sync(() =>
              service.whileSending(
                Effect.asVoid(Effect.orDie(Effect.provideService(renumberWithTracker, Inbox, inbox)))
              )
            )
        })
        service.whileSending(Effect.void)
        return { first, labelled, packed: yield* eventsOf("parcel.packed") }
      })
    )
    expect(result.labelled).toEqual([1])
    expect(
      result.packed.flatMap((event) =>
        (event.payload as { items: ReadonlyArray<{ lineId: string; quantity: number }> }).items.map((item) => [
          item.lineId,
          item.quantity
        ])
      )
    ).toEqual([
      ["m-a", 1],
      ["s-b", 1],
      ["m-c", 1],
      ["g-d", 1]
    ])
  })
})

describe("a labelled parcel of an API carrier, voided: its shipment cancelled at the carrier", () => {
  it("is voided at once while the label service is down, and its shipment cancelled once, when the service is back", async () => {
    const service = memoryLabelService()
    service.up()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const cancellations = yield* CarrierCancellations
        const clock = yield* ManualClock
        const first = (yield* packSo100001).parcel!
        service.down()
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const voided = yield* pack.voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        const whileDown = yield* cancelAtCarrier
        const waiting = yield* cancellations.list
        const counts = yield* cancellations.counts
        service.up()
        // Asked again only once the first delay has passed.
        const early = yield* cancelAtCarrier
        clock.advance(2_000)
        const confirmed = yield* cancelAtCarrier
        clock.advance(120_000)
        return {
          first,
          voided,
          whileDown,
          waiting,
          counts,
          early,
          confirmed,
          again: yield* cancelAtCarrier,
          after: yield* cancellations.counts,
          events: yield* eventsOf("parcel.shipment-cancelled"),
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    expect(result.first).toMatchObject({ status: "packed", trackingNumber: "JJD0000000001" })
    expect(result.voided.status).toBe("voided")
    expect(result.status).toEqual(["open", "open"])
    expect(result.whileDown).toBe(0)
    expect(result.waiting).toEqual([
      {
        parcelId: result.first.parcelId,
        orderId: "SO-100001",
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        reason: "box damaged",
        attempts: 1,
        lastError: "dhl-paket cancellation pending: connection refused",
        refused: null,
        byHand: null,
        nextAttemptAtMs: START_MS + 2_000,
        since: START_MS
      }
    ])
    expect(result.counts).toEqual({ waiting: 1, refused: 0, byHand: 0 })
    expect(result.early).toBe(0)
    expect(result.confirmed).toBe(1)
    expect(result.again).toBe(0)
    expect(result.after).toEqual({ waiting: 0, refused: 0, byHand: 0 })
    expect(service.cancelled).toEqual(["JJD0000000001"])
    expect(result.events.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: result.first.parcelId,
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        answer: "cancelled",
        reason: "box damaged"
      }
    ])
    expect(result.events[0]!.epcis).toBeUndefined()
  })

  it("is done when the carrier has no live shipment under the number: a cancellation whose answer was lost is not sent twice", async () => {
    const service = memoryLabelService()
    service.up()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const clock = yield* ManualClock
        const first = (yield* packSo100001).parcel!
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        service.timesOut()
        const lost = yield* cancelAtCarrier
        service.up()
        clock.advance(2_000)
        return {
          lost,
          confirmed: yield* cancelAtCarrier,
          left: yield* (yield* CarrierCancellations).list,
          events: yield* eventsOf("parcel.shipment-cancelled")
        }
      })
    )
    expect(result.lost).toBe(0)
    expect(result.confirmed).toBe(1)
    expect(result.left).toEqual([])
    expect(service.cancelled).toEqual(["JJD0000000001"])
    expect(result.events.map((event) => event.payload)).toEqual([
      expect.objectContaining({ trackingNumber: "JJD0000000001", answer: "not-found" })
    ])
  })

  it("is counted apart and said once when the carrier refuses to cancel, and ends once it is cancelled by hand", async () => {
    const service = memoryLabelService()
    service.up()
    service.refusesCancellations("shipment JJD0000000001 is already manifested")
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const cancellations = yield* CarrierCancellations
        const clock = yield* ManualClock
        const first = (yield* packSo100001).parcel!
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        const refused = yield* cancelAtCarrier
        const counts = yield* cancellations.counts
        const listed = yield* cancellations.list
        // Asked again at the longest delay, not sooner; the same refusal is not said twice.
        clock.advance(30_000)
        const notYet = yield* cancelAtCarrier
        clock.advance(30_000)
        const again = yield* cancelAtCarrier
        const exceptions = yield* exceptionsWith("shipment-not-cancelled")
        // Someone cancels the shipment in the carrier's portal.
        service.refusesCancellations(undefined)
        service.cancelled.push("JJD0000000001")
        clock.advance(60_000)
        return {
          first,
          refused,
          counts,
          listed,
          notYet,
          again,
          exceptions,
          ended: yield* cancelAtCarrier,
          after: yield* cancellations.counts,
          events: yield* eventsOf("parcel.shipment-cancelled")
        }
      })
    )
    expect(result.refused).toBe(0)
    expect(result.counts).toEqual({ waiting: 0, refused: 1, byHand: 0 })
    expect(result.listed).toMatchObject([
      { refused: "shipment JJD0000000001 is already manifested", nextAttemptAtMs: START_MS + 60_000 }
    ])
    expect(result.notYet).toBe(0)
    expect(result.again).toBe(0)
    expect(result.exceptions).toEqual([
      {
        code: "shipment-not-cancelled",
        reason: `dhl-paket refused to cancel shipment JJD0000000001 (parcel ${result.first.parcelId}): shipment JJD0000000001 is already manifested. The shipment is still live at the carrier: cancel it in the carrier's portal. The station keeps asking, and stops once the carrier has no live shipment under the number`,
        orderId: "SO-100001"
      }
    ])
    expect(result.ended).toBe(1)
    expect(result.after).toEqual({ waiting: 0, refused: 0, byHand: 0 })
    expect(result.events.map((event) => event.payload)).toEqual([
      expect.objectContaining({ trackingNumber: "JJD0000000001", answer: "not-found" })
    ])
  })

  it("records no cancellation for a carrier whose numbers the station issues itself", async () => {
    const result = await run(
      Effect.gen(function* () {
        const first = (yield* packSo100001).parcel!
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        return { left: yield* (yield* CarrierCancellations).list, voided: yield* eventsOf("parcel.voided") }
      })
    )
    expect(result.voided).toHaveLength(1)
    expect(result.left).toEqual([])
  })
})

describe("a labelled parcel of a carrier no longer set up for its web service, voided", () => {
  it("records its shipment's cancellation for a person, counted apart with why, and sends it once the carrier is back on its API", async () => {
    const service = memoryLabelService()
    service.up()
    const file = tempDb()
    const first = await run(
      Effect.map(packSo100001, (view) => view.parcel!),
      file,
      Layer.empty,
      [service.adapter]
    )
    // The station restarts with dhl-paket issuing its numbers from the station's ranges: its API is no longer set up.
    const offline = await run(
      Effect.gen(function* () {
        const session = yield* Session
        const cancellations = yield* CarrierCancellations
        const clock = yield* ManualClock
        yield* session.signIn("B-1001")
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const voided = yield* (yield* PackService).voidParcel({
          parcelId: first.parcelId,
          reason: "box damaged",
          at: at(11_000)
        })
        const sent = yield* cancelAtCarrier
        const listed = yield* cancellations.list
        const counts = yield* cancellations.counts
        // Looked at again at the longest delay: the carrier is still not on its API, and that is not said twice.
        clock.advance(60_000)
        const again = yield* cancelAtCarrier
        return { voided, sent, listed, counts, again, exceptions: yield* exceptionsWith("shipment-not-cancelled") }
      }),
      file
    )
    // The station restarts with dhl-paket's API set up again.
    const back = await run(
      Effect.gen(function* () {
        const cancellations = yield* CarrierCancellations
        const clock = yield* ManualClock
        clock.advance(120_000)
        return {
          sent: yield* cancelAtCarrier,
          counts: yield* cancellations.counts,
          events: yield* eventsOf("parcel.shipment-cancelled")
        }
      }),
      file,
      Layer.empty,
      [service.adapter]
    )
    const why = `dhl-paket is not set up at this station to cancel shipments through its web service (its setup changed since parcel ${first.parcelId} was labelled): the station cannot cancel shipment JJD0000000001, which is still live at the carrier. Cancel it in the carrier's portal. The station looks again, and cancels it itself once the carrier's web service is set up again`
    expect(first).toMatchObject({ status: "packed", trackingNumber: "JJD0000000001" })
    expect(offline.voided.status).toBe("voided")
    expect(offline.sent).toBe(0)
    expect(offline.again).toBe(0)
    expect(offline.listed).toMatchObject([
      { parcelId: first.parcelId, trackingNumber: "JJD0000000001", byHand: why, refused: null }
    ])
    // The header counts it apart: a person must act, the station cannot.
    expect(offline.counts).toEqual({ waiting: 0, refused: 0, byHand: 1 })
    expect(offline.exceptions).toEqual([{ code: "shipment-not-cancelled", reason: why, orderId: "SO-100001" }])
    expect(back.sent).toBe(1)
    expect(back.counts).toEqual({ waiting: 0, refused: 0, byHand: 0 })
    expect(back.events.map((event) => event.payload)).toEqual([
      expect.objectContaining({ parcelId: first.parcelId, trackingNumber: "JJD0000000001", answer: "cancelled" })
    ])
    expect(service.cancelled).toEqual(["JJD0000000001"])
  })

  it("keeps a cancellation that waited for the carrier when the station restarts with the carrier no longer on its API", async () => {
    const service = memoryLabelService()
    service.up()
    const file = tempDb()
    const first = await run(
      Effect.gen(function* () {
        const parcel = (yield* packSo100001).parcel!
        service.down()
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: parcel.parcelId, reason: "box damaged", at: at(11_000) })
        yield* cancelAtCarrier
        return parcel
      }),
      file,
      Layer.empty,
      [service.adapter]
    )
    const offline = await run(
      Effect.gen(function* () {
        const clock = yield* ManualClock
        clock.advance(2_000)
        return {
          sent: yield* cancelAtCarrier,
          listed: yield* (yield* CarrierCancellations).list,
          events: yield* eventsOf("parcel.shipment-cancelled")
        }
      }),
      file
    )
    expect(offline.sent).toBe(0)
    expect(offline.events).toEqual([])
    expect(offline.listed).toMatchObject([
      { parcelId: first.parcelId, trackingNumber: "JJD0000000001", byHand: expect.stringContaining("JJD0000000001") }
    ])
    expect(service.cancelled).toEqual([])
  })

  it("is closed by a manager who cancelled it in the carrier's portal: recorded once, the count drops, and never sent", async () => {
    const service = memoryLabelService()
    service.up()
    const file = tempDb()
    const first = await run(
      Effect.map(packSo100001, (view) => view.parcel!),
      file,
      Layer.empty,
      [service.adapter]
    )
    const offline = await run(
      Effect.gen(function* () {
        const session = yield* Session
        const cancellations = yield* CarrierCancellations
        const handlers = yield* makeByHandCancellationsHandlers
        const close = (parcelId: string, reference: string) =>
          Effect.result(handlers["pack.closeCancellationByHand"]({ parcelId, reference }))
        const codeOf = (result: Effect.Success<ReturnType<typeof close>>) =>
          result._tag === "Failure" ? result.failure.code : "done"
        yield* session.signIn("B-1001")
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        yield* cancelAtCarrier
        const listed = yield* handlers["pack.cancellationsByHand"]({ limit: 10 })
        // A packer may read the list but not close: the station refuses, whatever the screen shows.
        yield* session.signIn("B-1001")
        const byPacker = codeOf(yield* close(first.parcelId, "Storno im Portal"))
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const blank = codeOf(yield* close(first.parcelId, "   "))
        const unknown = codeOf(yield* close("PACK-01-999999", "Storno im Portal"))
        const closing = yield* close(first.parcelId, "  DHL-Portal: Storno 4711  ")
        const closed = closing._tag === "Success" ? closing.success : closing.failure
        const again = codeOf(yield* close(first.parcelId, "noch einmal"))
        return {
          listed,
          byPacker,
          blank,
          unknown,
          closed,
          again,
          counts: yield* cancellations.counts,
          after: yield* handlers["pack.cancellationsByHand"]({ limit: 10 }),
          events: yield* eventsOf("parcel.shipment-cancelled-by-hand")
        }
      }),
      file
    )
    // The list shows the closes of the last 30 days (the default): the close is there to its last millisecond.
    const closesAfter = (ms: number) =>
      run(
        Effect.gen(function* () {
          ;(yield* ManualClock).advance(ms)
          const listed = yield* (yield* makeByHandCancellationsHandlers)["pack.cancellationsByHand"]({ limit: 10 })
          return [listed.closedShownDays, listed.closed.length]
        }),
        file
      )
    expect(await closesAfter(30 * 86_400_000 - 1)).toEqual([30, 1])
    expect(await closesAfter(30 * 86_400_000)).toEqual([30, 0])
    // The carrier's web service is set up again: nothing is left to send for the shipment closed by hand.
    const back = await carrierBackTwoMinutesLater(file, service.adapter)
    expect(offline.listed).toEqual({
      cancellations: [
        {
          parcelId: first.parcelId,
          orderId: "SO-100001",
          carrier: "dhl-paket",
          trackingNumber: "JJD0000000001",
          sinceMs: START_MS,
          reason: "box damaged"
        }
      ],
      more: false,
      closed: [],
      closedShownDays: 30
    })
    expect([offline.byPacker, offline.blank, offline.unknown, offline.again]).toEqual([
      "role-required",
      "reason-required",
      "cancellation-unknown",
      "cancellation-closed"
    ])
    expect(offline.closed).toEqual({ parcelId: first.parcelId, orderId: "SO-100001", closedAtMs: START_MS })
    expect(offline.counts).toEqual({ waiting: 0, refused: 0, byHand: 0 })
    expect(offline.after).toEqual({
      cancellations: [],
      more: false,
      closed: [
        {
          parcelId: first.parcelId,
          orderId: "SO-100001",
          carrier: "dhl-paket",
          trackingNumber: "JJD0000000001",
          closedAtMs: START_MS,
          badgeId: SAMPLE_MANAGER.badgeId,
          portalAnswer: "cancelled",
          reference: "DHL-Portal: Storno 4711",
          note: null
        }
      ],
      closedShownDays: 30
    })
    expect(offline.events).toHaveLength(1)
    expect(offline.events[0]!.payload).toEqual({
      orderId: "SO-100001",
      parcelId: first.parcelId,
      carrier: "dhl-paket",
      trackingNumber: "JJD0000000001",
      portalAnswer: "cancelled",
      reference: "DHL-Portal: Storno 4711",
      reason: "box damaged"
    })
    expect(offline.events[0]!.actor).toMatchObject({ role: "manager", badgeId: SAMPLE_MANAGER.badgeId })
    expect(back).toEqual({ sent: 0, counts: { waiting: 0, refused: 0, byHand: 0 } })
    expect(service.cancelled).toEqual([])
  })

  it("is closed as no shipment found at the carrier with a note instead of a reference, recorded so in the event", async () => {
    const service = memoryLabelService()
    service.up()
    const file = tempDb()
    const first = await run(
      Effect.map(packSo100001, (view) => view.parcel!),
      file,
      Layer.empty,
      [service.adapter]
    )
    const offline = await run(
      Effect.gen(function* () {
        const session = yield* Session
        const sql = yield* Sql
        const handlers = yield* makeByHandCancellationsHandlers
        const close = (input: Omit<Parameters<(typeof handlers)["pack.closeCancellationByHand"]>[0], "parcelId">) =>
          Effect.result(handlers["pack.closeCancellationByHand"]({ parcelId: first.parcelId, ...input }))
        const codeOf = <A>(result: Result.Result<A, { readonly code: string }>) =>
          result._tag === "Failure" ? result.failure.code : "done"
        yield* session.signIn("B-1001")
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        yield* cancelAtCarrier
        const refused = [
          codeOf(yield* close({ portalAnswer: "no-shipment" })),
          codeOf(yield* close({ portalAnswer: "no-shipment", note: "   " })),
          codeOf(yield* close({ portalAnswer: "no-shipment", reference: "Storno 4711", note: "none there" })),
          codeOf(yield* close({ portalAnswer: "cancelled", reference: "Storno 4711", note: "none there" })),
          codeOf(yield* close({ portalAnswer: "cancelled" }))
        ]
        const closed = codeOf(
          yield* close({
            portalAnswer: "no-shipment",
            note: "  Portal: no shipment under JJD0000000001, searched by parcel too "
          })
        )
        return {
          refused,
          closed,
          listed: yield* handlers["pack.cancellationsByHand"]({ limit: 10 }),
          closes: yield* sql.query("SELECT portal_answer, reference, note FROM shipments_cancelled_by_hand"),
          events: yield* eventsOf("parcel.shipment-cancelled-by-hand")
        }
      }),
      file
    )
    const note = "Portal: no shipment under JJD0000000001, searched by parcel too"
    expect(offline.refused).toEqual([
      "note-required",
      "note-required",
      "close-answer-mismatch",
      "close-answer-mismatch",
      "reason-required"
    ])
    expect(offline.closed).toBe("done")
    expect(offline.listed.cancellations).toEqual([])
    expect(offline.listed.closed).toMatchObject([
      { parcelId: first.parcelId, portalAnswer: "no-shipment", reference: null, note }
    ])
    expect(offline.closes).toEqual([{ portal_answer: "no-shipment", reference: null, note }])
    expect(offline.events.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: first.parcelId,
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        portalAnswer: "no-shipment",
        note,
        reason: "box damaged"
      }
    ])
  })

  it("is reopened by a manager after a close entered by mistake: a record and an event of its own, never an edit; listed again, closed again, and sent once the carrier is back", async () => {
    const service = memoryLabelService()
    service.up()
    const file = tempDb()
    const first = await run(
      Effect.map(packSo100001, (view) => view.parcel!),
      file,
      Layer.empty,
      [service.adapter]
    )
    const offline = await run(
      Effect.gen(function* () {
        const session = yield* Session
        const sql = yield* Sql
        const clock = yield* ManualClock
        const handlers = yield* makeByHandCancellationsHandlers
        const codeOf = <A>(result: Result.Result<A, { readonly code: string }>) =>
          result._tag === "Failure" ? result.failure.code : "done"
        const reopen = (parcelId: string, reason: string) =>
          Effect.result(handlers["pack.reopenCancellationByHand"]({ parcelId, reason }))
        yield* session.signIn("B-1001")
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(11_000) })
        yield* cancelAtCarrier
        const notClosed = codeOf(yield* reopen(first.parcelId, "closed the wrong parcel"))
        clock.advance(1_000)
        yield* handlers["pack.closeCancellationByHand"]({ parcelId: first.parcelId, reference: "Storno 4711" })
        const closedList = yield* handlers["pack.cancellationsByHand"]({ limit: 10 })
        // A packer may not reopen, nor a manager without saying why, nor anyone a parcel never closed.
        yield* session.signIn("B-1001")
        const byPacker = codeOf(yield* reopen(first.parcelId, "closed the wrong parcel"))
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const blank = codeOf(yield* reopen(first.parcelId, "  "))
        const unknown = codeOf(yield* reopen("PACK-01-999999", "closed the wrong parcel"))
        clock.advance(1_000)
        const reopening = yield* reopen(first.parcelId, "  closed the wrong parcel: 4711 is another shipment ")
        const reopened = reopening._tag === "Success" ? reopening.success : reopening.failure
        const again = codeOf(yield* reopen(first.parcelId, "once more"))
        const listed = yield* handlers["pack.cancellationsByHand"]({ limit: 10 })
        const counts = yield* (yield* CarrierCancellations).counts
        // Closed again (the right shipment this time), then reopened again: each close and reopen a row of its own.
        clock.advance(1_000)
        const closedAgain = codeOf(
          yield* Effect.result(
            handlers["pack.closeCancellationByHand"]({ parcelId: first.parcelId, reference: "Storno 4712" })
          )
        )
        clock.advance(1_000)
        const reopenedAgain = codeOf(yield* reopen(first.parcelId, "4712 was not confirmed by the portal"))
        return {
          notClosed,
          closedList,
          byPacker,
          blank,
          unknown,
          reopened,
          again,
          listed,
          counts,
          closedAgain,
          reopenedAgain,
          closes: yield* sql.query(
            "SELECT close_no, reference, closed_at_ms FROM shipments_cancelled_by_hand ORDER BY close_no"
          ),
          reopens: yield* sql.query(
            "SELECT close_no, reason, badge_id, reopened_at_ms FROM shipments_by_hand_reopened ORDER BY close_no"
          ),
          closeEvents: yield* eventsOf("parcel.shipment-cancelled-by-hand"),
          reopenEvents: yield* eventsOf("parcel.shipment-by-hand-reopened")
        }
      }),
      file
    )
    // The carrier's web service is set up again: the reopened cancellation is the station's to send, and it does.
    const back = await carrierBackTwoMinutesLater(file, service.adapter)
    const closedAtMs = START_MS + 1_000
    expect(offline.notClosed).toBe("cancellation-not-closed")
    expect(offline.closedList).toEqual({
      cancellations: [],
      more: false,
      closed: [
        {
          parcelId: first.parcelId,
          orderId: "SO-100001",
          carrier: "dhl-paket",
          trackingNumber: "JJD0000000001",
          closedAtMs,
          badgeId: SAMPLE_MANAGER.badgeId,
          portalAnswer: "cancelled",
          reference: "Storno 4711",
          note: null
        }
      ],
      closedShownDays: 30
    })
    expect([offline.byPacker, offline.blank, offline.unknown, offline.again]).toEqual([
      "role-required",
      "reason-required",
      "cancellation-not-closed",
      "cancellation-open"
    ])
    expect(offline.reopened).toEqual({ parcelId: first.parcelId, orderId: "SO-100001", reopenedAtMs: START_MS + 2_000 })
    // Listed again as it was before the close: since the void, why it was cancelled, counted in the header.
    expect(offline.listed).toEqual({
      cancellations: [
        {
          parcelId: first.parcelId,
          orderId: "SO-100001",
          carrier: "dhl-paket",
          trackingNumber: "JJD0000000001",
          sinceMs: START_MS,
          reason: "box damaged"
        }
      ],
      more: false,
      closed: [],
      closedShownDays: 30
    })
    expect(offline.counts).toEqual({ waiting: 0, refused: 0, byHand: 1 })
    expect([offline.closedAgain, offline.reopenedAgain]).toEqual(["done", "done"])
    expect(offline.closes).toEqual([
      { close_no: 1, reference: "Storno 4711", closed_at_ms: closedAtMs },
      { close_no: 2, reference: "Storno 4712", closed_at_ms: START_MS + 3_000 }
    ])
    expect(offline.reopens).toEqual([
      {
        close_no: 1,
        reason: "closed the wrong parcel: 4711 is another shipment",
        badge_id: SAMPLE_MANAGER.badgeId,
        reopened_at_ms: START_MS + 2_000
      },
      {
        close_no: 2,
        reason: "4712 was not confirmed by the portal",
        badge_id: SAMPLE_MANAGER.badgeId,
        reopened_at_ms: START_MS + 4_000
      }
    ])
    expect(offline.closeEvents).toHaveLength(2)
    expect(offline.reopenEvents.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: first.parcelId,
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        closedAtMs,
        reason: "closed the wrong parcel: 4711 is another shipment"
      },
      {
        orderId: "SO-100001",
        parcelId: first.parcelId,
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        closedAtMs: START_MS + 3_000,
        reason: "4712 was not confirmed by the portal"
      }
    ])
    expect(offline.reopenEvents[0]!.actor).toMatchObject({ role: "manager", badgeId: SAMPLE_MANAGER.badgeId })
    expect(back).toEqual({ sent: 1, counts: { waiting: 0, refused: 0, byHand: 0 } })
    expect(service.cancelled).toEqual(["JJD0000000001"])
  })

  it("is not closed by hand while the station sends the cancellation itself", async () => {
    const service = memoryLabelService()
    service.up()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const parcel = (yield* packSo100001).parcel!
        service.down()
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: parcel.parcelId, reason: "box damaged", at: at(11_000) })
        yield* cancelAtCarrier
        const handlers = yield* makeByHandCancellationsHandlers
        const closed = yield* Effect.result(
          handlers["pack.closeCancellationByHand"]({ parcelId: parcel.parcelId, reference: "Storno 4711" })
        )
        return {
          closed: closed._tag === "Failure" ? closed.failure.code : "done",
          counts: yield* (yield* CarrierCancellations).counts
        }
      })
    )
    expect(result).toEqual({ closed: "cancellation-not-by-hand", counts: { waiting: 1, refused: 0, byHand: 0 } })
  })
})

describe("a parcel waiting for its label whose carrier is no longer set up for its web service", () => {
  it("is held, not labelled from the station's own numbers, while a request for its label may have reached the carrier; voided, its shipment is cancelled by hand or once the API is back", async () => {
    const service = memoryLabelService()
    const file = tempDb()
    // The service takes the request in, makes the shipment, and its answer is lost: a shipment may exist.
    service.timesOut()
    const first = await run(
      Effect.map(packSo100001, (view) => view.parcel!),
      file,
      Layer.empty,
      [service.adapter]
    )
    // The station restarts with dhl-paket issuing its numbers from the station's ranges.
    const offline = await run(
      Effect.gen(function* () {
        const pending = yield* PendingLabels
        const clock = yield* ManualClock
        const labelled = yield* pending.retryDue
        const listed = yield* pending.list
        const counts = yield* pending.counts
        const held = yield* listHeldParcels(10, (carrier) => carrier !== "dhl-paket")
        // Looked at again at the longest delay: still held, and not said twice.
        clock.advance(60_000)
        const again = yield* pending.retryDue
        const exceptions = yield* exceptionsWith("label-pending")
        const labels = yield* labelTexts
        // At the carrier cage the packer hears why the parcel has no label, not that it is on its way.
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const handover = yield* Handover
        yield* handover.open({ carrier: "dhl-paket" })
        const atCage = yield* handover.scan({ raw: first.parcelCode, at: at(65_000) })
        const voided = yield* (yield* PackService).voidParcel({
          parcelId: first.parcelId,
          reason: "customer waited too long",
          at: at(70_000)
        })
        yield* cancelAtCarrier
        return {
          labelled,
          again,
          listed,
          counts,
          held,
          exceptions,
          labels,
          atCage,
          voided,
          cancellations: yield* (yield* CarrierCancellations).list,
          cancellationCounts: yield* (yield* CarrierCancellations).counts
        }
      }),
      file
    )
    // The carrier's web service is set up again: the station learns the shipment's number under its key, cancels it.
    service.up()
    const back = await run(
      Effect.gen(function* () {
        ;(yield* ManualClock).advance(120_000)
        return { sent: yield* cancelAtCarrier, events: yield* eventsOf("parcel.shipment-cancelled") }
      }),
      file,
      Layer.empty,
      [service.adapter]
    )
    const why = `dhl-paket is no longer set up at this station for the web service the label of parcel ${first.parcelId} (order SO-100001) was asked from, and that request may have reached it: a shipment may exist there. The parcel is not labelled from the station's own numbers: keep it at the station until the carrier's web service is set up again, or have a manager void it`
    expect(first.status).toBe("label-pending")
    expect([offline.labelled, offline.again]).toEqual([0, 0])
    expect(offline.labels).toEqual([])
    expect(offline.listed).toMatchObject([{ parcelId: first.parcelId, mayHaveReachedCarrier: true, lastError: why }])
    expect(offline.counts).toEqual({ asking: 0, withheld: 0, refused: 0, unprintable: 0, apiGone: 1 })
    expect(offline.held.parcels).toMatchObject([{ parcelId: first.parcelId, reason: "label-api-gone" }])
    expect(offline.exceptions).toEqual([{ code: "label-pending", reason: why, orderId: "SO-100001" }])
    expect(offline.atCage.refusal).toMatchObject({ code: "label-pending", variant: "apiGone" })
    expect(offline.atCage.refusal?.reason).toBe(why)
    expect(offline.voided).toMatchObject({ status: "voided", trackingNumber: null })
    expect(offline.cancellations).toMatchObject([
      { parcelId: first.parcelId, trackingNumber: null, byHand: expect.stringContaining("Look it up") }
    ])
    expect(offline.cancellationCounts).toEqual({ waiting: 0, refused: 0, byHand: 1 })
    expect(back.sent).toBe(1)
    expect(back.events.map((event) => event.payload)).toEqual([
      expect.objectContaining({ parcelId: first.parcelId, trackingNumber: "JJD0000000001", answer: "cancelled" })
    ])
    expect(service.cancelled).toEqual(["JJD0000000001"])
  })

  it("gets its label from the carrier's setup now when no request for it can have reached the carrier", async () => {
    const service = memoryLabelService()
    const file = tempDb()
    // The service refuses connections at packing: the request never left the station.
    const first = await run(
      Effect.map(packSo100001, (view) => view.parcel!),
      file,
      Layer.empty,
      [service.adapter]
    )
    const offline = await run(
      Effect.gen(function* () {
        const labelled = yield* (yield* PendingLabels).retryDue
        const parcel = yield* (yield* PackService).parcel(first.parcelId)
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* (yield* PackService).voidParcel({ parcelId: first.parcelId, reason: "box damaged", at: at(70_000) })
        return {
          labelled,
          parcel,
          labels: (yield* labelTexts).map((label) => label.purpose),
          cancellations: yield* (yield* CarrierCancellations).list
        }
      }),
      file
    )
    expect(offline.labelled).toBe(1)
    expect(offline.parcel).toMatchObject({ status: "packed", trackingNumber: expect.stringMatching(/^\d{20}$/) })
    expect(offline.labels).toEqual([`label ${first.parcelId}`])
    // A label from the station's own numbers made no shipment at a carrier: voiding it has nothing to cancel.
    expect(offline.cancellations).toEqual([])
    expect(service.requests).toEqual([])
  })
})

describe("a parcel waiting for its label that the carrier refuses", () => {
  it("is not asked for again, says why, and is voided as one no request for which made a shipment", async () => {
    const service = memoryLabelService()
    service.refusesLabels("postal code 10115 does not exist")
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const pending = yield* PendingLabels
        // The request at packing reaches the carrier, which refuses it, but its answer is lost.
        const { first, labelled, listed, counts, atCage } = yield* labelScenario(service, {
          packedWhile: "times-out",
          passes: [0, 120_000],
          cage: true
        })
        const bench = (yield* pack.state).parcel
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const voided = yield* pack.voidParcel({ parcelId: first.parcelId, reason: "label refused", at: at(11_000) })
        return {
          first,
          bench,
          labelled,
          listed,
          counts,
          atCage,
          voided,
          exceptions: yield* exceptionsWith("label-refused"),
          unlabelled: yield* eventsOf("parcel.voided-before-label"),
          after: yield* pending.counts,
          cancellations: yield* (yield* CarrierCancellations).list,
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    expect(result.first.status).toBe("label-pending")
    expect(result.listed).toMatchObject([
      {
        parcelId: result.first.parcelId,
        attempts: 2,
        refused: "postal code 10115 does not exist",
        lastError: "postal code 10115 does not exist",
        mayHaveReachedCarrier: false
      }
    ])
    expect(result.counts).toEqual({ asking: 0, withheld: 0, refused: 1, unprintable: 0, apiGone: 0 })
    // Asked at packing and once after: a refused label is not asked for again.
    expect(result.labelled).toEqual([0, 0])
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId, result.first.parcelId])
    expect(result.exceptions).toEqual([
      {
        code: "label-refused",
        reason: `dhl-paket refused the label of parcel ${result.first.parcelId} (order SO-100001): postal code 10115 does not exist. No shipment was made, and the label is not asked for again: a manager voids the parcel, then pack the order again once the cause is put right`,
        orderId: "SO-100001"
      },
      // The cage: not "keep it until its label prints", which it never will.
      expect.objectContaining({ code: "label-refused", reason: result.atCage?.refusal?.reason, orderId: "SO-100001" })
    ])
    expect(result.atCage?.refusal).toMatchObject({
      code: "label-refused",
      variant: "handover",
      params: { parcelId: result.first.parcelId, carrier: "dhl-paket" }
    })
    // The packer sees why on the bench, not "the label prints by itself".
    expect(result.bench?.labelRefusal).toMatchObject({
      code: "label-refused",
      variant: "pending",
      reason: result.exceptions[0]?.reason
    })
    expect(result.voided).toMatchObject({ status: "voided", trackingNumber: null })
    expect(result.unlabelled.map((event) => event.payload)).toEqual([
      expect.objectContaining({ parcelId: result.first.parcelId, reason: "label refused" })
    ])
    expect(result.after).toEqual({ asking: 0, withheld: 0, refused: 0, unprintable: 0, apiGone: 0 })
    expect(result.cancellations).toEqual([])
    expect(result.status).toEqual(["open", "open"])
  })
})

describe("a parcel waiting for its label that the carrier answers with a label the station cannot print", () => {
  it("is not asked for again, says why, and is voided: the shipment the carrier made is cancelled there", async () => {
    const service = memoryLabelService()
    // A routing code no label printer takes: the carrier made the shipment, its label cannot be encoded.
    service.routesBy("10115 <Berlin>")
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const { first, labelled, listed, counts, atCage } = yield* labelScenario(service, {
          passes: [0, 120_000],
          cage: true
        })
        const bench = (yield* pack.state).parcel
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        const voided = yield* pack.voidParcel({ parcelId: first.parcelId, reason: "label unprintable", at: at(11_000) })
        const cancelling = yield* (yield* CarrierCancellations).list
        return {
          first,
          labelled,
          listed,
          counts,
          atCage,
          bench,
          voided,
          cancelling,
          cancelled: yield* cancelAtCarrier,
          exceptions: yield* exceptionsWith("label-unprintable"),
          unlabelled: yield* eventsOf("parcel.voided-before-label"),
          shipmentCancelled: yield* eventsOf("parcel.shipment-cancelled"),
          after: yield* (yield* PendingLabels).counts,
          labels: yield* labelTexts,
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    const why = `routingCode "10115 <Berlin>" must be 1 to 16 letters, digits, spaces, dots, dashes or slashes`
    // Asked once the service was back, and not again: the same label would come, and fail the same way.
    expect(result.labelled).toEqual([0, 0])
    expect(service.requests.map((request) => request.parcelId)).toEqual([result.first.parcelId])
    expect(result.listed).toMatchObject([
      {
        parcelId: result.first.parcelId,
        attempts: 2,
        unprintable: `The label of shipment JJD0000000001 cannot be printed: ${why}`,
        mayHaveReachedCarrier: true
      }
    ])
    expect(result.listed[0]).not.toHaveProperty("refused")
    // The header counts it apart from the labels the carrier refused, which made no shipment.
    expect(result.counts).toEqual({ asking: 0, withheld: 0, refused: 0, unprintable: 1, apiGone: 0 })
    expect(result.exceptions).toEqual([
      {
        code: "label-unprintable",
        reason: `dhl-paket made shipment JJD0000000001 for parcel ${result.first.parcelId} (order SO-100001), but its label cannot be printed: ${why}. The label is not asked for again: a manager voids the parcel, which cancels the shipment at the carrier, then pack the order again once the cause is put right`,
        orderId: "SO-100001"
      },
      // The cage: not "keep it until its label prints", which it never will.
      expect.objectContaining({ code: "label-unprintable", reason: result.atCage?.refusal?.reason })
    ])
    expect(result.atCage?.refusal).toMatchObject({
      code: "label-unprintable",
      variant: "handover",
      params: { parcelId: result.first.parcelId, carrier: "dhl-paket" }
    })
    // The packer sees why on the bench too, not "the label prints by itself".
    expect(result.bench).toMatchObject({ status: "label-pending" })
    expect(result.bench?.labelRefusal).toMatchObject({
      code: "label-unprintable",
      variant: "pending",
      params: { trackingNumber: "JJD0000000001", message: why }
    })
    expect(result.voided).toMatchObject({ status: "voided", trackingNumber: null })
    expect(result.unlabelled.map((event) => event.payload)).toEqual([
      expect.objectContaining({ parcelId: result.first.parcelId, reason: "label unprintable" })
    ])
    expect(result.after).toEqual({ asking: 0, withheld: 0, refused: 0, unprintable: 0, apiGone: 0 })
    // The void recorded the shipment's cancellation; the worker sent it.
    expect(result.cancelling).toMatchObject([
      { parcelId: result.first.parcelId, trackingNumber: "JJD0000000001", reason: "label unprintable" }
    ])
    expect(result.cancelled).toBe(1)
    expect(service.cancelled).toEqual(["JJD0000000001"])
    expect(result.shipmentCancelled.map((event) => event.payload)).toEqual([
      expect.objectContaining({ parcelId: result.first.parcelId, trackingNumber: "JJD0000000001", answer: "cancelled" })
    ])
    expect(result.labels).toEqual([])
    expect(result.status).toEqual(["open", "open"])
  })
})

/** Scans SO-100010 (two cup sets), boxes it in M, weighs and completes it as a packer would. */
const packSo100010 = Effect.gen(function* () {
  const pack = yield* PackService
  yield* (yield* Session).signIn("B-1001")
  yield* pack.scan({ raw: orderCode("SO-100010"), at: at(20_000) })
  yield* pack.scan({ raw: "4260123450090", at: at(21_000) })
  yield* pack.quantity({ quantity: 2, at: at(22_000) })
  yield* pack.chooseBox({ boxId: "M", at: at(23_000) })
  yield* pack.weight({ grams: (yield* pack.state).expectedWeightGrams, source: "typed", at: at(24_000) })
  return yield* pack.complete({ at: at(25_000) })
})

/** The parcel's commit fails at its last write, after the carrier's label came: everything it wrote rolls back. */
const failParcelCommits = Effect.flatMap(Effect.service(Sql), (sql) =>
  sql.execute(
    "CREATE TEMP TRIGGER crash BEFORE INSERT ON events WHEN NEW.type = 'parcel.packed' BEGIN SELECT RAISE(ABORT, 'power cut'); END"
  )
)
const letParcelsCommit = Effect.flatMap(Effect.service(Sql), (sql) => sql.execute("DROP TRIGGER crash"))

describe("a parcel id handed to an API carrier", () => {
  it("is never handed out again after its packing rolled back: the next parcel's label is its own, and the one that came is cancelled", async () => {
    const service = memoryLabelService()
    service.up()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* failParcelCommits
        const crashed = yield* Effect.exit(packSo100001)
        yield* letParcelsCommit
        yield* pack.abandon
        const other = (yield* packSo100010).parcel!
        return {
          crashed,
          other,
          labels: yield* labelTexts,
          cancelled: yield* cancelAtCarrier,
          left: yield* (yield* CarrierCancellations).list,
          events: yield* eventsOf("parcel.shipment-cancelled")
        }
      })
    )
    expect(Exit.isFailure(result.crashed)).toBe(true)
    expect(result.other).toMatchObject({
      parcelId: "PACK-01-000002",
      status: "packed",
      trackingNumber: "JJD0000000002"
    })
    // The label on SO-100010's parcel is its own: its tracking number, its address.
    expect(result.labels.map((label) => label.purpose)).toEqual(["label PACK-01-000002"])
    expect(result.labels[0]!.text).toContain("JJD0000000002")
    expect(result.labels[0]!.text).toContain("20095")
    expect(result.labels[0]!.text).not.toContain("JJD0000000001")
    // SO-100001's shipment, made for a packing that never committed, is learnt under its key and cancelled.
    expect(service.requests.map((request) => [request.parcelId, request.orderId])).toEqual([
      ["PACK-01-000001", "SO-100001"],
      ["PACK-01-000002", "SO-100010"],
      ["PACK-01-000001", "SO-100001"]
    ])
    expect(result.cancelled).toBe(1)
    expect(service.cancelled).toEqual(["JJD0000000001"])
    expect(result.left).toEqual([])
    expect(result.events.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: "PACK-01-000001",
        carrier: "dhl-paket",
        trackingNumber: "JJD0000000001",
        answer: "cancelled",
        reason: "the packing of order SO-100001 was not completed"
      }
    ])
  })

  it("is asked again when the same packing is completed again after a restart: the carrier's one shipment is the parcel's", async () => {
    const service = memoryLabelService()
    service.up()
    const file = tempDb()
    const crashed = await run(
      Effect.gen(function* () {
        yield* failParcelCommits
        return yield* Effect.exit(packSo100001)
      }),
      file,
      Layer.empty,
      [service.adapter]
    )
    // The station restarts (the failing trigger was its connection's): the packer completes the parcel it packed.
    const result = await run(
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* (yield* Session).signIn("B-1001")
        const restored = (yield* pack.state).step
        const completed = (yield* pack.complete({ at: at(30_000) })).parcel!
        return {
          restored,
          completed,
          cancelled: yield* cancelAtCarrier,
          left: yield* (yield* CarrierCancellations).list,
          labels: yield* labelTexts
        }
      }),
      file,
      Layer.empty,
      [service.adapter]
    )
    expect(Exit.isFailure(crashed)).toBe(true)
    expect(result.restored).toBe("parcel")
    expect(result.completed).toMatchObject({
      parcelId: "PACK-01-000001",
      status: "packed",
      trackingNumber: "JJD0000000001"
    })
    expect(service.requests.map((request) => request.parcelId)).toEqual(["PACK-01-000001", "PACK-01-000001"])
    expect(result.cancelled).toBe(0)
    expect(result.left).toEqual([])
    expect(service.cancelled).toEqual([])
    expect(result.labels.map((label) => label.purpose)).toEqual(["label PACK-01-000001"])
  })

  it("is not asked for again once the parcel changed (weighed anew): the new request gets an id of its own", async () => {
    const service = memoryLabelService()
    service.up()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        yield* failParcelCommits
        const crashed = yield* Effect.exit(packSo100001)
        yield* letParcelsCommit
        yield* pack.weight({ grams: 880, source: "scale", at: at(8_000) })
        const second = (yield* pack.complete({ at: at(9_000) })).parcel!
        return { crashed, second, cancelled: yield* cancelAtCarrier }
      })
    )
    expect(Exit.isFailure(result.crashed)).toBe(true)
    expect(result.second).toMatchObject({ parcelId: "PACK-01-000002", trackingNumber: "JJD0000000002" })
    expect(service.requests.map((request) => [request.parcelId, request.weightGrams])).toEqual([
      ["PACK-01-000001", 872],
      ["PACK-01-000002", 880],
      ["PACK-01-000001", 872]
    ])
    expect(result.cancelled).toBe(1)
    expect(service.cancelled).toEqual(["JJD0000000001"])
  })

  it("is withdrawn when the shop cancels the order while its label is asked for, and the shipment cancelled", async () => {
    const service = memoryLabelService()
    service.up()
    const result = await runOnline(
      service,
      Effect.gen(function* () {
        const inbox = yield* Inbox
        service.whileSending(
          Effect.asVoid(inbox.receive(inboxMessage(1, "order.cancel", { orderId: "SO-100001", version: 2 })))
        )
        const completed = yield* packSo100001
        service.whileSending(Effect.void)
        return {
          completed,
          parcels: yield* (yield* Sql).query("SELECT parcel_id FROM parcels"),
          cancelled: yield* cancelAtCarrier,
          status: yield* orderStatus("SO-100001")
        }
      })
    )
    expect(result.completed.refusal).toMatchObject({ code: "order-already-packed", variant: "changed" })
    expect(result.parcels).toEqual([])
    expect(result.status).toEqual(["cancelled", "cancelled"])
    expect(result.cancelled).toBe(1)
    expect(service.cancelled).toEqual(["JJD0000000001"])
  })
})
