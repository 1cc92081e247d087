import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { expect, it } from "vitest"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { stationMigrations } from "../station/migrations/index.ts"
import { migrate } from "../store/Migrations.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import type { ConflictRecord } from "./ConflictLog.ts"
import type { Inbox, InboxContext, InboxStream } from "./Inbox.ts"
import { registerSyncAlerts } from "./SyncAlerts.ts"

const alert = {
  kind: "conflict",
  epoch: "E1",
  seq: 41,
  eventId: "0197a1b2-0000-7000-8000-000000000041",
  heldBy: "0197a1b2-0000-7000-8000-000000000040",
  reason: "seq 41 of PACK-01's stream is already taken by another event"
}

it("takes the hub's alerts about the station's stream from the hub's stream only: one on the shop's is no hub's word", async () => {
  const result = await Effect.runPromise(
    Effect.gen(function* () {
      yield* migrate(stationMigrations)
      const sql = yield* Sql
      let handle: ((payload: unknown, context: InboxContext) => Effect.Effect<void, unknown>) | undefined
      const inbox = {
        register: (
          _type: string,
          schema: Schema.Decoder<unknown>,
          handler: (payload: unknown, context: InboxContext) => Effect.Effect<void, unknown>
        ) =>
          Effect.sync(() => {
            const decode = Schema.decodeUnknownSync(schema)
            handle = (payload, context) => handler(decode(payload), context)
          })
      } as unknown as Inbox["Service"]
      const raised: Array<ConflictRecord> = []
      yield* registerSyncAlerts(inbox, (record) => Effect.sync(() => raised.push(record)))
      const deliver = (stream: InboxStream) =>
        Effect.exit(
          sql.transaction(
            handle!(alert, {
              msgId: `m-${stream}`,
              seq: 7,
              stream,
              type: "sync.alert",
              version: 1,
              sentAtMs: undefined,
              receivedAtMs: 0
            })
          )
        )
      // The shop side may publish on a station's inbox and on its site's, never on the hub's (core/sync/BrokerRoles).
      const forged = [yield* deliver("station"), yield* deliver("site")]
      const afterForged = { raised: raised.length, recorded: (yield* sql.query("SELECT 1 FROM sync_conflicts")).length }
      const real = yield* deliver("hub")
      return {
        forged: forged.map((exit) => (Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : "applied")),
        afterForged,
        real: real._tag,
        raised: raised.map((record) => [record.source, record.seq, record.refusedId]),
        recorded: (yield* sql.query("SELECT 1 FROM sync_conflicts")).length
      }
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          layerSqlite({ filename: join(mkdtempSync(join(tmpdir(), "pb-sync-alerts-")), "station.db") }),
          StationClock.manual(Date.UTC(2026, 11, 6, 12)).layer
        )
      )
    )
  )
  expect(result.forged).toEqual([
    expect.stringContaining("sync.alert comes from the hub's stream only (inbox/hub/…), not the station stream"),
    expect.stringContaining("sync.alert comes from the hub's stream only (inbox/hub/…), not the site stream")
  ])
  expect(result.afterForged).toEqual({ raised: 0, recorded: 0 })
  expect(result.real).toBe("Success")
  expect(result.raised).toEqual([["hub:events", 41, alert.eventId]])
  expect(result.recorded).toBe(1)
})
