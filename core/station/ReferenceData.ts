/** Loads the catalog, orders and badges into an empty station, once. */
import { Effect, Schema } from "effect"
import { IncomingCatalogItems } from "../catalog/CatalogItem.ts"
import { type DecodeProblem, decodeStrict } from "../decode/DecodeProblem.ts"
import { Order } from "../orders/Order.ts"
import { Badge } from "../session/Badge.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"

export const ReferenceData = Schema.Struct({
  catalog: IncomingCatalogItems,
  orders: Schema.Array(Order),
  badges: Schema.Array(Badge)
})
export type ReferenceData = typeof ReferenceData.Type

export class ReferenceDataError extends Schema.TaggedError<ReferenceDataError>()("ReferenceDataError", {
  source: Schema.String,
  problems: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {}

/** GTIN-14 is the GTIN left-padded with zeros (GS1 General Specifications 3.3.2); the check digit stays valid. */
const gtin14 = (gtin: string) => gtin.padStart(14, "0")

/**
 * Loads sample or initial reference data into an empty station, once: the first start of a station with the
 * sample fixtures, or a site's initial export. Later changes arrive as versioned inbound messages instead.
 */
export const seedReferenceData = Effect.fn("ReferenceData.seed")(function* (source: string, raw: unknown) {
  const sql = yield* Sql
  const clock = yield* StationClock
  const data = yield* decodeStrict(ReferenceData)(raw).pipe(
    Effect.mapError((problems: ReadonlyArray<DecodeProblem>) => new ReferenceDataError({ source, problems }))
  )
  const now = yield* clock.now
  return yield* sql.transaction(
    Effect.gen(function* () {
      const seeded = yield* sql.query("SELECT value FROM station_meta WHERE key = 'seeded'")
      if (seeded.length > 0) return false
      for (const badge of data.badges) {
        yield* sql.execute("INSERT INTO badges (badge_id, name, role, pin_hash) VALUES (?, ?, ?, ?)", [
          badge.badgeId,
          badge.name,
          badge.role,
          badge.pinHash ?? null
        ])
      }
      for (const item of data.catalog) {
        yield* sql.execute("INSERT INTO catalog_items (sku, gtin14, data) VALUES (?, ?, ?)", [
          item.sku,
          gtin14(item.gtin),
          JSON.stringify(item)
        ])
        for (const alias of item.aliases) {
          yield* sql.execute("INSERT INTO sku_aliases (alias, sku) VALUES (?, ?)", [alias, item.sku])
        }
      }
      for (const order of data.orders) {
        yield* sql.execute(
          "INSERT INTO orders (order_id, version, status, data, updated_at_ms) VALUES (?, ?, ?, ?, ?)",
          [order.orderId, order.version, order.status, JSON.stringify(order), now.wallMs]
        )
      }
      yield* sql.execute("INSERT INTO station_meta (key, value) VALUES ('seeded', ?)", [source])
      return true
    })
  )
})

/**
 * A station seeded from `source` before badges had PINs has its managers without one, and could not sign them in:
 * give each such badge the PIN hash the same source now has. Only badges without a hash, and only on a station that
 * was seeded from this very source; true when one was filled in.
 */
export const backfillPinHashes = Effect.fn("ReferenceData.backfillPinHashes")(function* (source: string, raw: unknown) {
  const sql = yield* Sql
  const badges = yield* decodeStrict(Schema.Array(Badge))(raw).pipe(
    Effect.mapError((problems: ReadonlyArray<DecodeProblem>) => new ReferenceDataError({ source, problems }))
  )
  return yield* sql.transaction(
    Effect.gen(function* () {
      const seeded = yield* sql.query<{ value: string }>("SELECT value FROM station_meta WHERE key = 'seeded'")
      if (seeded[0]?.value !== source) return false
      let filled = false
      for (const badge of badges) {
        if (badge.pinHash === undefined) continue
        const result = yield* sql.execute(
          "UPDATE badges SET pin_hash = ? WHERE badge_id = ? AND role = ? AND pin_hash IS NULL",
          [badge.pinHash, badge.badgeId, badge.role]
        )
        filled ||= result.changes > 0
      }
      return filled
    })
  )
})
