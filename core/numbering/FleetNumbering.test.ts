import { copyFileSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { makeFileNumberReservations } from "../../drivers/numbering/FileNumberReservations.ts"
import { encodeEscPosInsert } from "../../drivers/printer/EscPosInsertEncoder.ts"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { defaultCarrierProfiles } from "../carrier/CarrierProfile.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { assignTrackingRange } from "../carrier/OfflineCarrier.ts"
import { exampleBrand } from "../insert/exampleBrand.ts"
import { PackService } from "../pack/PackService.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { hasValidGs1CheckDigit } from "../scan/gs1CheckDigit.ts"
import { identifyScan } from "../scan/identify.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import {
  blockOf,
  type NumberBlock,
  type NumberSlot,
  planRange,
  RESERVE_AHEAD,
  replanAll,
  takeNumber
} from "./NumberRanges.ts"
import type { NumberReservations } from "./NumberReservations.ts"

const START_MS = 1_795_000_000_000
const dhl = defaultCarrierProfiles.find((profile) => profile.id === "dhl-paket")!
/** The site's ranges as `fixtures/data/carriers.json` gives them to every station. */
const SITE_DHL = { start: 100_000, end: 200_000 }

/** One pack bench of the site: its own SQLite file, its own reservations file, its numbering slot. */
const benchLayer = (dir: string, stationId: string, slot: NumberSlot, reservations?: NumberReservations["Service"]) => {
  const station = seededStation({
    filename: join(dir, "station.db"),
    clock: StationClock.manual(START_MS).layer,
    stationId,
    reservations: reservations ?? makeFileNumberReservations(join(dir, "number-reservations.json")),
    afterSeed: assignTrackingRange(dhl, SITE_DHL, slot)
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
    sscc: { companyPrefix: "4260123", extensionDigit: 3 },
    numbering: slot
  }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer)), PrintQueue.layer, encoder)
    ),
    Layer.provideMerge(Carriers.layerOffline(defaultCarrierProfiles, "DE")),
    Layer.provideMerge(station)
  )
}

const runBench = <A, E>(
  layer: ReturnType<typeof benchLayer>,
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof benchLayer>>>
) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(layer)))).then((exit) => {
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    return exit.value
  })

const orderCode = (orderId: string) => {
  const encoded = encodePackbenchCode("order", orderId)
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.code
}

/** SO-100001 packed as a packer does it: the parcel's SSCC and DHL number. */
const packSo100001 = Effect.gen(function* () {
  const pack = yield* PackService
  yield* (yield* Session).signIn("B-1001")
  yield* pack.scan({ raw: orderCode("SO-100001") })
  yield* pack.scan({ raw: "4260123450014" })
  yield* pack.scan({ raw: "4260123450014" })
  yield* pack.scan({ raw: "4260123450038" })
  yield* pack.chooseBox({ boxId: "S" })
  yield* pack.weight({ grams: 872, source: "scale" })
  const view = yield* pack.complete({})
  if (view.parcel === null) throw new Error(`not packed: ${JSON.stringify(view.refusal)}`)
  return { sscc: view.parcel.sscc!, trackingNumber: view.parcel.trackingNumber! }
})

/** `count` numbers of each range, taken as the pack bench takes them: one transaction each. */
const issue = (count: number) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const carriers = yield* Carriers
    const adapter = carriers.adapter("dhl-paket")!
    const issued: Array<{ sscc: number; tracking: string }> = []
    for (let i = 0; i < count; i++) {
      issued.push(
        yield* sql.transaction(
          Effect.gen(function* () {
            const sscc = yield* takeNumber("sscc", "SSCC")
            const label = yield* adapter.createLabel({
              parcelId: `P-${i}`,
              orderId: "SO-1",
              carrier: "dhl-paket",
              serviceLevel: "standard",
              shipTo: { name: "A", street1: "Hauptstraße 1", postalCode: "10115", city: "Berlin", country: "DE" },
              weightGrams: 500
            })
            if (label.status !== "created") throw new Error("offline carrier answered pending")
            return { sscc, tracking: label.trackingNumber }
          })
        )
      )
    }
    return issued
  })

const tempDir = () => mkdtempSync(join(tmpdir(), "pb-fleet-numbers-"))

describe("numbers across the fleet", () => {
  it("two benches of one site pack the same order with different SSCCs and DHL numbers", async () => {
    const parcels = []
    for (const index of [0, 1]) {
      parcels.push(await runBench(benchLayer(tempDir(), `PACK-0${index + 1}`, { index, of: 2 }), packSo100001))
    }
    const [first, second] = parcels
    expect(first!.sscc).not.toBe(second!.sscc)
    expect(first!.trackingNumber).not.toBe(second!.trackingNumber)
    for (const parcel of parcels) {
      expect(hasValidGs1CheckDigit(parcel.sscc)).toBe(true)
      expect(identifyScan(parcel.trackingNumber, { expect: "tracking" })).toMatchObject({ valid: true })
    }
    // Bench 2 issues from the second half of each range.
    expect(first!.trackingNumber).toBe("00334043400001000008")
    expect(second!.trackingNumber.slice(10, 19)).toBe("000150000")
    expect(second!.sscc.slice(8, 17)).toBe("500000000")
  })

  it("ten benches issue 40 numbers each, every one unique across the fleet and inside its own block", async () => {
    const all: Array<{ station: number; sscc: number; tracking: string }> = []
    for (let index = 0; index < 10; index++) {
      const issued = await runBench(benchLayer(tempDir(), `PACK-${index + 10}`, { index, of: 10 }), issue(40))
      all.push(...issued.map((entry) => ({ station: index, ...entry })))
    }
    expect(new Set(all.map((entry) => entry.sscc)).size).toBe(400)
    expect(new Set(all.map((entry) => entry.tracking)).size).toBe(400)
    for (const entry of all) {
      const sscc = blockOf({ start: 1, end: 1_000_000_000 }, { index: entry.station, of: 10 }) as NumberBlock
      const tracking = blockOf(SITE_DHL, { index: entry.station, of: 10 }) as NumberBlock
      expect(entry.sscc).toBeGreaterThanOrEqual(sscc.start)
      expect(entry.sscc).toBeLessThan(sscc.end)
      const serial = Number(entry.tracking.slice(9, 19))
      expect(serial).toBeGreaterThanOrEqual(tracking.start)
      expect(serial).toBeLessThan(tracking.end)
      expect(tracking.end - tracking.start).toBe(10_000)
    }
  })

  it("never issues a number twice after the database is restored from a backup, or lost", async () => {
    const dir = tempDir()
    const reservations = makeFileNumberReservations(join(dir, "number-reservations.json"))
    const layer = () => benchLayer(dir, "PACK-01", { index: 0, of: 1 }, reservations)
    const before = await runBench(layer(), issue(5))
    copyFileSync(join(dir, "station.db"), join(dir, "backup.db"))
    const afterBackup = await runBench(layer(), issue(30))
    // The disk is replaced and last night's backup put back: the database knows only the first 5 numbers.
    copyFileSync(join(dir, "backup.db"), join(dir, "station.db"))
    const afterRestore = await runBench(layer(), issue(5))
    const issued = [...before, ...afterBackup, ...afterRestore]
    expect(new Set(issued.map((entry) => entry.sscc)).size).toBe(issued.length)
    expect(new Set(issued.map((entry) => entry.tracking)).size).toBe(issued.length)
    // What is skipped is bounded: at most what was reserved ahead of the last number issued.
    expect(afterRestore[0]!.sscc - afterBackup.at(-1)!.sscc).toBeLessThanOrEqual(RESERVE_AHEAD)
    // The database file is lost with no backup at all: the reservations outside it still hold.
    const lostDir = tempDir()
    copyFileSync(join(dir, "number-reservations.json"), join(lostDir, "number-reservations.json"))
    const fresh = await runBench(benchLayer(lostDir, "PACK-01", { index: 0, of: 1 }), issue(3))
    expect(fresh[0]!.sscc).toBeGreaterThan(afterRestore.at(-1)!.sscc)
  })

  it("refuses a numbering plan that would hand out numbers it already issued, and moves with a changed slot", async () => {
    const dir = tempDir()
    const reservations = makeFileNumberReservations(join(dir, "number-reservations.json"))
    const result = await runBench(
      benchLayer(dir, "PACK-01", { index: 1, of: 4 }, reservations),
      Effect.gen(function* () {
        yield* issue(3)
        const backwards = yield* Effect.exit(
          planRange("tracking:dhl-paket", { start: 100_000, end: 125_003 }, { index: 0, of: 1 })
        )
        const bad = yield* Effect.exit(planRange("tracking:dhl-paket", SITE_DHL, { index: 4, of: 4 }))
        const moved = yield* replanAll({ index: 2, of: 4 })
        return { backwards, bad, moved, after: yield* issue(1) }
      })
    )
    expect(Exit.isFailure(result.backwards) && String(result.backwards.cause)).toMatch(
      /already issued numbers up to 125002/
    )
    expect(Exit.isFailure(result.bad) && String(result.bad.cause)).toMatch(
      /stationIndex must be a whole number from 0 to 3/
    )
    expect(result.moved.find((plan) => plan.name === "tracking:dhl-paket")).toMatchObject({
      block: { start: 150_000, end: 175_000 },
      next: 150_000
    })
    expect(Number(result.after[0]!.tracking.slice(9, 19))).toBe(150_000)
  })
})
