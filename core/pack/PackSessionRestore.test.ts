import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { encodeEscPosInsert } from "../../drivers/printer/EscPosInsertEncoder.ts"
import { ScryptPinHashes } from "../../drivers/session/ScryptPinHashes.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { defaultCarrierProfiles } from "../carrier/CarrierProfile.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { assignTrackingRange } from "../carrier/OfflineCarrier.ts"
import { EventLog } from "../events/EventLog.ts"
import { exampleBrand } from "../insert/exampleBrand.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { Session } from "../session/Session.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { PackService } from "./PackService.ts"

/** The station's pack layer on `filename`; every `run` is one life of the station, torn down at its end. */
const stationLayer = (filename: string) => {
  const station = seededStation({
    filename,
    clock: StationClock.manual(1_795_000_000_000).layer,
    afterSeed: Effect.gen(function* () {
      const sql = yield* Sql
      const ranges = yield* sql.query("SELECT name FROM number_ranges WHERE name LIKE 'tracking:%'")
      if (ranges.length > 0) return
      yield* assignTrackingRange(defaultCarrierProfiles.find((p) => p.id === "dhl-paket")!, { start: 1000, end: 1100 })
    })
  })
  const encoder = Layer.succeed(
    InsertEncoder,
    InsertEncoder.of({ encode: (document) => Effect.sync(() => encodeEscPosInsert(document)) })
  )
  return PackService.layer({
    shipFrom: ["Alpenglow GmbH", "Lagerstraße 5", "20457 Hamburg", "Germany"],
    originCountry: "DE",
    brand: exampleBrand,
    discountCode: "DANKE10"
  }).pipe(
    Layer.provideMerge(
      Layer.mergeAll(Session.layer().pipe(Layer.provide(ScryptPinHashes.layer)), PrintQueue.layer, encoder)
    ),
    Layer.provideMerge(Carriers.layerOffline(defaultCarrierProfiles, "DE")),
    Layer.provideMerge(station)
  )
}

const run = <A, E>(file: string, effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof stationLayer>>>) =>
  Effect.runPromise(Effect.exit(effect.pipe(Effect.provide(stationLayer(file))))).then((exit) => {
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    return exit.value
  })

const tempDb = () => join(mkdtempSync(join(tmpdir(), "pb-restore-")), "station.db")

const counts = (view: { readonly lines: ReadonlyArray<{ sku: string; verified: number; remaining: number }> }) =>
  view.lines.map((line) => ({ sku: line.sku, verified: line.verified, remaining: line.remaining }))

/** Opens SO-100001 (2 mugs, 1 pair of socks) and scans one mug and the socks. */
const openAndScan = Effect.gen(function* () {
  const pack = yield* PackService
  yield* (yield* Session).signIn("B-1001")
  yield* pack.scan({ raw: "SO-100001" })
  yield* pack.scan({ raw: "4260123450014" })
  return yield* pack.scan({ raw: "4260123450038" })
})

describe("pack session restore after a restart", () => {
  it("continues an open order with the same counts and completes it", async () => {
    const file = tempDb()
    const before = await run(file, openAndScan)
    expect(before.refusal).toBeNull()
    const after = await run(
      file,
      Effect.gen(function* () {
        const pack = yield* PackService
        const restored = yield* pack.state
        yield* (yield* Session).signIn("B-1001")
        yield* pack.scan({ raw: "4260123450014" })
        yield* pack.chooseBox({ boxId: "S" })
        yield* pack.weight({ grams: (yield* pack.state).expectedWeightGrams, source: "typed" })
        const done = yield* pack.complete({})
        const log = yield* EventLog
        const packed = (yield* log.read(0, 1000)).filter((event) => event.type === "parcel.packed")
        const stored = yield* (yield* Sql).query("SELECT order_id FROM pack_session")
        return { restored, done, packed, stored }
      })
    )
    expect(after.restored.step).toBe("order-open")
    expect(after.restored.order?.orderId).toBe("SO-100001")
    expect(after.restored.addressCheck?.ok).toBe(true)
    expect(counts(after.restored)).toEqual(counts(before))
    expect(counts(after.restored)).toEqual([
      { sku: "ALP-MUG-01", verified: 1, remaining: 1 },
      { sku: "ALP-SOCK-M", verified: 1, remaining: 0 }
    ])
    expect(after.done.refusal).toBeNull()
    expect(after.done.step).toBe("packed")
    expect(after.packed).toHaveLength(1)
    expect(after.packed[0]!.payload).toMatchObject({ orderId: "SO-100001" })
    expect(after.stored).toEqual([])
    // A third life starts idle: the completed session is not brought back.
    const third = await run(
      file,
      Effect.flatMap(PackService, (pack) => pack.state)
    )
    expect(third.step).toBe("idle")
  })

  it("does not continue an order the shop cancelled while the station was off, and says why", async () => {
    const file = tempDb()
    await run(file, openAndScan)
    await run(
      file,
      Effect.flatMap(Sql, (sql) =>
        sql.execute(
          "UPDATE orders SET status = 'cancelled', data = json_set(data, '$.status', 'cancelled') WHERE order_id = 'SO-100001'"
        )
      )
    )
    const after = await run(
      file,
      Effect.gen(function* () {
        const pack = yield* PackService
        const restored = yield* pack.state
        yield* (yield* Session).signIn("B-1001")
        const next = yield* pack.scan({ raw: "SO-100002" })
        return { restored, next, stored: yield* (yield* Sql).query("SELECT order_id FROM pack_session") }
      })
    )
    expect(after.restored.step).toBe("idle")
    expect(after.restored.refusal).toMatchObject({ code: "order-cancelled" })
    expect(after.restored.refusal?.reason).toContain("SO-100001")
    expect(after.next.refusal).toBeNull()
    expect(after.next.order?.orderId).toBe("SO-100002")
    expect(after.stored).toEqual([{ order_id: "SO-100002" }])
  })

  it("does not continue an order the shop changed while the station was off", async () => {
    const file = tempDb()
    await run(file, openAndScan)
    await run(
      file,
      Effect.flatMap(Sql, (sql) =>
        sql.execute(
          "UPDATE orders SET version = version + 1, data = json_set(data, '$.version', version + 1) WHERE order_id = 'SO-100001'"
        )
      )
    )
    const restored = await run(
      file,
      Effect.flatMap(PackService, (pack) => pack.state)
    )
    expect(restored.step).toBe("idle")
    expect(restored.refusal?.code).toBe("order-changed")
  })
})
