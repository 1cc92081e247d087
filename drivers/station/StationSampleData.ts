/** Loads the sample shop's setup (carriers, sender, brands, refund rules) from fixtures/data at start. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Layer, Schema } from "effect"
import { defaultCarrierProfiles } from "../../core/carrier/CarrierProfile.ts"
import { assignTrackingRange } from "../../core/carrier/OfflineCarrier.ts"
import { EventLog } from "../../core/events/EventLog.ts"
import type { BrandTemplate } from "../../core/insert/BrandTemplate.ts"
import type { NumberSlot } from "../../core/numbering/NumberRanges.ts"
import { Order } from "../../core/orders/Order.ts"
import { OrderReceived } from "../../core/orders/OrderEvents.ts"
import { seedBoxes } from "../../core/pack/BoxStore.ts"
import { decodeRefundRules, type RefundRuleSet } from "../../core/returns/RefundRules.ts"
import { backfillPinHashes, seedReferenceData } from "../../core/station/ReferenceData.ts"
import { Sql } from "../../core/store/Sql.ts"
import { loadBrands } from "./loadBrands.ts"
import { SAMPLE_DATA_DIR } from "./ProjectPaths.ts"

/** The sample shop's sender address, carriers and the tracking number ranges a fresh demo station gets. */
const CarrierSetup = Schema.Struct({
  shipFrom: Schema.Array(Schema.String),
  originCountry: Schema.String,
  discountCode: Schema.String,
  sscc: Schema.Struct({ companyPrefix: Schema.String, extensionDigit: Schema.Int }),
  trackingRanges: Schema.Array(Schema.Struct({ carrier: Schema.String, start: Schema.Int, end: Schema.Int }))
})
type CarrierSetup = typeof CarrierSetup.Type

const readSample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLE_DATA_DIR, name), "utf8"))

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)))

/**
 * The sample shop's setup from `fixtures/data/`, read and checked once at start: its carriers and sender, the brands
 * of the insert and the refund rules. A file that does not decode stops the start with a message naming it.
 */
export class SampleData extends Context.Service<
  SampleData,
  {
    readonly carriers: CarrierSetup
    readonly brands: { readonly brands: ReadonlyArray<BrandTemplate>; readonly fallback: BrandTemplate }
    readonly refundRules: RefundRuleSet
  }
>()("packbench/drivers/station/SampleData") {
  static readonly layer = Layer.effect(
    SampleData,
    Effect.gen(function* () {
      const carriers = yield* Effect.try({
        try: () => Schema.decodeUnknownSync(CarrierSetup)(readSample("carriers.json")),
        catch: asError
      })
      const brands = yield* Effect.try({
        try: () => loadBrands(join(SAMPLE_DATA_DIR, "brands"), "alpenglow"),
        catch: asError
      })
      const refundRules = yield* Effect.try({ try: () => readSample("refund-rules.json"), catch: asError }).pipe(
        Effect.flatMap(decodeRefundRules),
        Effect.mapError(
          (error) =>
            new Error(`fixtures/data/refund-rules.json is not a valid rule set: ${error.message ?? String(error)}`)
        )
      )
      return SampleData.of({ carriers, brands, refundRules })
    })
  )
}

/**
 * Loads the sample catalog, orders, badges and tracking number ranges into a database that has none yet, and the
 * sample boxes into one that has no boxes; true when the orders were loaded now (they are then announced, below).
 */
export const seedSampleData = (log: (line: string) => void, slot: NumberSlot) =>
  Effect.gen(function* () {
    const sample = yield* SampleData
    let seededNow = false
    const seeded = yield* seedReferenceData("fixtures/data (sample data)", {
      catalog: readSample("catalog.json"),
      orders: readSample("orders.json"),
      badges: readSample("badges.json")
    })
    if (seeded) {
      seededNow = true
      for (const range of sample.carriers.trackingRanges) {
        const profile = defaultCarrierProfiles.find((candidate) => candidate.id === range.carrier)
        if (profile !== undefined) yield* assignTrackingRange(profile, range, slot)
      }
      log("Loaded the sample catalog, orders, badges and tracking number ranges from fixtures/data")
    }
    // A sample station seeded before managers had PINs gets the sample manager's (README: the demo PIN).
    if (yield* backfillPinHashes("fixtures/data (sample data)", readSample("badges.json"))) {
      log("Gave the sample manager badge its PIN from fixtures/data/badges.json")
    }
    // Apart from the rest: a station seeded before boxes lived in its database gets them now.
    if (yield* seedBoxes("fixtures/data (sample data)", readSample("boxes.json"))) {
      log("Loaded the sample box catalog from fixtures/data")
    }
    return seededNow
  })

/**
 * Sample orders arrive by seeding, not through the inbox, so nothing has told the hub about them yet: record each as
 * received, as the inbox would have, so the hub knows the customer when the parcel's events come.
 */
export const announceSeededOrders = Effect.gen(function* () {
  const sql = yield* Sql
  const log = yield* EventLog
  yield* sql.transaction(
    Effect.gen(function* () {
      const rows = yield* sql.query<{ data: string }>("SELECT data FROM orders ORDER BY order_id")
      for (const row of rows) {
        const order = Schema.decodeUnknownSync(Order)(JSON.parse(row.data))
        yield* log.append(OrderReceived, { order, replacedVersion: null })
      }
    })
  )
})
