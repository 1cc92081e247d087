import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { PackService } from "../../core/pack/PackService.ts"
import { Session } from "../../core/session/Session.ts"
import { Sql } from "../../core/store/Sql.ts"
import { apiCarrierStation, eventsOf } from "../../fixtures/carriers/apiCarrierStation.ts"
import { startLabelService } from "../../fixtures/carriers/LabelServiceSimulator.ts"
import { probed } from "../../fixtures/waitFor.ts"
import { start as startPrinter } from "../printer/PrinterSimulator.ts"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Signs in, scans `orderId`'s units, boxes, weighs and completes the parcel as a packer would. */
const pack = (orderId: string, units: ReadonlyArray<string>, box: string) =>
  Effect.gen(function* () {
    const bench = yield* PackService
    yield* (yield* Session).signIn("B-1001")
    yield* bench.scan({ raw: orderId })
    for (const raw of units) yield* bench.scan({ raw })
    yield* bench.chooseBox({ boxId: box })
    yield* bench.weight({ grams: (yield* bench.state).expectedWeightGrams, source: "typed" })
    return yield* bench.complete({})
  })
const packSo100001 = pack("SO-100001", ["4260123450014", "4260123450014", "4260123450038"], "S")
const packSo100010 = pack("SO-100010", ["4260123450090", "4260123450090"], "M")

/** The parcel's commit fails at its last write, after the carrier's label came: everything it wrote rolls back. */
const failParcelCommits = Effect.flatMap(Effect.service(Sql), (sql) =>
  sql.execute(
    "CREATE TEMP TRIGGER crash BEFORE INSERT ON events WHEN NEW.type = 'parcel.packed' BEGIN SELECT RAISE(ABORT, 'power cut'); END"
  )
)

const setUp = async () => {
  const dir = mkdtempSync(join(tmpdir(), "pb-reserved-"))
  const service = await startLabelService({ carrierName: "DHL", serviceName: "Paket", prefix: "JJD" })
  cleanups.push(service.close)
  const label = await startPrinter({ port: 0, dir: join(dir, "label"), language: "zpl" })
  const receipt = await startPrinter({ port: 0, dir: join(dir, "receipt"), language: "escpos" })
  cleanups.push(label.close, receipt.close)
  const boot = () =>
    apiCarrierStation(join(dir, "station.db"), service.url, { label: label.port, receipt: receipt.port })
  return { service, label, boot }
}

describe("a parcel id handed to an API carrier (real HTTP label service, real printers)", () => {
  it("is never handed out again after its packing rolled back: the next parcel prints its own label", async () => {
    const { service, label, boot } = await setUp()
    const station = boot()
    const crashed = await station.runPromise(
      Effect.gen(function* () {
        yield* failParcelCommits
        const exit = yield* Effect.exit(packSo100001)
        yield* Effect.flatMap(Effect.service(Sql), (sql) => sql.execute("DROP TRIGGER crash"))
        yield* (yield* PackService).abandon
        return exit
      })
    )
    const other = await station.runPromise(packSo100010)
    await label.waitForJobs(1)
    const events = await probed("parcel.shipment-cancelled", () =>
      station.runPromise(
        Effect.map(eventsOf("parcel.shipment-cancelled"), (found) => (found.length > 0 ? found : undefined))
      )
    )
    await station.dispose()
    expect(Exit.isFailure(crashed)).toBe(true)
    const issued = service.issued()
    expect([...issued.keys()]).toEqual(["PACK-01-000001", "PACK-01-000002"])
    expect(other.parcel).toMatchObject({ parcelId: "PACK-01-000002", trackingNumber: issued.get("PACK-01-000002") })
    const printed = new TextDecoder("latin1").decode(label.jobs()[0]!.bytes)
    expect(printed).toContain(issued.get("PACK-01-000002"))
    expect(printed).not.toContain(issued.get("PACK-01-000001"))
    expect(label.jobs()).toHaveLength(1)
    // The shipment made for SO-100001's packing, which never committed, is cancelled by itself.
    expect(service.cancelled()).toEqual([issued.get("PACK-01-000001")])
    expect(events.map((event) => event.payload)).toEqual([
      expect.objectContaining({
        orderId: "SO-100001",
        parcelId: "PACK-01-000001",
        trackingNumber: issued.get("PACK-01-000001"),
        answer: "cancelled"
      })
    ])
  }, 60_000)

  it("is asked again when the packing is completed again after a restart: the parcel gets the shipment made for it", async () => {
    const { service, label, boot } = await setUp()
    const first = boot()
    const crashed = await first.runPromise(
      Effect.gen(function* () {
        yield* failParcelCommits
        return yield* Effect.exit(packSo100001)
      })
    )
    await first.dispose()
    const second = boot()
    const completed = await second.runPromise(
      Effect.gen(function* () {
        yield* (yield* Session).signIn("B-1001")
        return yield* (yield* PackService).complete({})
      })
    )
    await label.waitForJobs(1)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const cancelled = await second.runPromise(eventsOf("parcel.shipment-cancelled"))
    await second.dispose()
    expect(Exit.isFailure(crashed)).toBe(true)
    expect(completed.parcel).toMatchObject({
      parcelId: "PACK-01-000001",
      status: "packed",
      trackingNumber: service.issued().get("PACK-01-000001")
    })
    expect(service.issued().size).toBe(1)
    expect(service.requests().map((request) => request.idempotencyKey)).toEqual(["PACK-01-000001", "PACK-01-000001"])
    expect(cancelled).toEqual([])
    expect(service.cancellationRequests()).toEqual([])
  }, 60_000)
})
