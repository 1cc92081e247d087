/** Reads and seeds the station's box catalog and lists it for the Pack screen. */
import { Effect, Schema } from "effect"
import { type DecodeProblem, decodeStrict } from "../decode/DecodeProblem.ts"
import { ReferenceDataError } from "../station/ReferenceData.ts"
import { Sql } from "../store/Sql.ts"
import { BoxCatalog, type BoxListing, StoredBox } from "./Box.ts"

/** Read as stored, not against today's bounds: a box an older version accepted stays listed (see `StoredBox`). */
const decodeBox = Schema.decodeUnknownSync(StoredBox)

/** Number keys 1-9 pick a box; a tenth box is still there for its shelf barcode. */
const KEYS = 9

/**
 * The boxes the bench stocks now, in shelf order. Read on every use, not cached: the shop may change the catalog
 * through the inbox at any time.
 */
export const loadBoxes = Effect.gen(function* () {
  const sql = yield* Sql
  const rows = yield* sql.query<{ data: string; position: number }>(
    "SELECT data, position FROM boxes WHERE retired = 0 ORDER BY position, box_id"
  )
  return rows.map((row) => ({ box: decodeBox(JSON.parse(row.data)), position: Number(row.position) }))
})

export const listBoxes = Effect.map(
  loadBoxes,
  (boxes): ReadonlyArray<BoxListing> =>
    boxes.map(({ box, position }, index) => ({ ...box, position, key: index < KEYS ? String(index + 1) : null }))
)

/**
 * Loads the sample or initial box catalog into a station that has none, once, apart from the other reference data:
 * a station seeded before boxes lived in the database gets them on its next start.
 */
export const seedBoxes = Effect.fn("BoxStore.seed")(function* (source: string, raw: unknown) {
  const sql = yield* Sql
  const boxes = yield* decodeStrict(BoxCatalog)(raw).pipe(
    Effect.mapError((problems: ReadonlyArray<DecodeProblem>) => new ReferenceDataError({ source, problems }))
  )
  return yield* sql.transaction(
    Effect.gen(function* () {
      const seeded = yield* sql.query("SELECT value FROM station_meta WHERE key = 'boxes-seeded'")
      const present = yield* sql.query("SELECT 1 FROM boxes LIMIT 1")
      if (seeded.length > 0 || present.length > 0) return false
      for (const [index, box] of boxes.entries()) {
        yield* sql.execute("INSERT INTO boxes (box_id, position, data, version) VALUES (?, ?, ?, 0)", [
          box.boxId,
          box.position ?? index + 1,
          JSON.stringify(box)
        ])
      }
      yield* sql.execute("INSERT INTO station_meta (key, value) VALUES ('boxes-seeded', ?)", [source])
      return true
    })
  )
})
