import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { encodeEscPosInsert } from "../../drivers/printer/EscPosInsertEncoder.ts"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { inboxMessage } from "../../fixtures/inboxMessage.ts"
import { fixture, seededStation } from "../../fixtures/SeededStation.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { StationApi } from "../api/StationApi.ts"
import { apiCarrierAdapter, type CarrierApi, CarrierUnreachable } from "../carrier/ApiCarrier.ts"
import { CarrierError, type CarrierLabel } from "../carrier/CarrierAdapter.ts"
import { defaultCarrierProfiles } from "../carrier/CarrierProfile.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { exampleBrand } from "../insert/exampleBrand.ts"
import type { Order } from "../orders/Order.ts"
import { registerOrderInbound } from "../orders/OrderInbound.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import { Session } from "../session/Session.ts"
import { StationSettings } from "../station/StationSettings.ts"
import { Broker } from "../sync/Broker.ts"
import { Inbox } from "../sync/Inbox.ts"
import { makeMemoryBus } from "../sync/MemoryBroker.ts"
import { StationClock } from "../time/Clock.ts"
import { benchOrderProbe } from "./benchOrderProbe.ts"
import { CarrierCancellations } from "./CarrierCancellations.ts"
import { Handover } from "./Handover.ts"
import { listHeldParcels } from "./HeldParcels.ts"
import { PackService } from "./PackService.ts"
import { PendingLabels } from "./PendingLabels.ts"

const START_MS = 1_795_000_000_000
const MUG = "4260123450014"
const orderCode = (orderId: string) => {
  const encoded = encodePackbenchCode("order", orderId)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code
}
const at = (offsetMs: number) => ({ wallMs: START_MS + offsetMs, monoNs: String(offsetMs * 1_000_000) })

/** How dhl-paket's label service answers an order's label request; it makes a label unless told otherwise. */
type Answer = "label" | "connection-refused" | "no-answer" | { readonly refuses: string }

/** dhl-paket's label web service, answering each order's requests as `answers` says at the time they are made. */
const labelService = () => {
  const answers = new Map<string, Answer>()
  let issued = 0
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
        const answer = answers.get(request.orderId) ?? "label"
        if (answer === "connection-refused") return Effect.fail(unreachable(false))
        if (answer === "no-answer") return Effect.fail(unreachable(true))
        if (answer !== "label") {
          return Effect.fail(new CarrierError({ carrier: "dhl-paket", reason: "refused", message: answer.refuses }))
        }
        issued += 1
        return Effect.succeed({
          trackingNumber: `JJD${String(issued).padStart(10, "0")}`,
          routingCode: request.shipTo.postalCode,
          carrierName: "DHL",
          serviceName: "Paket"
        })
      }),
    cancelShipment: () => Effect.succeed("cancelled" as const)
  }
  return { adapter: apiCarrierAdapter(api), answers }
}

/** A station with the pack bench, handover, the label worker and the shop's inbox, on a real SQLite file. */
const stationLayer = (service: ReturnType<typeof labelService>) => {
  const filename = join(mkdtempSync(join(tmpdir(), "pb-held-")), "station.db")
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
  })
  const inbox = Layer.effectDiscard(
    Effect.gen(function* () {
      const probe = benchOrderProbe(yield* PackService, () => Effect.void)
      yield* registerOrderInbound(yield* Inbox, probe)
    })
  ).pipe(
    Layer.provideMerge(Inbox.layer),
    Layer.provide(
      Layer.effect(
        Broker,
        Effect.flatMap(makeMemoryBus(), (bus) => bus.client("station"))
      )
    )
  )
  return inbox.pipe(
    Layer.provideMerge(Layer.mergeAll(pack, Handover.layer(), PendingLabels.layer({}), CarrierCancellations.layer())),
    Layer.provideMerge(
      Layer.mergeAll(
        Session.layer().pipe(Layer.provide(ScryptPinHashes.layer)),
        PrintQueue.layer,
        encoder,
        StationSettings.layer({ name: "Pack 1", locale: "en" })
      )
    ),
    Layer.provideMerge(Carriers.layerOffline(defaultCarrierProfiles, "DE", [service.adapter])),
    Layer.provideMerge(seededStation({ filename, clock: StationClock.manual(START_MS).layer }))
  )
}

const run = <A, E>(
  service: ReturnType<typeof labelService>,
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>
) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(stationLayer(service))))).then((exit) => {
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    return exit.value
  })

/** SO-100001 as the sample data has it: its customer and address for the shop's one-mug orders below. */
const sample = (fixture("orders.json") as Array<Order>).find((order) => order.orderId === "SO-100001")!
const mugLine = { lineId: "1", sku: "ALP-MUG-01", quantity: 1, unitPrice: 12.9 }
const mugOrder = (orderId: string, version = 1) => ({
  ...sample,
  orderId,
  version,
  lines: [mugLine],
  payment: { ...sample.payment, total: 12.9 }
})

/** The shop's messages, numbered 1, 2, 3, … on the station's inbox stream as the hub numbers them. */
const shop = () => {
  let seq = 0
  const send = (type: string, payload: unknown) =>
    Effect.flatMap(Effect.service(Inbox), (inbox) => inbox.receive(inboxMessage(++seq, type, payload)))
  return {
    place: (orderId: string) => send("order.upsert", mugOrder(orderId)),
    cancel: (orderId: string) => send("order.cancel", { orderId, version: 2 }),
    twoMugs: (orderId: string) =>
      send("order.upsert", { ...mugOrder(orderId, 2), lines: [{ ...mugLine, quantity: 2 }] }),
    newEmail: (orderId: string) =>
      send("order.upsert", { ...mugOrder(orderId, 2), customer: { ...sample.customer, email: "neu@example.de" } }),
    moved: (orderId: string) =>
      send("order.address-corrected", {
        orderId,
        version: 2,
        shipTo: { ...sample.shipTo, street1: "Torstraße 7", postalCode: "10119" }
      })
  }
}

/** Packs the one-mug order `orderId` as a packer would, closing the parcel at `offsetMs`; the parcel. */
const packMug = (orderId: string, offsetMs: number) =>
  Effect.gen(function* () {
    const pack = yield* PackService
    yield* pack.scan({ raw: orderCode(orderId), at: at(offsetMs - 4) })
    yield* pack.scan({ raw: MUG, at: at(offsetMs - 3) })
    const boxed = yield* pack.chooseBox({ boxId: "S", at: at(offsetMs - 2) })
    yield* pack.weight({ grams: boxed.expectedWeightGrams, source: "scale", at: at(offsetMs - 1) })
    const packed = yield* pack.complete({ at: at(offsetMs) })
    expect(packed.refusal).toBeNull()
    return packed.parcel!
  })

/** dhl-paket is set up for its web service at this station. */
const onApi = (carrier: string) => carrier === "dhl-paket"

const held = (limit: number, pageRows?: number) =>
  Effect.map(listHeldParcels(limit, onApi, pageRows), (answer) => ({
    ...answer,
    parcels: answer.parcels.map((parcel) => [parcel.orderId, parcel.reason])
  }))

describe("the parcels held at the station", () => {
  it("lists each hold with its reason, those only a void lets go first, and none that may go, left or was voided", async () => {
    const service = labelService()
    const result = await run(
      service,
      Effect.gen(function* () {
        const pack = yield* PackService
        const session = yield* Session
        const handover = yield* Handover
        const pending = yield* PendingLabels
        const fromShop = shop()
        const orders = [
          "H-CANCELLED",
          "H-LINES",
          "H-ADDRESS",
          "H-EMAIL",
          "H-HANDED",
          "H-VOIDED",
          "H-REFUSED",
          "H-WITHHELD",
          "H-WAITING",
          "H-REACHED",
          "H-VOIDED-PENDING"
        ]
        for (const orderId of orders) yield* fromShop.place(orderId)
        yield* session.signIn("B-1001")
        // Packed ten seconds apart, in this order: the list is newest first within each kind.
        const parcels = new Map<string, { readonly parcelId: string; readonly parcelCode: string }>()
        for (const [index, orderId] of orders.entries()) {
          if (index >= 6) service.answers.set(orderId, orderId === "H-REACHED" ? "no-answer" : "connection-refused")
          parcels.set(orderId, yield* packMug(orderId, (index + 1) * 10_000))
        }
        const before = yield* held(20)

        yield* fromShop.cancel("H-CANCELLED")
        yield* fromShop.twoMugs("H-LINES")
        yield* fromShop.moved("H-ADDRESS")
        yield* fromShop.newEmail("H-EMAIL")
        yield* handover.open({ carrier: "dhl-paket" })
        yield* handover.scan({ raw: parcels.get("H-HANDED")!.parcelCode, at: at(200_000) })
        yield* handover.close({ at: at(201_000) })
        yield* fromShop.cancel("H-VOIDED")
        yield* fromShop.cancel("H-WITHHELD")
        yield* fromShop.moved("H-REACHED")
        // The carrier answers the worker's next requests: a refusal for one label, none for another.
        service.answers.set("H-REFUSED", { refuses: "Postleitzahl 10115 passt nicht zum Ort" })
        yield* pending.retryDue
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        yield* pack.voidParcel({ parcelId: parcels.get("H-VOIDED")!.parcelId, reason: "storniert", at: at(300_000) })
        yield* pack.voidParcel({ parcelId: parcels.get("H-VOIDED-PENDING")!.parcelId, reason: "Karton beschädigt" })
        const after = yield* listHeldParcels(20, onApi)
        // Its label's request may have reached the carrier: voided all the same, its shipment cancelled there.
        const reached = yield* pack.voidParcel({
          parcelId: parcels.get("H-REACHED")!.parcelId,
          reason: "Adresse geändert"
        })
        return { before, after, parcels, reached, again: yield* held(20) }
      })
    )
    // Right after packing, only the parcels waiting for their labels are listed: nothing else holds any.
    expect(result.before).toEqual({
      parcels: [
        ["H-VOIDED-PENDING", "label-pending"],
        ["H-REACHED", "label-pending"],
        ["H-WAITING", "label-pending"],
        ["H-WITHHELD", "label-pending"],
        ["H-REFUSED", "label-pending"]
      ],
      more: false
    })
    const parcelOf = (orderId: string) => result.parcels.get(orderId)!.parcelId
    expect(result.after).toEqual({
      parcels: [
        {
          parcelId: parcelOf("H-REACHED"),
          orderId: "H-REACHED",
          carrier: "dhl-paket",
          status: "label-pending",
          packedAtMs: START_MS + 100_000,
          trackingNumber: null,
          reason: "label-address-outdated",
          orderChange: "label-address-outdated"
        },
        {
          parcelId: parcelOf("H-WITHHELD"),
          orderId: "H-WITHHELD",
          carrier: "dhl-paket",
          status: "label-pending",
          packedAtMs: START_MS + 80_000,
          trackingNumber: null,
          reason: "label-withheld",
          orderChange: "order-cancelled-after-packing"
        },
        {
          parcelId: parcelOf("H-REFUSED"),
          orderId: "H-REFUSED",
          carrier: "dhl-paket",
          status: "label-pending",
          packedAtMs: START_MS + 70_000,
          trackingNumber: null,
          reason: "label-refused",
          carrierMessage: "Postleitzahl 10115 passt nicht zum Ort"
        },
        {
          parcelId: parcelOf("H-ADDRESS"),
          orderId: "H-ADDRESS",
          carrier: "dhl-paket",
          status: "packed",
          packedAtMs: START_MS + 30_000,
          trackingNumber: "JJD0000000003",
          reason: "label-address-outdated",
          orderChange: "label-address-outdated"
        },
        {
          parcelId: parcelOf("H-LINES"),
          orderId: "H-LINES",
          carrier: "dhl-paket",
          status: "packed",
          packedAtMs: START_MS + 20_000,
          trackingNumber: "JJD0000000002",
          reason: "parcel-lines-outdated",
          orderChange: "parcel-lines-outdated"
        },
        {
          parcelId: parcelOf("H-CANCELLED"),
          orderId: "H-CANCELLED",
          carrier: "dhl-paket",
          status: "packed",
          packedAtMs: START_MS + 10_000,
          trackingNumber: "JJD0000000001",
          reason: "order-cancelled-after-packing",
          orderChange: "order-cancelled-after-packing"
        },
        {
          parcelId: parcelOf("H-WAITING"),
          orderId: "H-WAITING",
          carrier: "dhl-paket",
          status: "label-pending",
          packedAtMs: START_MS + 90_000,
          trackingNumber: null,
          reason: "label-pending"
        }
      ],
      more: false
    })
    // The one whose label's request may have reached the carrier is voided too, and leaves the list.
    expect(result.reached).toMatchObject({ parcelId: parcelOf("H-REACHED"), status: "voided" })
    expect(result.again).toEqual({
      parcels: result.after.parcels
        .filter((parcel) => parcel.orderId !== "H-REACHED")
        .map((parcel) => [parcel.orderId, parcel.reason]),
      more: false
    })
  })

  it("answers at most `limit`, says when more are held, and reads page by page without losing one", async () => {
    const service = labelService()
    const result = await run(
      service,
      Effect.gen(function* () {
        const fromShop = shop()
        const orders = ["B-1", "B-2", "B-3", "B-4", "B-5"]
        for (const orderId of orders) yield* fromShop.place(orderId)
        yield* (yield* Session).signIn("B-1001")
        for (const [index, orderId] of orders.entries()) {
          if (orderId === "B-2" || orderId === "B-4") service.answers.set(orderId, "connection-refused")
          yield* packMug(orderId, (index + 1) * 10_000)
        }
        yield* fromShop.cancel("B-1")
        yield* fromShop.twoMugs("B-3")
        const answers = []
        for (const [limit, pageRows] of [
          [1, 100],
          [2, 100],
          [3, 100],
          [4, 100],
          [5, 100],
          [3, 1],
          [4, 2]
        ] as const) {
          answers.push([limit, pageRows, yield* held(limit, pageRows)])
        }
        return answers
      })
    )
    expect(result).toEqual([
      [1, 100, { parcels: [["B-3", "parcel-lines-outdated"]], more: true }],
      [
        2,
        100,
        {
          parcels: [
            ["B-3", "parcel-lines-outdated"],
            ["B-1", "order-cancelled-after-packing"]
          ],
          more: true
        }
      ],
      [
        3,
        100,
        {
          parcels: [
            ["B-3", "parcel-lines-outdated"],
            ["B-1", "order-cancelled-after-packing"],
            ["B-4", "label-pending"]
          ],
          more: true
        }
      ],
      [
        4,
        100,
        {
          parcels: [
            ["B-3", "parcel-lines-outdated"],
            ["B-1", "order-cancelled-after-packing"],
            ["B-4", "label-pending"],
            ["B-2", "label-pending"]
          ],
          more: false
        }
      ],
      [
        5,
        100,
        {
          parcels: [
            ["B-3", "parcel-lines-outdated"],
            ["B-1", "order-cancelled-after-packing"],
            ["B-4", "label-pending"],
            ["B-2", "label-pending"]
          ],
          more: false
        }
      ],
      [
        3,
        1,
        {
          parcels: [
            ["B-3", "parcel-lines-outdated"],
            ["B-1", "order-cancelled-after-packing"],
            ["B-4", "label-pending"]
          ],
          more: true
        }
      ],
      [
        4,
        2,
        {
          parcels: [
            ["B-3", "parcel-lines-outdated"],
            ["B-1", "order-cancelled-after-packing"],
            ["B-4", "label-pending"],
            ["B-2", "label-pending"]
          ],
          more: false
        }
      ]
    ])
  })

  it("takes a page size of 1 to 100 through the API, nothing unbounded", () => {
    const decode = Schema.decodeUnknownExit(StationApi["pack.held"].input)
    for (const limit of [1, 50, 100]) expect(Exit.isSuccess(decode({ limit }))).toBe(true)
    for (const limit of [0, 101, 1.5, -1, 1e9, "10", null])
      expect(Exit.isFailure(decode({ limit })), String(limit)).toBe(true)
    expect(Exit.isFailure(decode({}))).toBe(true)
  })
})
