import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { CarrierCancellations } from "../../core/pack/CarrierCancellations.ts"
import { PackService } from "../../core/pack/PackService.ts"
import { Session } from "../../core/session/Session.ts"
import { apiCarrierStation, eventsOf } from "../../fixtures/carriers/apiCarrierStation.ts"
import { startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import { SAMPLE_MANAGER } from "../../fixtures/sampleManager.ts"
import { probed } from "../../fixtures/waitFor.ts"
import { start as startPrinter } from "../printer/PrinterSimulator.ts"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Scans, boxes, weighs and completes SO-100001 as a packer would. */
const packSo100001 = Effect.gen(function* () {
  const pack = yield* PackService
  yield* (yield* Session).signIn("B-1001")
  yield* pack.scan({ raw: "SO-100001" })
  for (const raw of ["4260123450014", "4260123450014", "4260123450038"]) yield* pack.scan({ raw })
  yield* pack.chooseBox({ boxId: "S" })
  yield* pack.weight({ grams: (yield* pack.state).expectedWeightGrams, source: "typed" })
  return yield* pack.complete({})
})

/** A station database's file, DHL's label web service and the bench's two printers, each closed after the test. */
const rig = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pb-cancel-"))
  const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD" })
  cleanups.push(service.close)
  const label = await startPrinter({ port: 0, dir: join(dir, "label"), language: "zpl" })
  const receipt = await startPrinter({ port: 0, dir: join(dir, "receipt"), language: "escpos" })
  cleanups.push(label.close, receipt.close)
  return { filename: join(dir, "station.db"), service, ports: { label: label.port, receipt: receipt.port } }
}

const cancellationCounts = Effect.flatMap(Effect.service(CarrierCancellations), (cancellations) => cancellations.counts)

describe("voiding an API carrier's labelled parcel (real HTTP label service, restarts)", () => {
  it("voids while the service is down, and cancels the shipment by itself, once, when it is back after a restart", async () => {
    const { filename, service, ports } = await rig()

    // First life: SO-100001 gets its label; the service goes down; a manager voids the parcel.
    const first = apiCarrierStation(filename, service.url, ports)
    const packed = await first.runPromise(packSo100001)
    const tracking = packed.parcel!.trackingNumber!
    expect(tracking).toMatch(/^JJD\d{10}$/)
    await service.down()
    const voided = await first.runPromise(
      Effect.gen(function* () {
        yield* (yield* Session).enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        return yield* (yield* PackService).voidParcel({ parcelId: packed.parcel!.parcelId, reason: "box damaged" })
      })
    )
    expect(voided.status).toBe("voided")
    const waiting = await probed("a cancellation attempt while the service is down", () =>
      first.runPromise(
        Effect.map(
          Effect.flatMap(Effect.service(CarrierCancellations), (cancellations) => cancellations.list),
          (list) => ((list[0]?.attempts ?? 0) >= 2 ? list : undefined)
        )
      )
    )
    expect(waiting).toMatchObject([{ trackingNumber: tracking, refused: null }])
    expect(waiting[0]!.lastError).toContain("ECONNREFUSED")
    expect(await first.runPromise(cancellationCounts)).toEqual({ waiting: 1, refused: 0, byHand: 0 })
    await first.dispose()
    expect(service.cancelled()).toEqual([])

    // Second life: the station restarts, the service is back; the shipment is cancelled without anyone asking.
    await service.up()
    const second = apiCarrierStation(filename, service.url, ports)
    const events = await probed("parcel.shipment-cancelled", () =>
      second.runPromise(
        Effect.map(eventsOf("parcel.shipment-cancelled"), (found) => (found.length > 0 ? found : undefined))
      )
    )
    const after = await second.runPromise(cancellationCounts)
    await new Promise((resolve) => setTimeout(resolve, 500))
    await second.dispose()
    expect(after).toEqual({ waiting: 0, refused: 0, byHand: 0 })
    expect(events.map((event) => event.payload)).toEqual([
      {
        orderId: "SO-100001",
        parcelId: packed.parcel!.parcelId,
        carrier: "dhl-paket",
        trackingNumber: tracking,
        answer: "cancelled",
        reason: "box damaged"
      }
    ])
    expect(service.cancelled()).toEqual([tracking])
    // While the service was down no cancellation reached it; once up, one did, and none after it.
    expect(service.cancellationRequests()).toEqual([tracking])
  }, 60_000)

  it("keeps a cancellation its label service's address answers with a bare 404 (a wrong base URL), says so, and sends it once the address is right", async () => {
    const { filename, service, ports } = await rig()

    // First life: SO-100001 gets its label.
    const first = apiCarrierStation(filename, service.url, ports)
    const packed = await first.runPromise(packSo100001)
    const tracking = packed.parcel!.trackingNumber!
    await first.dispose()

    // Second life: the station's base URL for the service has a wrong path; a manager voids the parcel.
    const warnings: Array<string> = []
    const second = apiCarrierStation(filename, `${service.url}/v2`, ports, warnings)
    await second.runPromise(
      Effect.gen(function* () {
        const session = yield* Session
        yield* session.signIn("B-1001")
        yield* session.enterPin(SAMPLE_MANAGER.badgeId, SAMPLE_MANAGER.pin)
        return yield* (yield* PackService).voidParcel({ parcelId: packed.parcel!.parcelId, reason: "box damaged" })
      })
    )
    const waiting = await probed("a second cancellation attempt at the wrong address", () =>
      second.runPromise(
        Effect.map(
          Effect.flatMap(Effect.service(CarrierCancellations), (cancellations) => cancellations.list),
          (list) => ((list[0]?.attempts ?? 0) >= 2 ? list : undefined)
        )
      )
    )
    const counts = await second.runPromise(cancellationCounts)
    const ended = await second.runPromise(eventsOf("parcel.shipment-cancelled"))
    await second.dispose()
    expect(waiting).toMatchObject([{ trackingNumber: tracking, refused: null }])
    expect(waiting[0]!.lastError).toContain(`answered 404 for shipment ${tracking}`)
    // The header counts it as a cancellation still to send, and the log says why, once.
    expect(counts).toEqual({ waiting: 1, refused: 0, byHand: 0 })
    expect(ended).toEqual([])
    expect(warnings.filter((line) => line.includes(tracking))).toEqual([
      expect.stringContaining(`answered 404 for shipment ${tracking}`)
    ])
    expect(service.cancelled()).toEqual([])

    // Third life: the address is put right; the shipment is cancelled without anyone asking.
    const third = apiCarrierStation(filename, service.url, ports)
    const events = await probed("parcel.shipment-cancelled", () =>
      third.runPromise(
        Effect.map(eventsOf("parcel.shipment-cancelled"), (found) => (found.length > 0 ? found : undefined))
      )
    )
    const after = await third.runPromise(cancellationCounts)
    await third.dispose()
    expect(events.map((event) => event.payload)).toMatchObject([{ trackingNumber: tracking, answer: "cancelled" }])
    expect(after).toEqual({ waiting: 0, refused: 0, byHand: 0 })
    expect(service.cancelled()).toEqual([tracking])
  }, 60_000)
})
