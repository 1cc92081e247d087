/** Inbox handling of the shop's box catalog updates for the pack bench. */
import { Effect, Schema } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { inboundVersion } from "../sync/InboundVersion.ts"
import type { Inbox } from "../sync/Inbox.ts"
import { BoxCatalog, BoxId } from "./Box.ts"
import { BoxCatalogUpdated } from "./BoxEvents.ts"

/** New or changed boxes, and boxes the bench no longer stocks; a message carries at least one of either. */
export const BoxUpdate = Schema.Struct({
  boxes: BoxCatalog,
  retire: Schema.optionalKey(Schema.Array(BoxId))
}).check(
  Schema.makeFilter((update) =>
    update.boxes.length + (update.retire?.length ?? 0) > 0 ? undefined : "a box update names at least one box"
  )
)

/**
 * `box.upsert` from the shop: the message's version stamps each box it names, and a box changes only for a newer
 * version, so a late message never rolls a box back, nor brings back one that was retired after it. A version no sender
 * can have given fails the message (`inboundVersion`, the rule of every versioned inbound type), and a box stored or
 * retired at one such (before versions were checked) is replaced by the next update that names it.
 */
export const registerBoxInbound = (inbox: Inbox["Service"]) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const storedVersion = (boxId: string) =>
      sql
        .query<{ version: number; position: number }>("SELECT version, position FROM boxes WHERE box_id = ?", [boxId])
        .pipe(Effect.map((rows) => rows[0]))
    yield* inbox.register("box.upsert", BoxUpdate, (update, context) =>
      Effect.gen(function* () {
        const received = yield* inboundVersion("box update", context.version, context.receivedAtMs)
        const applied: Array<string> = []
        const retired: Array<string> = []
        const ignored: Array<string> = []
        for (const box of update.boxes) {
          const stored = yield* storedVersion(box.boxId)
          if (stored !== undefined && !received.supersedes(Number(stored.version))) {
            ignored.push(box.boxId)
            continue
          }
          const last = yield* sql.query<{ position: number | null }>(
            "SELECT MAX(position) AS position FROM boxes WHERE retired = 0"
          )
          const position =
            box.position ?? (stored !== undefined && Number(stored.position) > 0 ? Number(stored.position) : null)
          yield* sql.execute(
            `INSERT INTO boxes (box_id, position, data, version, retired) VALUES (?, ?, ?, ?, 0)
             ON CONFLICT (box_id) DO UPDATE SET position = excluded.position, data = excluded.data,
               version = excluded.version, retired = 0`,
            [box.boxId, position ?? Number(last[0]?.position ?? 0) + 1, JSON.stringify(box), context.version]
          )
          applied.push(box.boxId)
        }
        for (const boxId of update.retire ?? []) {
          const stored = yield* storedVersion(boxId)
          if (stored !== undefined && !received.supersedes(Number(stored.version))) {
            ignored.push(boxId)
            continue
          }
          yield* sql.execute(
            `INSERT INTO boxes (box_id, position, data, version, retired) VALUES (?, 0, NULL, ?, 1)
             ON CONFLICT (box_id) DO UPDATE SET position = 0, data = NULL, version = excluded.version, retired = 1`,
            [boxId, context.version]
          )
          retired.push(boxId)
        }
        yield* log.append(BoxCatalogUpdated, { boxVersion: context.version, applied, retired, ignored })
      })
    )
  })
