import { existsSync, mkdtempSync, readdirSync, utimesSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { makeFileEvidencePhotos } from "../../drivers/evidence/FileEvidencePhotos.ts"
import { drawTestFrame } from "../../drivers/evidence/testFrame.ts"
import { seededStation } from "../../fixtures/SeededStation.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { EvidencePhotos } from "./EvidencePhotos.ts"
import { PhotoRetention } from "./PhotoRetention.ts"

const START_MS = 1_795_000_000_000
const DAY_MS = 86_400_000

describe("PhotoRetention", () => {
  it("deletes each photo once its parcel was packed longer ago than the retention, and records which", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-retention-"))
    const clock = StationClock.manual(START_MS)
    const photos = makeFileEvidencePhotos(dir)
    const photoFile = (parcelId: string) => join(dir, "photos", `${parcelId}.jpg`)
    const layer = PhotoRetention.layer({ retentionDays: 90 }).pipe(
      Layer.provideMerge(Layer.succeed(EvidencePhotos, EvidencePhotos.of(photos))),
      Layer.provideMerge(seededStation({ filename: join(dir, "station.db"), clock: clock.layer }))
    )
    const program = Effect.gen(function* () {
      const sql = yield* Sql
      const retention = yield* PhotoRetention
      const packed = (parcelId: string, atMs: number, photo: unknown) =>
        sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, box_id, weight_grams, data, packed_at_ms)
           VALUES (?, 'SO-100001', 'packed', 'dhl-paket', 'S', 800, ?, ?)`,
          [parcelId, JSON.stringify({ photo }), atMs]
        )
      for (const [parcelId, atMs] of [
        ["PACK-01-000001", START_MS],
        ["PACK-01-000002", START_MS + 10 * DAY_MS]
      ] as const) {
        const { token, ...stored } = yield* photos.stage(drawTestFrame(1))
        yield* photos.place(token, parcelId)
        yield* packed(parcelId, atMs, { ...stored, cameraId: "bench-cam" })
      }
      yield* packed("PACK-01-000003", START_MS, { missing: "no camera device" })

      clock.advance(90 * DAY_MS)
      const atRetention = yield* retention.prune
      clock.advance(1)
      const pastFirst = yield* retention.prune
      const again = yield* retention.prune
      const firstGone = !existsSync(photoFile("PACK-01-000001"))
      const secondKept = existsSync(photoFile("PACK-01-000002"))
      clock.advance(10 * DAY_MS)
      const pastSecond = yield* retention.prune
      const events = (yield* (yield* EventLog).read(0, 100)).filter((event) => event.type === "evidence.photos-pruned")
      const data = yield* sql.query<{ data: string }>("SELECT data FROM parcels WHERE parcel_id = 'PACK-01-000001'")
      return { atRetention, pastFirst, again, firstGone, secondKept, pastSecond, events, data }
    })
    const exit = await Effect.runPromise(Effect.exit(program.pipe(Effect.provide(layer))))
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const result = exit.value
    expect(result.atRetention).toEqual([])
    expect(result.pastFirst).toEqual(["PACK-01-000001"])
    expect(result.again).toEqual([])
    expect(result.firstGone).toBe(true)
    expect(result.secondKept).toBe(true)
    expect(result.pastSecond).toEqual(["PACK-01-000002"])
    expect(existsSync(photoFile("PACK-01-000002"))).toBe(false)
    expect(result.events.map((event) => event.payload)).toEqual([
      { parcelIds: ["PACK-01-000001"], retentionDays: 90, packedBeforeMs: START_MS + 1 },
      { parcelIds: ["PACK-01-000002"], retentionDays: 90, packedBeforeMs: START_MS + 10 * DAY_MS + 1 }
    ])
    expect(JSON.parse(result.data[0]!.data).photo).toMatchObject({ prunedAtMs: START_MS + 90 * DAY_MS + 1 })
  })

  it("puts a still left staged by an interrupted completion in place, deletes a refused one, and waits for a young one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-leftovers-"))
    const clock = StationClock.manual(START_MS)
    const photos = makeFileEvidencePhotos(dir)
    const layer = PhotoRetention.layer({ retentionDays: 90 }).pipe(
      Layer.provideMerge(Layer.succeed(EvidencePhotos, EvidencePhotos.of(photos))),
      Layer.provideMerge(seededStation({ filename: join(dir, "station.db"), clock: clock.layer }))
    )
    const stagedAt = (token: string, atMs: number) =>
      utimesSync(join(dir, "photos", "staged", `${token}.jpg`), new Date(atMs), new Date(atMs))
    const program = Effect.gen(function* () {
      const sql = yield* Sql
      const retention = yield* PhotoRetention
      // Committed, then the process died before the rename: the parcel records the still, its file is not there.
      const interrupted = yield* photos.stage(drawTestFrame(1))
      stagedAt(interrupted.token, START_MS - 20 * 60_000)
      yield* sql.execute(
        `INSERT INTO parcels (parcel_id, order_id, status, carrier, box_id, weight_grams, data, packed_at_ms)
         VALUES ('PACK-01-000001', 'SO-100001', 'packed', 'dhl-paket', 'S', 800, ?, ?)`,
        [JSON.stringify({ photo: { sha256: interrupted.sha256, bytes: interrupted.bytes, cameraId: "c" } }), START_MS]
      )
      // Refused (the order was cancelled) and the process died before deleting it: no parcel records it.
      const refused = yield* photos.stage(drawTestFrame(2))
      stagedAt(refused.token, START_MS - 20 * 60_000)
      // Staged a moment ago: its completion may still be under way.
      const young = yield* photos.stage(drawTestFrame(3))
      stagedAt(young.token, START_MS - 60_000)
      const placed = yield* retention.settleLeftovers
      const left = (yield* photos.leftovers).map((leftover) => leftover.token)
      const there = yield* photos.read("PACK-01-000001")
      return { placed, left, there, young: young.token, sha256: interrupted.sha256 }
    })
    const exit = await Effect.runPromise(Effect.exit(program.pipe(Effect.provide(layer))))
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const result = exit.value
    expect(result.placed).toEqual(["PACK-01-000001"])
    expect(result.there?.sha256).toBe(result.sha256)
    expect(result.left).toEqual([result.young])
    expect(readdirSync(join(dir, "photos", "staged"))).toEqual([`${result.young}.jpg`])
  })
})
