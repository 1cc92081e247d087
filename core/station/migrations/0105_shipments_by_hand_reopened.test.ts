import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

describe("migration 0105 (by-hand closes numbered, reopened apart)", () => {
  it("keeps a close of 0104 as close 1 with why from its event, numbers a second close, and refuses edits of both records", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m105-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 104))
        yield* sql.execute(
          `INSERT INTO shipments_cancelled_by_hand (parcel_id, order_id, carrier, tracking_number, reference, badge_id,
             closed_at_ms) VALUES ('P-1', 'SO-1', 'dhl-paket', 'JJD0000000001', 'Storno 4711', 'B-9001', 1),
             ('P-2', 'SO-2', 'dhl-paket', NULL, 'Storno 4712', 'B-9001', 2)`
        )
        yield* sql.execute(
          `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, record_time_ms, actor,
             payload) VALUES (1, 'e-1', 'parcel.shipment-cancelled-by-hand', 1, 'E', 1, '1', 1, '{}', ?)`,
          [
            JSON.stringify({
              orderId: "SO-1",
              parcelId: "P-1",
              carrier: "dhl-paket",
              trackingNumber: "JJD0000000001",
              reference: "Storno 4711",
              reason: "box damaged"
            })
          ]
        )
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 105))
        const closes = yield* sql.query(
          `SELECT parcel_id, close_no, tracking_number, label_request, reason, since_ms, portal_answer, reference, note
           FROM shipments_cancelled_by_hand ORDER BY parcel_id, close_no`
        )
        const reopen = yield* Effect.exit(
          sql.execute(
            `INSERT INTO shipments_by_hand_reopened (parcel_id, close_no, reason, badge_id, reopened_at_ms)
             VALUES ('P-1', 1, 'closed the wrong parcel', 'B-9001', 3)`
          )
        )
        const closeAgain = (answer: string, reference: string | null, note: string | null) =>
          Effect.exit(
            sql.execute(
              `INSERT INTO shipments_cancelled_by_hand (parcel_id, close_no, order_id, carrier, tracking_number, reason,
                 portal_answer, reference, note, badge_id, closed_at_ms)
               VALUES ('P-1', 2, 'SO-1', 'dhl-paket', 'JJD0000000001', 'box damaged', ?, ?, ?, 'B-9001', 4)`,
              [answer, reference, note]
            )
          )
        const noNote = yield* closeAgain("no-shipment", null, null)
        const noReference = yield* closeAgain("cancelled", null, "nothing")
        const second = yield* closeAgain("no-shipment", null, "no shipment under the number")
        const edits = yield* Effect.forEach(
          [
            "UPDATE shipments_cancelled_by_hand SET reference = 'x'",
            "DELETE FROM shipments_cancelled_by_hand",
            "UPDATE shipments_by_hand_reopened SET reason = 'x'",
            "DELETE FROM shipments_by_hand_reopened"
          ],
          (statement) => Effect.exit(sql.execute(statement))
        )
        return { applied, closes, reopen, noNote, noReference, second, edits }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([105])
    expect(result.closes).toEqual([
      {
        parcel_id: "P-1",
        close_no: 1,
        tracking_number: "JJD0000000001",
        label_request: null,
        reason: "box damaged",
        since_ms: null,
        portal_answer: "cancelled",
        reference: "Storno 4711",
        note: null
      },
      {
        parcel_id: "P-2",
        close_no: 1,
        tracking_number: null,
        label_request: null,
        reason: "not kept by the station that closed it",
        since_ms: null,
        portal_answer: "cancelled",
        reference: "Storno 4712",
        note: null
      }
    ])
    expect(Exit.isSuccess(result.reopen)).toBe(true)
    expect(Exit.isFailure(result.noNote)).toBe(true)
    expect(Exit.isFailure(result.noReference)).toBe(true)
    expect(Exit.isSuccess(result.second)).toBe(true)
    for (const edit of result.edits) expect(String(Exit.isFailure(edit) && edit.cause)).toMatch(/append-only/)
  })
})
